import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacketType } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { fakeEngines } from './fake-engine.test-support.js';
import type { FakeEngine } from './fake-engine.test-support.js';
import { Manager } from './manager.js';
import type { ManagerOptions } from './manager.js';
import type { Socket } from './socket.js';
import type { SocketOptions } from './socket-types.js';

interface Ctx {
  manager: Manager;
  socket: Socket;
  engine: () => FakeEngine;
  engines: FakeEngine[];
  /** The server's CONNECT answer for `nsp`. */
  accept: (nsp?: string, sid?: string) => void;
  sent: (type?: number) => SocketPacket[];
}

function setup(opts: Partial<ManagerOptions> = {}, socketOpts: Partial<SocketOptions> = {}, nsp = '/'): Ctx {
  const fakes = fakeEngines();
  const manager = new Manager('http://localhost:3000', { createEngine: fakes.createEngine, randomizationFactor: 0, ...opts });
  const socket = manager.socket(nsp, socketOpts);
  return {
    manager,
    socket,
    engine: fakes.last,
    engines: fakes.engines,
    accept: (n = nsp, sid = 'sio-1') => fakes.last().receive({ type: PacketType.CONNECT, nsp: n, data: { sid } }),
    sent: (type) => fakes.last().sent.filter((p) => type === undefined || p.type === type),
  };
}

function connected(opts: Partial<ManagerOptions> = {}, socketOpts: Partial<SocketOptions> = {}): Ctx {
  const ctx = setup(opts, socketOpts);
  ctx.engine().open();
  ctx.accept();
  return ctx;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Socket connect', () => {
  it('sends CONNECT with the auth object once the engine is open, then emits connect', () => {
    const { socket, engine, accept, sent } = setup({}, { auth: { token: 'abc' } });
    const onConnect = vi.fn();
    socket.on('connect', onConnect);
    expect(socket.active).toBe(true);
    engine().open();
    expect(sent()).toEqual([{ type: PacketType.CONNECT, nsp: '/', data: { token: 'abc' } }]);
    accept('/', 'sio-42');
    expect(onConnect).toHaveBeenCalledOnce();
    expect(socket).toMatchObject({ id: 'sio-42', connected: true, disconnected: false, recovered: false });
  });

  it('writes the CONNECT while the engine is still opening (pipelined), once per connection', async () => {
    const { socket, engine, sent, manager } = setup({}, { auth: { token: 'early' } });
    expect(engine().readyState).toBe('opening');
    // Not inside io()/connect() itself: code that attaches engine listeners right after io() sees it.
    expect(sent()).toEqual([]);
    await Promise.resolve();
    expect(sent()).toEqual([{ type: PacketType.CONNECT, nsp: '/', data: { token: 'early' } }]);
    socket.connect(); // already connecting: nothing more
    engine().open(); // the engine's 'open' does not send it again
    const admin = manager.socket('/admin');
    expect(admin.active).toBe(true);
    expect(sent(PacketType.CONNECT)).toEqual([
      { type: PacketType.CONNECT, nsp: '/', data: { token: 'early' } },
      { type: PacketType.CONNECT, nsp: '/admin' },
    ]);
  });

  it('pipelines the CONNECT again on the engine of a reconnect, and after a disconnect/connect', async () => {
    const ctx = connected();
    ctx.engine().drop();
    vi.advanceTimersByTime(1000); // the reconnect's engine is created, still opening
    expect(ctx.engines).toHaveLength(2);
    await Promise.resolve();
    expect(ctx.sent(PacketType.CONNECT)).toHaveLength(1);
    ctx.engine().open();
    ctx.accept();
    expect(ctx.sent(PacketType.CONNECT)).toHaveLength(1);
    ctx.socket.disconnect().connect(); // the last namespace left: a new connection, a new CONNECT on it
    expect(ctx.engines).toHaveLength(3);
    await Promise.resolve();
    expect(ctx.sent(PacketType.CONNECT)).toHaveLength(1);
  });

  it('sends a new CONNECT on the same connection after disconnect() + connect() and after a refused CONNECT', () => {
    const ctx = connected();
    const admin = ctx.manager.socket('/admin');
    ctx.accept('/admin', 'a1');
    admin.disconnect().connect(); // '/' keeps the connection open
    expect(ctx.engines).toHaveLength(1);
    expect(ctx.sent(PacketType.CONNECT).filter((p) => p.nsp === '/admin')).toHaveLength(2);
    // Refused (e.g. a stale token), then retried by the app: the retry sends its own CONNECT.
    ctx.engine().receive({ type: PacketType.CONNECT_ERROR, nsp: '/admin', data: { message: 'no' } });
    admin.auth = { token: 'fresh' };
    admin.connect();
    expect(ctx.sent(PacketType.CONNECT).filter((p) => p.nsp === '/admin').at(-1)).toEqual({
      type: PacketType.CONNECT,
      nsp: '/admin',
      data: { token: 'fresh' },
    });
  });

  it('exposes its namespace as `nsp`, as socket.io-client', () => {
    expect(setup().socket.nsp).toBe('/');
    expect(setup({}, {}, '/admin').socket.nsp).toBe('/admin');
  });

  it('asks an auth function again on every connect', () => {
    let n = 0;
    const ctx = setup({}, { auth: (cb) => cb({ n: ++n }) });
    ctx.engine().open();
    ctx.accept();
    ctx.engine().drop();
    vi.advanceTimersByTime(1000);
    ctx.engine().open();
    expect(ctx.sent(PacketType.CONNECT)).toEqual([{ type: PacketType.CONNECT, nsp: '/', data: { n: 2 } }]);
  });

  it('reports CONNECT_ERROR as connect_error with message and data, and stays inactive', () => {
    const { socket, engine, manager } = setup();
    const errors: Array<Error & { data?: unknown }> = [];
    socket.on('connect_error', (err) => errors.push(err));
    engine().open();
    engine().receive({ type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'not authorized', data: { code: 42 } } });
    expect(errors[0]?.message).toBe('not authorized');
    expect(errors[0]?.data).toEqual({ code: 42 });
    expect(socket.active).toBe(false);
    expect(manager._readyState).toBe('closed'); // the last active socket left, so the connection closed
    vi.advanceTimersByTime(60_000);
    expect(socket.connected).toBe(false);
  });

  it('reports a CONNECT without sid (a Socket.IO v2 server) as connect_error, not as connect', () => {
    const { socket, engine } = setup();
    const events: string[] = [];
    socket.on('connect', () => events.push('connect'));
    socket.on('connect_error', (err) => events.push(`connect_error:${err.message}`));
    engine().open();
    engine().receive({ type: PacketType.CONNECT, nsp: '/' });
    expect(events).toEqual([expect.stringMatching(/^connect_error:.*Socket\.IO version/)]);
    expect(socket.connected).toBe(false);
  });

  it('reports engine errors while connecting as connect_error', () => {
    const { socket, engine } = setup();
    const onError = vi.fn();
    socket.on('connect_error', onError);
    engine().fail('xhr poll error');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'xhr poll error' }));
  });

  it('delivers events received before CONNECT right after it, before the connect listeners', () => {
    const { socket, engine, accept } = setup();
    const order: string[] = [];
    socket.on('early', (x: string) => order.push(`early:${x}`));
    socket.on('connect', () => order.push('connect'));
    engine().open();
    engine().receive({ type: PacketType.EVENT, nsp: '/', data: ['early', 'a'] });
    expect(order).toEqual([]);
    accept();
    expect(order).toEqual(['early:a', 'connect']);
  });
});

describe('Socket emit', () => {
  it('buffers emits while disconnected and flushes them in order on connect', () => {
    const { socket, engine, accept, sent } = setup();
    socket.emit('a', 1);
    socket.emit('b', { x: [2] });
    expect(socket.sendBuffer).toHaveLength(2);
    engine().open();
    expect(sent(PacketType.EVENT)).toEqual([]);
    accept();
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['a', 1], ['b', { x: [2] }]]);
    expect(socket.sendBuffer).toHaveLength(0);
  });

  it('drops volatile emits when not connected or the transport is not writable', () => {
    const { socket, engine, accept, sent } = setup();
    socket.volatile.emit('lost', 1);
    engine().open();
    socket.volatile.emit('lost', 2); // engine open, namespace not connected yet
    accept();
    engine().transport.writable = false;
    socket.volatile.emit('lost', 3);
    engine().transport.writable = true;
    socket.volatile.emit('kept', 4);
    socket.emit('normal', 5);
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['kept', 4], ['normal', 5]]);
    expect(socket.sendBuffer).toEqual([]);
  });

  it('keeps an emit whose write found the heartbeat dead, and sends it after reconnecting', () => {
    const { socket, engine, accept, sent } = connected();
    const ack = vi.fn();
    engine().expireHeartbeat = true;
    socket.emit('survives', 1, ack);
    expect(socket.connected).toBe(false);
    expect(socket.sendBuffer.map((p) => p.data)).toEqual([['survives', 1]]);
    vi.advanceTimersByTime(1000);
    engine().open();
    accept();
    const [packet] = sent(PacketType.EVENT);
    expect(packet?.data).toEqual(['survives', 1]);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: packet?.id, data: ['ok'] });
    expect(ack).toHaveBeenCalledWith('ok');
  });

  it('keeps the rest of sendBuffer when the connection dies during the flush', () => {
    const { socket, engine, accept, sent } = setup();
    socket.emit('a');
    socket.emit('b', vi.fn());
    engine().open();
    const write = engine().write.bind(engine());
    let writes = 0;
    engine().write = (data, options) => {
      if (++writes === 2) engine().expireHeartbeat = true; // 'a' goes out, 'b' finds the engine dead
      return write(data, options);
    };
    accept();
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['a']]);
    expect(socket.sendBuffer.map((p) => p.data)).toEqual([['b']]);
  });

  it('throws on reserved event names', () => {
    const { socket } = setup();
    expect(() => socket.emit('connect')).toThrow('"connect" is a reserved event name');
    expect(() => socket.emit('disconnect')).toThrow(/reserved/);
    return expect(socket.emitWithAck('connect_error')).rejects.toThrow(/reserved/);
  });

  it('passes the compress flag to the engine, once', () => {
    const { socket, engine } = connected();
    socket.compress(false).emit('a');
    socket.emit('b');
    expect(engine().compressFlags.slice(-2)).toEqual([false, true]);
  });

  it('sends "message" for send()', () => {
    const { socket, sent } = connected();
    socket.send('hi', 2);
    expect(sent(PacketType.EVENT)[0]?.data).toEqual(['message', 'hi', 2]);
  });

  it('sends nested binary as a binary event', () => {
    const { socket, engine, sent } = connected();
    socket.emit('bin', { deep: [new Uint8Array([1, 2, 3])] });
    const [packet] = sent(PacketType.EVENT);
    expect(packet?.data).toEqual(['bin', { deep: [new Uint8Array([1, 2, 3])] }]);
    expect(engine().compressFlags).toHaveLength(3); // CONNECT, then the header and one attachment
  });
});

describe('Socket acks', () => {
  it('gives emits with a callback an id and calls it with the server ACK', () => {
    const { socket, engine, sent } = connected();
    const ack = vi.fn();
    socket.emit('q', 1, ack);
    socket.emit('q', 2, vi.fn());
    const ids = sent(PacketType.EVENT).map((p) => p.id);
    expect(ids).toEqual([0, 1]);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: 0, data: ['answer', 7] });
    engine().receive({ type: PacketType.ACK, nsp: '/', id: 0, data: ['again'] });
    expect(ack).toHaveBeenCalledOnce();
    expect(ack).toHaveBeenCalledWith('answer', 7);
  });

  it('answers server events that ask for an ack, once', () => {
    const { socket, engine, sent } = connected();
    socket.on('ask', (x: number, cb: (y: number) => void) => {
      cb(x * 2);
      cb(0);
    });
    engine().receive({ type: PacketType.EVENT, nsp: '/', id: 9, data: ['ask', 21] });
    expect(sent(PacketType.ACK)).toEqual([{ type: PacketType.ACK, nsp: '/', id: 9, data: [42] }]);
  });

  it('timeout(ms) calls the ack with an error when no answer came in time', () => {
    const { socket, engine } = connected();
    const late = vi.fn();
    const ok = vi.fn();
    socket.timeout(100).emit('slow', late);
    socket.timeout(100).emit('fast', ok);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: 1, data: ['v'] });
    expect(ok).toHaveBeenCalledWith(null, 'v');
    vi.advanceTimersByTime(99);
    expect(late).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(late).toHaveBeenCalledWith(expect.objectContaining({ message: 'operation has timed out' }));
    engine().receive({ type: PacketType.ACK, nsp: '/', id: 0, data: ['too late'] });
    expect(late).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(1000);
    expect(ok).toHaveBeenCalledOnce();
  });

  it('a timed-out emit still in sendBuffer is not sent on connect', () => {
    const { socket, engine, accept, sent } = setup();
    socket.timeout(50).emit('stale', vi.fn());
    vi.advanceTimersByTime(50);
    engine().open();
    accept();
    expect(sent(PacketType.EVENT)).toEqual([]);
  });

  it('emitWithAck resolves with the answer and rejects on timeout', async () => {
    const { socket, engine } = connected();
    const answer = socket.emitWithAck('q', 1);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: 0, data: ['yes'] });
    await expect(answer).resolves.toBe('yes');
    const never = socket.timeout(10).emitWithAck('q', 2);
    vi.advanceTimersByTime(10);
    await expect(never).rejects.toThrow('operation has timed out');
  });

  it('ackTimeout applies to every ack', () => {
    const { socket } = connected({}, { ackTimeout: 30 });
    const ack = vi.fn();
    socket.emit('q', ack);
    vi.advanceTimersByTime(30);
    expect(ack).toHaveBeenCalledWith(expect.any(Error));
  });

  it('fails pending error-first acks on disconnect, drops plain ones, keeps buffered ones', () => {
    const { socket, engine } = connected();
    const plain = vi.fn();
    const withErr = vi.fn();
    socket.emit('a', plain);
    socket.timeout(10_000).emit('b', withErr);
    engine().drop('transport close');
    expect(withErr).toHaveBeenCalledWith(expect.objectContaining({ message: 'socket has been disconnected' }));
    expect(plain).not.toHaveBeenCalled();
    const buffered = vi.fn();
    socket.emit('c', buffered); // while down: waits in sendBuffer with its ack
    vi.advanceTimersByTime(1000);
    engine().open();
    engine().receive({ type: PacketType.CONNECT, nsp: '/', data: { sid: 's2' } });
    const c = engine().sent.find((p) => p.type === PacketType.EVENT);
    expect(c?.data).toEqual(['c']);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: c?.id, data: ['ok'] });
    expect(buffered).toHaveBeenCalledWith('ok');
  });

  it("keeps socket.io-client's internals that code reads: acks by id, the retry _queue, onpacket()", () => {
    const { socket, engine } = connected();
    socket.emit('plain', () => {});
    const [plain] = engine().sent.filter((p) => p.type === PacketType.EVENT);
    expect(Object.keys(socket.acks)).toEqual([String(plain?.id)]);
    const onConnectError = vi.fn();
    socket.on('connect_error', onConnectError);
    socket.onpacket({ type: PacketType.CONNECT, nsp: '/' });
    expect(onConnectError).toHaveBeenCalledOnce();
    engine().drop('transport close');
    expect(Object.keys(socket.acks)).toEqual([]);

    const retrying = connected({}, { retries: 1 }).socket;
    const lengths: number[] = [];
    retrying.emit('a', () => lengths.push(retrying._queue.length));
    retrying.emit('b', () => {});
    expect(retrying._queue).toHaveLength(2);
    const sent = retrying.io.engine as unknown as FakeEngine;
    const [a] = sent.sent.filter((p) => p.type === PacketType.EVENT);
    sent.receive({ type: PacketType.ACK, nsp: '/', id: a?.id, data: [] });
    // The head leaves the queue before its ack runs (socket.io-client's order).
    expect(lengths).toEqual([1]);
  });

  it('with retries, resends until acknowledged and keeps order', () => {
    const { socket, engine, sent } = connected({}, { retries: 2, ackTimeout: 100 });
    const done = vi.fn();
    socket.emit('first', done);
    socket.emit('second');
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['first']]);
    vi.advanceTimersByTime(100);
    const resent = sent(PacketType.EVENT);
    expect(resent.map((p) => p.data)).toEqual([['first'], ['first']]);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: resent[1]?.id, data: ['ok'] });
    expect(done).toHaveBeenCalledWith(null, 'ok');
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['first'], ['first'], ['second']]);
  });

  it('with retries, sends an unacknowledged emit again exactly once after a reconnect', () => {
    const { socket, engine, accept, sent } = connected({}, { retries: 3, ackTimeout: 10_000 });
    const done = vi.fn();
    socket.emit('job', done);
    engine().drop();
    socket.emit('later');
    vi.advanceTimersByTime(1000);
    engine().open();
    accept();
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['job']]);
    engine().receive({ type: PacketType.ACK, nsp: '/', id: sent(PacketType.EVENT)[0]?.id, data: [] });
    expect(done).toHaveBeenCalledWith(null);
    expect(sent(PacketType.EVENT).map((p) => p.data)).toEqual([['job'], ['later']]);
  });

  it('with retries, gives up after the last try with the error', () => {
    const { socket } = connected({}, { retries: 1, ackTimeout: 100 });
    const done = vi.fn();
    socket.emit('x', done);
    vi.advanceTimersByTime(100);
    expect(done).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(done).toHaveBeenCalledWith(expect.objectContaining({ message: 'operation has timed out' }));
  });
});

describe('Socket disconnect reasons', () => {
  it('"io server disconnect": no automatic reconnect', () => {
    const { socket, engine, engines } = connected();
    const reasons: string[] = [];
    socket.on('disconnect', (r) => reasons.push(r));
    engine().receive({ type: PacketType.DISCONNECT, nsp: '/' });
    expect(reasons).toEqual(['io server disconnect']);
    expect(socket.active).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(engines).toHaveLength(1);
    socket.connect(); // a manual reconnect works
    expect(engines).toHaveLength(2);
  });

  it('"io client disconnect": sends DISCONNECT and closes the last connection', () => {
    const { socket, engine, sent } = connected();
    const reasons: string[] = [];
    socket.on('disconnect', (r) => reasons.push(r));
    socket.disconnect();
    expect(sent(PacketType.DISCONNECT)).toEqual([{ type: PacketType.DISCONNECT, nsp: '/' }]);
    expect(reasons).toEqual(['io client disconnect']);
    expect(engine().readyState).toBe('closed');
    expect(socket).toMatchObject({ connected: false, active: false, id: undefined });
  });

  it.each(['transport close', 'transport error', 'ping timeout'])('"%s" is passed on and the socket reconnects', (reason) => {
    const { socket, engine, engines, accept } = connected();
    const disconnects = vi.fn();
    const connects = vi.fn();
    socket.on('disconnect', disconnects).on('connect', connects);
    engine().drop(reason);
    expect(disconnects).toHaveBeenCalledWith(reason, expect.anything());
    expect(socket.active).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(engines).toHaveLength(2);
    engine().open();
    accept('/', 'sio-2');
    expect(connects).toHaveBeenCalledOnce();
    expect(socket.id).toBe('sio-2');
  });

  it('"parse error" on a malformed packet', () => {
    const { socket, engine } = connected();
    const disconnects = vi.fn();
    socket.on('disconnect', disconnects);
    engine().receiveRaw('2["unterminated');
    expect(disconnects).toHaveBeenCalledWith('parse error', expect.any(Error));
  });
});

describe('Socket multiplexing and listeners', () => {
  it('shares one engine between namespaces; the last disconnect closes it', () => {
    const { manager, socket, engine, engines } = connected();
    const admin = manager.socket('/admin');
    expect(manager.socket('/admin')).toBe(admin);
    engine().receive({ type: PacketType.CONNECT, nsp: '/admin', data: { sid: 'a1' } });
    expect(engines).toHaveLength(1);
    expect(admin.id).toBe('a1');
    const onRoot = vi.fn();
    socket.on('x', onRoot);
    engine().receive({ type: PacketType.EVENT, nsp: '/admin', data: ['x'] });
    expect(onRoot).not.toHaveBeenCalled();
    socket.disconnect();
    expect(engine().readyState).toBe('open');
    admin.disconnect();
    expect(engine().readyState).toBe('closed');
  });

  it('onAny / prependAny / offAny and the outgoing variants', () => {
    const { socket, engine } = connected();
    const seen: string[] = [];
    const a = (ev: string): number => seen.push(`a:${ev}`);
    socket.onAny(a);
    socket.prependAny((ev: string) => seen.push(`p:${ev}`));
    socket.onAnyOutgoing((ev: string, ...args: unknown[]) => seen.push(`out:${ev}:${args.length}`));
    engine().receive({ type: PacketType.EVENT, nsp: '/', data: ['in'] });
    socket.emit('o', 1, () => undefined);
    socket.offAny(a);
    engine().receive({ type: PacketType.EVENT, nsp: '/', data: ['in2'] });
    expect(socket.listenersAny()).toHaveLength(1);
    socket.offAny();
    socket.offAnyOutgoing();
    engine().receive({ type: PacketType.EVENT, nsp: '/', data: ['in3'] });
    socket.emit('o2');
    expect(seen).toEqual(['p:in', 'a:in', 'out:o:1', 'p:in2']);
  });

  it('sends the recovery pid and last offset when reconnecting, and reports recovered', () => {
    const { socket, engine } = setup();
    engine().open();
    engine().receive({ type: PacketType.CONNECT, nsp: '/', data: { sid: 's1', pid: 'p1' } });
    engine().receive({ type: PacketType.EVENT, nsp: '/', data: ['e', 1, 'offset-7'] });
    engine().drop();
    vi.advanceTimersByTime(1000);
    engine().open();
    expect(engine().sent[0]).toEqual({ type: PacketType.CONNECT, nsp: '/', data: { pid: 'p1', offset: 'offset-7' } });
    engine().receive({ type: PacketType.CONNECT, nsp: '/', data: { sid: 's1', pid: 'p1' } });
    expect(socket.recovered).toBe(true);
  });
});
