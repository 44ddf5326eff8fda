// Connection state recovery over in-memory sessions: what goes on the wire, what is kept and restored.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PacketType } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { SessionAwareAdapter as SocketIoSessionAwareAdapter } from 'socket.io-adapter';
import { InMemoryAdapter } from './adapter.js';
import type { AdapterNamespace, RestoredSession, SessionToPersist } from './adapter.js';
import { Server } from './server.js';
import type { ServerOptions } from './server-options.js';
import { SessionAwareAdapter } from './session-aware-adapter.js';
import type { Socket } from './socket.js';
import { flush, openFakeSession } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const io of servers.splice(0)) await io.close();
});

function server(opts: Partial<ServerOptions> = { connectionStateRecovery: {} }): Server {
  const io = new Server(opts);
  servers.push(io);
  return io;
}

/** Opens a session and sends CONNECT with `payload`; resolves with the socket and the CONNECT answer. */
async function connect(
  io: Server,
  payload?: Record<string, unknown>,
): Promise<{ conn: FakeEngineSocket; socket: Socket; answer: { sid: string; pid?: string } }> {
  const ready = new Promise<Socket>((resolve) => io.once('connection', resolve));
  const conn = openFakeSession(io);
  conn.receive(payload === undefined ? '0' : `0${JSON.stringify(payload)}`);
  const socket = await ready;
  const connectPacket = await conn.waitForPacket((p) => p.type === PacketType.CONNECT);
  return { conn, socket, answer: connectPacket.data as { sid: string; pid?: string } };
}

function events(conn: FakeEngineSocket): unknown[] {
  return conn.packets.filter((p) => p.type === PacketType.EVENT).map((p) => p.data);
}

/** The offset the server appended to the last event the client got. */
function lastOffset(conn: FakeEngineSocket): string {
  const data = events(conn).at(-1) as unknown[];
  return data.at(-1) as string;
}

describe('connection state recovery: off (the default)', () => {
  it('sends no pid, appends no offset and never asks the adapter', async () => {
    const persist = vi.spyOn(InMemoryAdapter.prototype, 'persistSession');
    const restore = vi.spyOn(InMemoryAdapter.prototype, 'restoreSession');
    const io = server({});
    const { conn, socket, answer } = await connect(io, { pid: 'p', offset: '0' });
    expect(answer).toEqual({ sid: socket.id });
    expect(socket.recovered).toBe(false);
    socket.emit('direct', 1);
    io.emit('all', 2);
    expect(events(conn)).toEqual([['direct', 1], ['all', 2]]);
    conn.end('transport close');
    await flush();
    expect(persist).not.toHaveBeenCalled();
    expect(restore).not.toHaveBeenCalled();
    expect(io.of('/').adapter).toBeInstanceOf(InMemoryAdapter);
    expect(io.of('/').adapter).not.toBeInstanceOf(SessionAwareAdapter);
  });
});

describe('connection state recovery: on', () => {
  it('answers CONNECT with a pid and appends an offset to events without ack that are not volatile', async () => {
    const io = server();
    expect(io.of('/').adapter).toBeInstanceOf(SessionAwareAdapter);
    const { conn, socket, answer } = await connect(io);
    expect(answer.sid).toBe(socket.id);
    expect(typeof answer.pid).toBe('string');
    expect(answer.pid).not.toBe(socket.id);
    conn.packets.length = 0;
    const outgoing: unknown[][] = [];
    socket.onAnyOutgoing((...args) => outgoing.push(args));
    socket.emit('direct', 1);
    io.emit('all', 2);
    socket.volatile.emit('volatile', 3);
    socket.emit('acked', 4, () => {});
    const data = events(conn) as unknown[][];
    expect(data.map((d) => d.slice(0, 2))).toEqual([['direct', 1], ['all', 2], ['volatile', 3], ['acked', 4]]);
    expect(data.map((d) => d.length)).toEqual([3, 3, 2, 2]);
    expect(typeof data[0]?.[2]).toBe('string');
    expect(data[0]?.[2]).not.toBe(data[1]?.[2]);
    // Outgoing listeners see each emit once.
    expect(outgoing.map((args) => args[0])).toEqual(['direct', 'all', 'volatile', 'acked']);
  });

  it('restores id, rooms, data and the missed events (rooms and except respected), before the CONNECT answer', async () => {
    const io = server();
    const first = await connect(io);
    const { socket } = first;
    await socket.join(['room1', 'room2']);
    socket.data = { user: 'ann' };
    io.emit('seen');
    const offset = lastOffset(first.conn);
    const pid = first.answer.pid as string;

    first.conn.end('transport close');
    await flush();
    expect(socket.connected).toBe(false);
    io.emit('m1');
    io.to('room1').emit('m2', { n: 2 });
    io.to('elsewhere').emit('not-for-it');
    io.except('room2').emit('excluded');
    socket.emit('direct-while-away');
    io.to(socket.id).emit('m3');

    const again = await connect(io, { pid, offset, token: 't' });
    expect(again.socket).not.toBe(socket);
    expect(again.socket.id).toBe(socket.id);
    expect(again.socket.recovered).toBe(true);
    expect(again.socket.rooms).toEqual(new Set([socket.id, 'room1', 'room2']));
    expect(again.socket.data).toEqual({ user: 'ann' });
    expect(again.socket.handshake.auth).toEqual({ pid, offset, token: 't' });
    const packets = again.conn.packets.map((p: SocketPacket) => [p.type, (p.data as unknown[])[0] ?? p.data]);
    expect(packets).toEqual([
      [PacketType.EVENT, 'm1'],
      [PacketType.EVENT, 'm2'],
      [PacketType.EVENT, 'direct-while-away'],
      [PacketType.EVENT, 'm3'],
      [PacketType.CONNECT, { sid: socket.id, pid }],
    ]);
    expect((again.conn.packets[1]?.data as unknown[])[1]).toEqual({ n: 2 });
    // Broadcasts reach it again under its old id.
    again.conn.packets.length = 0;
    io.to('room2').emit('after');
    expect((events(again.conn)[0] as unknown[])[0]).toBe('after');
  });

  it('replays from the connection when the client saw no event (no offset)', async () => {
    const io = server();
    io.emit('before-anyone');
    const first = await connect(io);
    first.conn.end('ping timeout');
    await flush();
    io.emit('while-away', 1);
    const again = await connect(io, { pid: first.answer.pid });
    expect(again.socket.recovered).toBe(true);
    expect(again.socket.id).toBe(first.socket.id);
    expect(events(again.conn).map((d) => (d as unknown[])[0])).toEqual(['while-away']);
  });

  it('is one-shot: a second CONNECT with the same pid gets a new session', async () => {
    const io = server();
    const first = await connect(io);
    first.conn.end('transport error');
    await flush();
    const pid = first.answer.pid as string;
    const again = await connect(io, { pid });
    expect(again.socket.recovered).toBe(true);
    const third = await connect(io, { pid });
    expect(third.socket.recovered).toBe(false);
    expect(third.socket.id).not.toBe(first.socket.id);
    expect(third.answer.pid).not.toBe(pid);
  });

  it('starts afresh for an unknown pid, an unknown or malformed offset, and a namespace disconnect', async () => {
    const io = server();
    const unknown = await connect(io, { pid: 'nope', offset: '0' });
    expect(unknown.socket.recovered).toBe(false);

    for (const offset of ['zzzz', 123, '-1', '01']) {
      const first = await connect(io);
      io.emit('x');
      first.conn.end('transport close');
      await flush();
      const again = await connect(io, { pid: first.answer.pid, offset });
      expect(again.socket.recovered).toBe(false);
      expect(again.socket.id).not.toBe(first.socket.id);
    }

    const left = await connect(io);
    left.conn.receive('1');
    await flush();
    expect(left.socket.connected).toBe(false);
    const afterLeave = await connect(io, { pid: left.answer.pid });
    expect(afterLeave.socket.recovered).toBe(false);

    const kicked = await connect(io);
    kicked.socket.disconnect();
    const afterKick = await connect(io, { pid: kicked.answer.pid });
    expect(afterKick.socket.recovered).toBe(false);
  });

  it('recovers after a server-side close of the session (forced server close)', async () => {
    const io = server();
    const first = await connect(io);
    first.socket.disconnect(true);
    // disconnect(true) is a namespace disconnect too: not recoverable.
    expect((await connect(io, { pid: first.answer.pid })).socket.recovered).toBe(false);

    const second = await connect(io);
    second.socket.client.close();
    const again = await connect(io, { pid: second.answer.pid });
    expect(again.socket.recovered).toBe(true);
  });

  it('skips the middlewares on recovery by default, runs them with skipMiddlewares: false', async () => {
    for (const skipMiddlewares of [undefined, false]) {
      const io = server({ connectionStateRecovery: skipMiddlewares === undefined ? {} : { skipMiddlewares } });
      const first = await connect(io);
      first.conn.end('transport close');
      await flush();
      const ran: boolean[] = [];
      io.use((socket, next) => {
        ran.push(socket.recovered);
        next();
      });
      const again = await connect(io, { pid: first.answer.pid });
      expect(again.socket.recovered).toBe(true);
      expect(ran).toEqual(skipMiddlewares === false ? [true] : []);
    }
  });

  it('drops sessions older than maxDisconnectionDuration', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const io = server({ connectionStateRecovery: { maxDisconnectionDuration: 1000 } });
    const first = await connect(io);
    io.emit('a');
    const offset = lastOffset(first.conn);
    first.conn.end('transport close');
    await flush();
    vi.advanceTimersByTime(1001);
    const late = await connect(io, { pid: first.answer.pid, offset });
    expect(late.socket.recovered).toBe(false);
  });

  it('does not restore a session when packets it may have missed were dropped already', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const io = server({ connectionStateRecovery: { maxDisconnectionDuration: 1000 } });
    const first = await connect(io);
    io.emit('b');
    const offset = lastOffset(first.conn);
    io.emit('c'); // lost in transit
    vi.advanceTimersByTime(1500);
    first.conn.end('transport close');
    await flush();
    // The sweep at 2000 drops 'b' and 'c' (emitted at 0), not the session (lost at 1500).
    vi.advanceTimersByTime(600);
    const again = await connect(io, { pid: first.answer.pid, offset });
    expect(again.socket.recovered).toBe(false);
  });

  it('gives each child of a dynamic namespace its own offset for a parent broadcast', async () => {
    const io = server();
    const parent = io.of(/^\/dyn-\d+$/);
    const conns: FakeEngineSocket[] = [];
    for (const name of ['/dyn-1', '/dyn-2']) {
      const ready = new Promise((resolve) => parent.once('connection', resolve));
      const conn = openFakeSession(io);
      conn.receive(`0${name},`);
      await ready;
      conns.push(conn);
    }
    parent.emit('x', 1);
    parent.except('nobody').emit('x', 1); // through the parent's adapter
    for (const conn of conns) {
      const data = events(conn) as unknown[][];
      expect(data.map((d) => d.length)).toEqual([3, 3]);
      expect(data.map((d) => d.slice(0, 2))).toEqual([['x', 1], ['x', 1]]);
    }
  });

  it('lets a custom adapter restore asynchronously, and treats its failure as no session', async () => {
    const saved: SessionToPersist[] = [];
    class AsyncAdapter extends InMemoryAdapter {
      constructor(nsp: AdapterNamespace) {
        super(nsp);
      }

      override persistSession(session: SessionToPersist): void {
        saved.push(session);
      }

      override restoreSession(pid: string): Promise<RestoredSession | null> {
        if (pid === 'boom') return Promise.reject(new Error('store down'));
        const session = saved.find((s) => s.pid === pid);
        return Promise.resolve(session === undefined ? null : { ...session, missedPackets: [['replayed', 'o1']] });
      }
    }
    const io = server({ adapter: AsyncAdapter, connectionStateRecovery: {} });
    const first = await connect(io);
    await first.socket.join('r');
    first.conn.end('transport close');
    await flush();
    expect(saved).toEqual([{ sid: first.socket.id, pid: first.answer.pid, rooms: [first.socket.id, 'r'], data: {} }]);
    const again = await connect(io, { pid: first.answer.pid });
    expect(again.socket.recovered).toBe(true);
    expect(again.socket.rooms).toEqual(new Set([first.socket.id, 'r']));
    expect(events(again.conn)).toEqual([['replayed', 'o1']]);
    const failed = await connect(io, { pid: 'boom' });
    expect(failed.socket.recovered).toBe(false);
  });

  it("works with socket.io-adapter's SessionAwareAdapter (what cluster adapters build on)", async () => {
    const io = server({ adapter: SocketIoSessionAwareAdapter, connectionStateRecovery: {} });
    const first = await connect(io);
    await first.socket.join('r');
    io.emit('seen');
    const offset = lastOffset(first.conn);
    first.conn.end('transport close');
    await flush();
    io.to('r').emit('missed', 1);
    const again = await connect(io, { pid: first.answer.pid, offset });
    expect(again.socket.recovered).toBe(true);
    expect(again.socket.id).toBe(first.socket.id);
    expect(events(again.conn).map((d) => (d as unknown[]).slice(0, 2))).toEqual([['missed', 1]]);
  });

  it('clears its sweep timer when closed', async () => {
    const clear = vi.spyOn(globalThis, 'clearInterval');
    const io = new Server({ connectionStateRecovery: {} });
    await io.close();
    expect(clear).toHaveBeenCalled();
  });
});
