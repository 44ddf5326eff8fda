// Connection state recovery end to end, with real clients: the server kills the connection, the client
// reconnects on its own and gets its id back, `recovered`, and every event sent while it was away,
// once and in order. Switchback's server against socket.io-client 4.8 and @switchback/client; the
// socket.io pairs show that the same scenario holds against the reference server.
import type { Socket as ClientSocket } from '@switchback/client';
import type { Socket as ServerSocket } from '@switchback/server';
import { afterEach, describe, expect, it } from 'vitest';
import { once, until } from '../helpers/wait.js';
import { modes, startPair, type Direction, type SocketPair } from './socket-peers.js';

const directions: readonly Direction[] = [
  { name: 'socket.io-client -> switchback server', server: 'switchback', client: 'reference' },
  { name: 'switchback client -> switchback server', server: 'switchback', client: 'switchback' },
  { name: 'switchback client -> socket.io server', server: 'reference', client: 'switchback' },
  { name: 'socket.io-client -> socket.io server (baseline)', server: 'reference', client: 'reference' },
];

const matrix = directions.flatMap((direction) => modes.map((mode) => ({ direction, mode, label: `${direction.name}, ${mode}` })));

let pair: SocketPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe.each(matrix)('$label', ({ direction, mode }) => {
  it('restores id, rooms, data and the events missed while away, once and in order', async () => {
    const p = (pair = await startPair(direction, mode, { connectionStateRecovery: {} }));
    const firstConnection = once<[ServerSocket]>(p.io, 'connection');
    const client: ClientSocket = await p.connect('', { reconnection: true, reconnectionDelay: 20, randomizationFactor: 0 });
    const [socket] = await firstConnection;
    expect(socket.recovered).toBe(false);
    expect(client.recovered).toBe(false);
    await socket.join('room1');
    socket.data = { user: 'ann' };

    const received: unknown[] = [];
    client.on('news', (n: unknown) => received.push(n));
    p.io.emit('news', 0);
    await until(() => received.length === 1, 'the first event arrived');

    const lost = once<[string]>(socket, 'disconnect');
    const reconnection = once<[ServerSocket]>(p.io, 'connection');
    const clientBack = once(client, 'connect');
    socket.conn.close();
    expect((await lost)[0]).toBe('forced close');
    // While the client is away: to everyone, to its room, to it directly, and to a room it is not in.
    p.io.emit('news', 1);
    p.io.to('room1').emit('news', 2);
    socket.emit('news', 3);
    p.io.to('elsewhere').emit('news', 'not for it');
    p.io.except('room1').emit('news', 'not for it either');
    p.io.emit('news', 4);

    const [restored] = await reconnection;
    await clientBack;
    expect(restored.id).toBe(socket.id);
    expect(restored.recovered).toBe(true);
    expect(restored.rooms.has('room1')).toBe(true);
    expect(restored.data).toEqual({ user: 'ann' });
    expect(client.id).toBe(socket.id);
    expect(client.recovered).toBe(true);

    // A last event after the reconnection: once it is in, anything replayed twice would be too.
    p.io.emit('news', 5);
    await until(() => received.includes(5), 'the event sent after the reconnection arrived');
    expect(received).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
