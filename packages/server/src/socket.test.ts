import { afterEach, describe, expect, it, vi } from 'vitest';
import { PacketType } from '@switchback/protocol';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import { flush, openFakeSession } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const io of servers.splice(0)) await io.close();
});

async function connected(nsp = '/'): Promise<{ io: Server; conn: FakeEngineSocket; socket: Socket }> {
  const io = new Server();
  servers.push(io);
  const ready = new Promise<Socket>((resolve) => io.of(nsp).on('connection', resolve));
  const conn = openFakeSession(io);
  conn.receive(nsp === '/' ? '0' : `0${nsp},`);
  const socket = await ready;
  conn.frames.length = 0;
  conn.packets.length = 0;
  return { io, conn, socket };
}

describe('Socket: events and acks', () => {
  it('delivers client events to listeners and answers their acks once', async () => {
    const { conn, socket } = await connected();
    socket.on('sum', (a: number, b: number, ack: (n: number) => void) => {
      ack(a + b);
      ack(0);
    });
    conn.receive('27["sum",1,2]');
    await conn.waitForPacket((p) => p.type === PacketType.ACK);
    expect(conn.frames).toEqual(['37[3]']);
  });

  it('calls the emit callback with the client answer; unknown ack ids are ignored', async () => {
    const { conn, socket } = await connected('/chat');
    const ack = vi.fn();
    socket.emit('question', 'q', ack);
    expect(conn.frames).toEqual(['2/chat,0["question","q"]']);
    conn.receive('3/chat,99["stray"]');
    conn.receive('3/chat,0["answer",2]');
    conn.receive('3/chat,0["again"]');
    await flush();
    expect(ack).toHaveBeenCalledExactlyOnceWith('answer', 2);
    expect(conn.readyState).toBe('open');
  });

  it('timeout(ms).emit calls back (err) after the delay, (null, ...args) before it', async () => {
    const { conn, socket } = await connected();
    vi.useFakeTimers();
    const late = vi.fn();
    socket.timeout(100).emit('a', late);
    const early = vi.fn();
    socket.timeout(100).emit('b', early);
    conn.receive('31["ok"]');
    await vi.advanceTimersByTimeAsync(100);
    expect(late).toHaveBeenCalledOnce();
    expect(late.mock.calls[0]?.[0]).toBeInstanceOf(Error);
    expect((late.mock.calls[0]?.[0] as Error).message).toBe('operation has timed out');
    expect(early).toHaveBeenCalledExactlyOnceWith(null, 'ok');
    conn.receive('30["too late"]');
    await vi.advanceTimersByTimeAsync(1);
    expect(late).toHaveBeenCalledOnce();
  });

  it('emitWithAck resolves with the answer and rejects on timeout', async () => {
    const { conn, socket } = await connected();
    const answer = socket.emitWithAck('q');
    conn.receive('30[42]');
    await expect(answer).resolves.toBe(42);
    vi.useFakeTimers();
    const timedOut = socket.timeout(10).emitWithAck('q');
    const assertion = expect(timedOut).rejects.toThrow('operation has timed out');
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
  });

  it('on disconnect, an ack waiting with a timeout gets an error at once; one without a timeout is dropped', async () => {
    const { conn, socket } = await connected();
    vi.useFakeTimers();
    const timed = vi.fn();
    socket.timeout(60_000).emit('a', timed);
    const asked = socket.timeout(60_000).emitWithAck('b');
    const assertion = expect(asked).rejects.toThrow('socket has been disconnected');
    const untimed = vi.fn();
    socket.emit('c', untimed);
    const order: string[] = [];
    socket.on('disconnect', () => order.push(`disconnect, ack called: ${timed.mock.calls.length}`));
    conn.receive('1'); // the client's DISCONNECT
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['disconnect, ack called: 0']); // as socket.io-client: after 'disconnect'
    expect(timed).toHaveBeenCalledOnce();
    expect((timed.mock.calls[0]?.[0] as Error).message).toBe('socket has been disconnected');
    await assertion;
    await vi.advanceTimersByTimeAsync(60_000); // no second call when the timer would have fired
    expect(timed).toHaveBeenCalledOnce();
    expect(untimed).not.toHaveBeenCalled();
  });

  it('throws on reserved event names', async () => {
    const { socket } = await connected();
    expect(() => socket.emit('connect')).toThrow('"connect" is a reserved event name');
    expect(() => socket.emit('disconnecting')).toThrow('"disconnecting" is a reserved event name');
  });

  it('sends binary anywhere in the arguments as attachments and receives Buffers back', async () => {
    const { conn, socket } = await connected();
    socket.emit('bin', { nested: [Buffer.from([1, 2])] });
    expect(conn.frames[0]).toBe('51-["bin",{"nested":[{"_placeholder":true,"num":0}]}]');
    expect(Buffer.from(conn.frames[1] as Buffer)).toEqual(Buffer.from([1, 2]));
    const got = new Promise<unknown>((resolve) => socket.on('up', (arg: unknown) => resolve(arg)));
    conn.receive('51-["up",{"file":{"_placeholder":true,"num":0}}]', Buffer.from([9, 8, 7]));
    const arg = (await got) as { file: Buffer };
    expect(Buffer.isBuffer(arg.file)).toBe(true);
    expect([...arg.file]).toEqual([9, 8, 7]);
  });

  it('onAny / prependAny / offAny and onAnyOutgoing see events', async () => {
    const { conn, socket } = await connected();
    const seen: unknown[][] = [];
    const first = (...args: unknown[]): void => void seen.push(['first', ...args]);
    socket.onAny((...args: unknown[]) => seen.push(args));
    socket.prependAny(first);
    const outgoing: unknown[][] = [];
    socket.onAnyOutgoing((...args: unknown[]) => outgoing.push(args));
    conn.receive('2["x",1]');
    await flush();
    socket.emit('y', 2);
    expect(seen).toEqual([['first', 'x', 1], ['x', 1]]);
    expect(outgoing).toEqual([['y', 2]]);
    expect(socket.listenersAny()).toHaveLength(2);
    socket.offAny(first);
    expect(socket.listenersAny()).toHaveLength(1);
    socket.offAny();
    expect(socket.listenersAny()).toHaveLength(0);
  });

  it('socket.use middleware can reject an event, reported as error', async () => {
    const { conn, socket } = await connected();
    socket.use(([event], next) => (event === 'bad' ? next(new Error('rejected')) : next()));
    const received: string[] = [];
    socket.on('good', () => received.push('good'));
    socket.on('bad', () => received.push('bad'));
    const error = new Promise<Error>((resolve) => socket.on('error', resolve));
    conn.receive('2["bad"]', '2["good"]');
    expect((await error).message).toBe('rejected');
    await flush();
    expect(received).toEqual(['good']);
  });

  it('volatile packets are dropped while the transport is not writable', async () => {
    const { conn, socket } = await connected();
    conn.transport.writable = false;
    socket.volatile.emit('tick', 1);
    socket.emit('important', 2);
    conn.transport.writable = true;
    socket.volatile.emit('tick', 3);
    expect(conn.frames).toEqual(['2["important",2]', '2["tick",3]']);
  });

  it('compress(false) is passed to the engine', async () => {
    const { conn, socket } = await connected();
    const send = vi.spyOn(conn, 'send');
    socket.compress(false).emit('a');
    socket.emit('b');
    expect(send.mock.calls.map((c) => (c as unknown[])[1])).toEqual([{ compress: false }, { compress: true }]);
  });
});

describe('Socket: disconnect reasons', () => {
  async function reasonOf(act: (ctx: { io: Server; conn: FakeEngineSocket; socket: Socket }) => void): Promise<{
    reasons: string[];
    conn: FakeEngineSocket;
    socket: Socket;
  }> {
    const ctx = await connected();
    const reasons: string[] = [];
    ctx.socket.on('disconnecting', (r) => {
      reasons.push(`ing:${r}`);
      expect(ctx.socket.rooms.has(ctx.socket.id)).toBe(true);
    });
    ctx.socket.on('disconnect', (r) => reasons.push(r));
    act(ctx);
    await flush();
    return { reasons, conn: ctx.conn, socket: ctx.socket };
  }

  it('client namespace disconnect', async () => {
    const { reasons, socket } = await reasonOf(({ conn }) => conn.receive('1'));
    expect(reasons).toEqual(['ing:client namespace disconnect', 'client namespace disconnect']);
    expect(socket.connected).toBe(false);
    expect(socket.rooms.size).toBe(0);
  });

  it('server namespace disconnect sends DISCONNECT and keeps the session', async () => {
    const { reasons, conn } = await reasonOf(({ socket }) => socket.disconnect());
    expect(reasons).toEqual(['ing:server namespace disconnect', 'server namespace disconnect']);
    expect(conn.frames).toEqual(['1']);
    expect(conn.readyState).toBe('open');
  });

  it('disconnect(true) also closes the engine session', async () => {
    const { reasons, conn } = await reasonOf(({ socket }) => socket.disconnect(true));
    expect(reasons).toEqual(['ing:server namespace disconnect', 'server namespace disconnect']);
    expect(conn.frames).toEqual(['1']);
    expect(conn.readyState).toBe('closed');
  });

  for (const reason of ['transport close', 'transport error', 'ping timeout', 'forced close']) {
    it(`engine close: ${reason}`, async () => {
      const { reasons } = await reasonOf(({ conn }) => conn.end(reason));
      expect(reasons).toEqual([`ing:${reason}`, reason]);
    });
  }

  it('an invalid packet closes the session, reason "forced close" as socket.io', async () => {
    const { reasons, conn } = await reasonOf(({ conn }) => conn.receive('2{"not":"an array"}'));
    expect(reasons).toEqual(['ing:forced close', 'forced close']);
    expect(conn.readyState).toBe('closed');
  });

  it('an invalid ack id closes the session ("forced close")', async () => {
    const { reasons } = await reasonOf(({ conn }) => conn.receive('3abc[]'));
    expect(reasons).toEqual(['ing:forced close', 'forced close']);
  });

  it('an event, DISCONNECT and the engine close in one payload: event kept, client reason', async () => {
    const { conn, socket } = await connected();
    const onX = vi.fn();
    socket.on('x', onX);
    const reasons: string[] = [];
    socket.on('disconnect', (r) => reasons.push(r));
    conn.receive('2["x",1]', '1');
    conn.end('transport close');
    await flush();
    expect(onX).toHaveBeenCalledExactlyOnceWith(1);
    expect(reasons).toEqual(['client namespace disconnect']);
  });

  it('events received after disconnection are not dispatched', async () => {
    const { conn, socket } = await connected();
    const onX = vi.fn();
    socket.on('x', onX);
    conn.receive('2["x"]');
    socket.disconnect();
    await flush();
    expect(onX).not.toHaveBeenCalled();
  });
});
