// Behaviour kept while the per-session heap and per-packet work were cut: the own-room Set shared by
// the adapter's two maps, the lazy handshake (and auth) and data, and one dispatch tick per decoded batch.
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import { flush, openFakeSession } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const io of servers.splice(0)) await io.close();
});

async function connect(io: Server): Promise<{ conn: FakeEngineSocket; socket: Socket }> {
  const ready = new Promise<Socket>((resolve) => io.once('connection', resolve));
  const conn = openFakeSession(io);
  conn.receive('0');
  return { conn, socket: await ready };
}

function server(): Server {
  const io = new Server();
  servers.push(io);
  return io;
}

describe('rooms: a socket’s own room', () => {
  it('keeps both maps right through joins and leaves, with the same events', async () => {
    const io = server();
    const events: string[] = [];
    const { adapter } = io.of('/');
    for (const name of ['create-room', 'delete-room', 'join-room', 'leave-room'] as const) {
      adapter.on(name, (room: string, id?: string) => events.push(`${name} ${room}${id === undefined ? '' : ` ${id}`}`));
    }
    const { socket: a } = await connect(io);
    const { socket: b } = await connect(io);
    expect(adapter.rooms.get(a.id)).toEqual(new Set([a.id]));
    expect(adapter.sids.get(a.id)).toEqual(new Set([a.id]));

    await a.join('blue');
    expect(adapter.sids.get(a.id)).toEqual(new Set([a.id, 'blue']));
    expect(adapter.rooms.get(a.id)).toEqual(new Set([a.id]));
    expect(adapter.rooms.get('blue')).toEqual(new Set([a.id]));

    // Another socket joining the room named after `a`.
    await b.join(a.id);
    expect(adapter.rooms.get(a.id)).toEqual(new Set([a.id, b.id]));
    expect(adapter.sids.get(a.id)).toEqual(new Set([a.id, 'blue']));
    expect(adapter.sids.get(b.id)).toEqual(new Set([b.id, a.id]));
    expect(adapter.rooms.get(b.id)).toEqual(new Set([b.id]));

    events.length = 0;
    await b.leave(b.id);
    expect(events).toEqual([`leave-room ${b.id} ${b.id}`, `delete-room ${b.id}`]);
    expect(adapter.sids.get(b.id)).toEqual(new Set([a.id]));
    expect(adapter.rooms.has(b.id)).toBe(false);
    expect(b.rooms).toEqual(new Set([a.id]));

    events.length = 0;
    a.disconnect();
    expect(events).toEqual([`leave-room ${a.id} ${a.id}`, `leave-room blue ${a.id}`, 'delete-room blue']);
    expect(adapter.rooms.get(a.id)).toEqual(new Set([b.id]));
    expect(adapter.sids.has(a.id)).toBe(false);
  });

  it('broadcasts to a socket’s own room reach it alone', async () => {
    const io = server();
    const { conn: connA, socket: a } = await connect(io);
    const { conn: connB } = await connect(io);
    connA.frames.length = 0;
    connB.frames.length = 0;
    io.to(a.id).emit('only', 1);
    expect(connA.frames).toEqual(['2["only",1]']);
    expect(connB.frames).toEqual([]);
  });
});

describe('socket.handshake and socket.data', () => {
  it('are built on first read, once, with the time of the connection', async () => {
    const io = server();
    const before = Date.now();
    const { socket } = await connect(io);
    const after = Date.now();
    const handshake = socket.handshake;
    expect(socket.handshake).toBe(handshake);
    expect(handshake.issued).toBeGreaterThanOrEqual(before);
    expect(handshake.issued).toBeLessThanOrEqual(after);
    expect(handshake.time).toBe(String(new Date(handshake.issued)));
    expect(handshake.auth).toEqual({});
    expect(socket.handshake.auth).toBe(handshake.auth);

    expect(socket.data).toEqual({});
    socket.data.user = 'ann';
    expect(socket.data).toEqual({ user: 'ann' });
    socket.data = null;
    expect(socket.data).toBeNull();
  });
});

describe('socket.handshake.auth', () => {
  it('is the CONNECT payload, kept until the handshake is first read', async () => {
    const io = server();
    const ready = new Promise<Socket>((resolve) => io.once('connection', resolve));
    openFakeSession(io).receive('0{"token":"t1"}');
    const socket = await ready;
    expect(socket.handshake.auth).toEqual({ token: 't1' });
    expect(socket.handshake).toBe(socket.handshake);
  });
});

describe('dispatch of decoded packets', () => {
  it('runs the packets of one payload in order, after it was decoded, even when a listener throws', async () => {
    const io = server();
    const { conn, socket } = await connect(io);
    const seen: number[] = [];
    socket.on('n', (n: number) => {
      seen.push(n);
      if (n === 2) throw new Error('listener failed');
    });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    try {
      conn.receive('2["n",1]', '2["n",2]', '2["n",3]');
      expect(seen).toEqual([]);
      await flush();
      await flush();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(uncaught).toHaveLength(1);
  });
});

describe('sockets of a client', () => {
  it('closes every socket with the session, also two CONNECTs that raced through async middleware', async () => {
    const io = server();
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    io.use((_socket, next) => void gate.then(() => next()));
    const sockets: Socket[] = [];
    io.on('connection', (socket) => sockets.push(socket));
    const conn = openFakeSession(io);
    conn.receive('0', '0');
    release();
    for (let i = 0; i < 5 && sockets.length < 2; i++) await flush();
    expect(sockets).toHaveLength(2);
    const reasons: string[] = [];
    for (const socket of sockets) socket.on('disconnect', (reason) => reasons.push(reason));
    conn.end('transport close');
    await flush();
    expect(reasons).toEqual(['transport close', 'transport close']);
    expect(io.of('/').sockets.size).toBe(0);
  });
});
