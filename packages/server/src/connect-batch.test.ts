// A namespace CONNECT over a real WebSocket: the answer and what 'connection' listeners emit right away
// leave in one engine flush (one TCP write), with Socket.IO's volatile semantics kept.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnginePacket } from '@switchback/protocol';
import type { EngineSocket } from './engine/index.js';
import { Server } from './server.js';
import type { Socket } from './socket.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(onConnection: (socket: Socket) => void): Promise<{ client: ClientSocket; flushes: string[][] }> {
  const http = createServer();
  const io = new Server(http);
  const flushes: string[][] = [];
  // The Socket.IO layer's flushes: the open packet (sent by the engine before the client's CONNECT
  // arrives) is left out.
  io.engine.on('connection', (conn: EngineSocket) =>
    conn.on('flush', (packets: EnginePacket[]) => {
      const frames = packets.filter((p) => p.type !== 'open').map((p) => String(p.data ?? ''));
      if (frames.length > 0) flushes.push(frames);
    }),
  );
  io.on('connection', onConnection);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = ioc(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
  });
  cleanups.push(async () => {
    client.disconnect();
    await io.close();
  });
  return { client, flushes };
}

/** A flush's Socket.IO frames, the CONNECT answer (with its random sid) as `0`. */
function withoutIds(frames: string[]): string[] {
  return frames.map((frame) => (frame.startsWith('0{') ? '0' : frame));
}

function nextEvent(client: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => client.once(event, (...args: unknown[]) => resolve(args)));
}

describe('namespace CONNECT over WebSocket', () => {
  it('writes the CONNECT answer with what the connection listener emits synchronously, in order', async () => {
    const { client, flushes } = await start((socket) => {
      socket.emit('a', 1);
      socket.emit('b', 2);
    });
    const received: string[] = [];
    client.onAny((event: string) => received.push(event));
    await nextEvent(client, 'b');
    expect(received).toEqual(['a', 'b']);
    expect(flushes).toHaveLength(1);
    expect(flushes.map(withoutIds)).toEqual([['0', '2["a",1]', '2["b",2]']]);
  });

  it('drops a volatile emit of the connection listener, as when the answer made the transport busy', async () => {
    const { client } = await start((socket) => {
      socket.volatile.emit('v', 1);
      socket.emit('done');
    });
    const received: string[] = [];
    client.onAny((event: string) => received.push(event));
    await nextEvent(client, 'done');
    expect(received).toEqual(['done']);
  });

  it('sends later emits in their own writes, after the connection listener returned', async () => {
    const { client, flushes } = await start((socket) => {
      setImmediate(() => socket.emit('later'));
    });
    await nextEvent(client, 'later');
    expect(flushes.map(withoutIds)).toEqual([['0'], ['2["later"]']]);
  });

  it('a disconnect(true) in the connection listener sends the answer, then the DISCONNECT, then closes', async () => {
    const { client, flushes } = await start((socket) => {
      socket.emit('bye');
      socket.disconnect(true);
    });
    const events: string[] = [];
    client.on('connect', () => events.push('connect'));
    client.on('bye', () => events.push('bye'));
    const reason = nextEvent(client, 'disconnect');
    expect(await reason).toEqual(['io server disconnect', undefined]);
    expect(events).toEqual(['connect', 'bye']);
    expect(flushes.map(withoutIds)).toEqual([['0', '2["bye"]', '1']]);
  });
});
