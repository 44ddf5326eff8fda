// Behaviours found by running socket.io's own server suite against ours; each one is checked here in
// our own terms (fake sessions unless a real listener is the point).
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PacketType } from '@switchback/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from './server.js';
import type { ServerOptions } from './server.js';
import type { Socket } from './socket.js';
import { openFakeSession } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const io of servers.splice(0)) await io.close();
});

function newServer(opts?: Partial<ServerOptions>): Server {
  const io = new Server(opts);
  servers.push(io);
  return io;
}

async function joinRoot(io: Server): Promise<{ conn: FakeEngineSocket; socket: Socket }> {
  const ready = new Promise<Socket>((resolve) => io.once('connection', resolve));
  const conn = openFakeSession(io);
  conn.receive('0');
  return { conn, socket: await ready };
}

/** The id of the event `name` sent to `conn`, for answering it. */
async function ackIdOf(conn: FakeEngineSocket, name: string): Promise<number> {
  const packet = await conn.waitForPacket(
    (p) => p.type === PacketType.EVENT && Array.isArray(p.data) && p.data[0] === name,
  );
  if (packet.id === undefined) throw new Error(`${name} was sent without an ack id`);
  return packet.id;
}

describe('broadcast acknowledgements that time out', () => {
  it('reject emitWithAck with an error that carries the answers received in time', async () => {
    const io = newServer();
    const fast = await joinRoot(io);
    await joinRoot(io);
    const pending = io.timeout(50).emitWithAck('poll');
    fast.conn.receive(`3${await ackIdOf(fast.conn, 'poll')}["yes"]`);
    const err: unknown = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { responses?: unknown }).responses).toEqual(['yes']);
  });

  it('make the sockets that never answered forget the pending ack', async () => {
    const io = newServer();
    const fast = await joinRoot(io);
    const silent = await joinRoot(io);
    const done = new Promise<Error | null>((resolve) => {
      io.timeout(30).emit('poll', (err: Error | null) => resolve(err));
    });
    const id = await ackIdOf(fast.conn, 'poll');
    fast.conn.receive(`3${id}["yes"]`);
    expect(silent.socket.acks.has(id)).toBe(true);
    expect(await done).toBeInstanceOf(Error);
    expect(silent.socket.acks.size).toBe(0);
    expect(fast.socket.acks.size).toBe(0);
  });
});

describe('rooms', () => {
  it('leave() takes an array and leaves each room of it', async () => {
    const io = newServer();
    const { socket } = await joinRoot(io);
    await socket.join(['a', 'b', 'c']);
    await socket.leave(['a', 'b']);
    expect([...socket.rooms].sort()).toEqual([socket.id, 'c'].sort());
    expect(io.of('/').adapter.rooms.has('a')).toBe(false);
    expect(io.of('/').adapter.rooms.has('b')).toBe(false);
  });

  it("socket.adapter is its namespace's adapter (socket.io's runtime field)", async () => {
    const io = newServer();
    const { socket } = await joinRoot(io);
    expect(socket.adapter).toBe(io.of('/').adapter);
    await socket.join('a');
    expect(socket.adapter.sids.get(socket.id)?.has('a')).toBe(true);
  });

  it('leaveAll() (socket.io internal) leaves every room, its own too, and stays connected', async () => {
    const io = newServer();
    const { socket } = await joinRoot(io);
    await socket.join(['a', 'b']);
    await socket.leaveAll();
    expect(socket.rooms.size).toBe(0);
    expect(io.of('/').adapter.rooms.size).toBe(0);
    expect(socket.connected).toBe(true);
  });
});

describe('broadcast operator', () => {
  it('shows its rooms, excepted rooms and flags, and modifiers leave it unchanged', () => {
    const io = newServer();
    const operator = io.local.to(['room1', 'room2']).except('room3');
    operator.compress(true).emit('hello');
    operator.volatile.emit('hello');
    operator.to('room4').except('room5').emit('hello');
    expect([...operator.rooms]).toEqual(['room1', 'room2']);
    expect([...operator.exceptRooms]).toEqual(['room3']);
    expect(operator.flags).toEqual({ local: true });
  });
});

describe('bad input', () => {
  it('an invalid Socket.IO packet: the socket gets the error, then "forced close" (through ondata, as socket.io\'s)', async () => {
    const io = newServer();
    const { socket } = await joinRoot(io);
    const events: unknown[] = [];
    socket.on('error', (err) => events.push(err instanceof Error));
    socket.on('disconnect', (reason) => events.push(reason));
    socket.client.ondata(null as unknown as string);
    expect(events).toEqual([true, 'forced close']);
  });
});

describe('cleanupEmptyChildNamespaces', () => {
  it('removes a child namespace whose only connection was refused by middleware', async () => {
    const io = newServer({ cleanupEmptyChildNamespaces: true });
    const parent = io.of(/^\/shop-\d+$/);
    parent.use((_socket, next) => next(new Error('closed today')));
    const conn = openFakeSession(io);
    conn.receive('0/shop-7,');
    const refusal = await conn.waitForPacket((p) => p.type === PacketType.CONNECT_ERROR);
    expect(refusal.data).toMatchObject({ message: 'closed today' });
    expect(io._nsps.has('/shop-7')).toBe(false);
    expect([...(parent as unknown as { children: ReadonlySet<unknown> }).children]).toHaveLength(0);
  });

  it('keeps the child when the option is off', async () => {
    const io = newServer();
    io.of(/^\/shop-\d+$/).use((_socket, next) => next(new Error('closed today')));
    const conn = openFakeSession(io);
    conn.receive('0/shop-7,');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT_ERROR);
    expect(io._nsps.has('/shop-7')).toBe(true);
  });
});

describe('close() then attach() again', () => {
  const listen = (): Promise<HttpServer> =>
    new Promise((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    });
  const handshake = async (srv: HttpServer): Promise<{ status: number; body: string }> => {
    const { port } = srv.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
    return { status: res.status, body: await res.text() };
  };

  it('serves new sessions on the new http server (a fresh engine, as socket.io builds one per attach)', async () => {
    const first = await listen();
    const io = new Server(first);
    expect((await handshake(first)).status).toBe(200);
    await io.close();
    const second = await listen();
    io.attach(second);
    servers.push(io);
    const answer = await handshake(second);
    expect(answer.status).toBe(200);
    expect(answer.body.startsWith('0{')).toBe(true);
  });
});
