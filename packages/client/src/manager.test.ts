import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacketType } from '@switchback/protocol';
import { fakeEngines } from './fake-engine.test-support.js';
import { Manager } from './manager.js';
import type { ManagerOptions } from './manager.js';

function setup(opts: Partial<ManagerOptions> = {}): { manager: Manager; fakes: ReturnType<typeof fakeEngines> } {
  const fakes = fakeEngines();
  const manager = new Manager('http://localhost:3000', { createEngine: fakes.createEngine, ...opts });
  return { manager, fakes };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Manager', () => {
  it('has socket.io-client defaults and passes engine options through', () => {
    const { manager, fakes } = setup({ transports: ['polling'], webSocketTimeout: 1234 });
    expect(manager.reconnection()).toBe(true);
    expect(manager.reconnectionAttempts()).toBe(Infinity);
    expect(manager.reconnectionDelay()).toBe(1000);
    expect(manager.reconnectionDelayMax()).toBe(5000);
    expect(manager.randomizationFactor()).toBe(0.5);
    expect(manager.timeout()).toBe(20000);
    expect(fakes.last().uri).toBe('http://localhost:3000');
    expect(fakes.last().opts).toMatchObject({ path: '/socket.io', transports: ['polling'], webSocketTimeout: 1234 });
    expect(manager.engine).toBe(fakes.last());
  });

  it('refuses a namespace with a comma, which the wire format cannot carry', () => {
    const { manager } = setup();
    expect(() => manager.socket('/a,b')).toThrow('invalid namespace /a,b: must not contain a comma');
    expect(manager.socket('/a').nsp).toBe('/a');
  });

  it('gives every engine it creates the same in-process fallback memory (Node)', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    const memory = fakes.last().opts.fallbackMemory;
    expect(memory).toBeTypeOf('object');
    fakes.last().fail();
    vi.advanceTimersByTime(1000);
    expect(fakes.engines).toHaveLength(2);
    expect(fakes.last().opts.fallbackMemory).toBe(memory);
    expect(setup().fakes.last().opts.fallbackMemory).not.toBe(memory);
    manager.disconnect();
  });

  it('does not connect with autoConnect: false until open()', () => {
    const { manager, fakes } = setup({ autoConnect: false });
    expect(fakes.engines).toHaveLength(0);
    const done = vi.fn();
    manager.open(done);
    fakes.last().open();
    expect(done).toHaveBeenCalledWith();
    expect(manager._readyState).toBe('open');
  });

  it('reports a connect timeout as error "timeout" and closes the engine', () => {
    const { manager, fakes } = setup({ timeout: 500, reconnection: false });
    const errors: Error[] = [];
    manager.on('error', (err) => errors.push(err));
    vi.advanceTimersByTime(499);
    expect(errors).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(errors.map((e) => e.message)).toEqual(['timeout']);
    expect(fakes.last().readyState).toBe('closed');
  });

  it('reconnects on the exponential schedule and reports attempts, errors and success', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0, reconnectionDelay: 1000, reconnectionDelayMax: 5000 });
    const events: string[] = [];
    manager.on('close', (reason) => events.push(`close:${reason}`));
    manager.on('reconnect_attempt', (n) => events.push(`attempt:${n}`));
    manager.on('reconnect_error', (err) => events.push(`error:${err.message}`));
    manager.on('reconnect', (n) => events.push(`reconnect:${n}`));
    fakes.last().open();
    fakes.last().drop('transport close');
    const delays: number[] = [];
    let last = Date.now();
    manager.on('reconnect_attempt', () => {
      delays.push(Date.now() - last);
    });
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersToNextTimer();
      last = Date.now();
      fakes.last().fail('refused');
    }
    vi.advanceTimersToNextTimer();
    fakes.last().open();
    // the first delay is measured from the close, the others from the previous failure
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(events).toEqual([
      'close:transport close',
      'attempt:1', 'error:refused',
      'attempt:2', 'error:refused',
      'attempt:3', 'error:refused',
      'attempt:4', 'error:refused',
      'attempt:5', 'reconnect:5',
    ]);
    expect(fakes.engines).toHaveLength(6);
  });

  it("tries at once when the page comes back online (its 'online' event), then goes on with the backoff", () => {
    // A browser page's global event target, in Node.
    const page = new EventTarget();
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
    vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page));
    try {
      const { manager, fakes } = setup({ randomizationFactor: 0, reconnectionDelay: 5000, reconnectionDelayMax: 5000 });
      const attempts = vi.fn();
      manager.on('reconnect_attempt', attempts);
      fakes.last().open();
      fakes.last().drop('transport close');
      vi.advanceTimersByTime(100);
      expect(attempts).not.toHaveBeenCalled();
      page.dispatchEvent(new Event('online'));
      expect(attempts).toHaveBeenCalledWith(1);
      expect(fakes.engines).toHaveLength(2);
      // The timer of the attempt just made is gone; a failure waits for the next backoff delay.
      fakes.last().fail('still offline');
      vi.advanceTimersByTime(4999);
      expect(attempts).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(1);
      expect(attempts).toHaveBeenCalledTimes(2);
      // While that attempt is under way, 'online' leaves it alone: its outcome still counts.
      page.dispatchEvent(new Event('online'));
      expect(attempts).toHaveBeenCalledTimes(2);
      expect(fakes.engines).toHaveLength(3);
      fakes.last().open();
      expect(manager._readyState).toBe('open');
      // Connected: an 'online' event now starts nothing.
      page.dispatchEvent(new Event('online'));
      expect(fakes.engines).toHaveLength(3);
      expect(manager._readyState).toBe('open');
      manager.disconnect();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('keeps each reconnect delay within the jitter bounds', () => {
    for (let run = 0; run < 20; run++) {
      const { manager, fakes } = setup({ reconnectionDelay: 1000, randomizationFactor: 0.5 });
      const attempts = vi.fn();
      manager.on('reconnect_attempt', attempts);
      fakes.last().open();
      fakes.last().drop();
      vi.advanceTimersByTime(499);
      expect(attempts).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1001);
      expect(attempts).toHaveBeenCalledOnce();
      manager.disconnect();
    }
  });

  it('gives up after reconnectionAttempts with reconnect_failed', () => {
    const { manager, fakes } = setup({ reconnectionAttempts: 2, randomizationFactor: 0 });
    const failed = vi.fn();
    manager.on('reconnect_failed', failed);
    fakes.last().fail();
    vi.advanceTimersByTime(1000);
    fakes.last().fail();
    vi.advanceTimersByTime(2000);
    fakes.last().fail();
    expect(failed).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(60_000);
    expect(fakes.engines).toHaveLength(3);
  });

  it('does not reconnect after disconnect() or with reconnection(false)', () => {
    const { manager, fakes } = setup();
    fakes.last().open();
    manager.disconnect();
    vi.advanceTimersByTime(60_000);
    expect(fakes.engines).toHaveLength(1);
    const other = setup({ reconnection: false });
    other.fakes.last().open();
    other.fakes.last().drop();
    vi.advanceTimersByTime(60_000);
    expect(other.fakes.engines).toHaveLength(1);
  });

  it('closes with "parse error" on undecodable data, and reconnects', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    const close = vi.fn();
    manager.on('close', close);
    fakes.last().open();
    fakes.last().receiveRaw('9nonsense');
    expect(close).toHaveBeenCalledWith('parse error', expect.any(Error));
    expect(fakes.last().readyState).toBe('closed');
    vi.advanceTimersByTime(1000);
    expect(fakes.engines).toHaveLength(2);
  });

  it('uses the `parser` option: its Encoder for writes, a Decoder per connection, and a throwing add() is a parse error', () => {
    const decoders: Array<{ destroyed: boolean }> = [];
    const written: unknown[] = [];
    class Encoder {
      encode(packet: unknown): string[] {
        written.push(packet);
        return [`custom:${JSON.stringify(packet)}`];
      }
    }
    class Decoder {
      destroyed = false;
      #listener: ((packet: unknown) => void) | undefined;
      constructor() {
        decoders.push(this);
      }
      on(_event: 'decoded', listener: (packet: unknown) => void): this {
        this.#listener = listener;
        return this;
      }
      add(chunk: unknown): void {
        if (chunk === 'bad') throw new Error('cannot decode');
        this.#listener?.(JSON.parse(String(chunk)));
      }
      destroy(): void {
        this.destroyed = true;
      }
    }
    const { manager, fakes } = setup({ randomizationFactor: 0, parser: { Encoder, Decoder } });
    const packets = vi.fn();
    const close = vi.fn();
    manager.on('packet', packets);
    manager.on('close', close);
    manager._w({ type: PacketType.EVENT, nsp: '/', data: ['hi'], options: { compress: false } });
    // The codec gets the packet without our write options; the engine gets what it returned.
    expect(written).toEqual([{ type: PacketType.EVENT, nsp: '/', data: ['hi'] }]);
    expect(fakes.last().compressFlags).toEqual([false]);
    fakes.last().open();
    fakes.last().emit('data', JSON.stringify({ type: PacketType.EVENT, nsp: '/', data: ['from server'] }));
    expect(packets).toHaveBeenCalledWith({ type: PacketType.EVENT, nsp: '/', data: ['from server'] });
    fakes.last().emit('data', 'bad');
    expect(close).toHaveBeenCalledWith('parse error', expect.objectContaining({ message: 'cannot decode' }));
    expect(decoders.map((d) => d.destroyed)).toEqual([true]);
    vi.advanceTimersByTime(1000);
    fakes.last().open();
    expect(decoders).toHaveLength(2);
    manager.disconnect();
  });

  it("decodes the engine's 'data' events (socket.io-client's): bad data closes the engine and reconnects", () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    const close = vi.fn();
    manager.on('close', close);
    const engine = fakes.last();
    engine.open();
    engine.emit('data', 'bad');
    expect(close).toHaveBeenCalledWith('parse error', expect.any(Error));
    expect(engine.readyState).toBe('closed');
    vi.advanceTimersByTime(1000);
    expect(fakes.engines).toHaveLength(2);
    expect(fakes.last()).not.toBe(engine);
  });

  it('emits decoded packets and forwards engine pings', () => {
    const { manager, fakes } = setup();
    const packets = vi.fn();
    const pings = vi.fn();
    manager.on('packet', packets).on('ping', pings);
    fakes.last().open();
    fakes.last().receive({ type: PacketType.EVENT, nsp: '/', data: ['a', 1] });
    fakes.last().emit('ping');
    expect(packets).toHaveBeenCalledWith(expect.objectContaining({ type: PacketType.EVENT, data: ['a', 1] }));
    expect(pings).toHaveBeenCalledOnce();
  });

  it('keeps delivering packets after an app listener throws, and rethrows asynchronously', () => {
    const { manager, fakes } = setup();
    const seen: unknown[] = [];
    manager.on('packet', (p) => {
      seen.push(p.data);
      if (seen.length === 1) throw new Error('app bug');
    });
    fakes.last().open();
    fakes.last().receive({ type: PacketType.EVENT, nsp: '/', data: ['one'] });
    fakes.last().receive({ type: PacketType.EVENT, nsp: '/', data: ['two'] });
    expect(seen).toEqual([['one'], ['two']]);
    expect(() => vi.runOnlyPendingTimers()).toThrow('app bug');
    expect(manager._readyState).toBe('open');
  });

  it('lets the app open again from an error listener without a second, parallel attempt', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    manager.once('error', () => manager.open());
    fakes.last().fail();
    expect(fakes.engines).toHaveLength(2);
    vi.advanceTimersByTime(10_000); // past the 1 s reconnect delay, short of the 20 s connect timeout
    expect(fakes.engines).toHaveLength(2);
    fakes.last().open();
    expect(manager._readyState).toBe('open');
  });

  it('an open() during the backoff replaces the scheduled attempt', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    fakes.last().open();
    fakes.last().drop();
    expect(manager._readyState).toBe('closed'); // a reconnect is scheduled
    const attempts = vi.fn();
    manager.on('reconnect_attempt', attempts);
    manager.open();
    expect(fakes.engines).toHaveLength(2);
    expect(manager._readyState).toBe('opening');
    vi.advanceTimersByTime(10_000);
    expect(fakes.engines).toHaveLength(2);
    expect(attempts).not.toHaveBeenCalled();
  });

  it('reconnection(false) during the backoff cancels the attempt and lets Sockets open again', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    fakes.last().open();
    fakes.last().drop();
    manager.reconnection(false);
    vi.advanceTimersByTime(60_000);
    expect(fakes.engines).toHaveLength(1);
    expect(manager._readyState).toBe('closed');
    manager.socket('/').connect();
    expect(fakes.engines).toHaveLength(2);
  });

  it('treats an engine that closes while connecting (without an error) as a failed connect', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0 });
    const errors: string[] = [];
    manager.on('error', (err) => errors.push(err.message));
    const socket = manager.socket('/');
    const connectErrors = vi.fn();
    socket.on('connect_error', connectErrors);
    fakes.last().drop('transport close');
    expect(errors).toEqual(['transport close']);
    expect(connectErrors).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(1000);
    expect(fakes.engines).toHaveLength(2);
  });

  it("turns the engine's string error for `transports: []` into an Error for 'error' and 'connect_error'", async () => {
    const manager = new Manager('http://localhost:3000', { transports: [], WebSocket: null, reconnection: false });
    const errors: unknown[] = [];
    manager.on('error', (err) => errors.push(err));
    const socket = manager.socket('/');
    const connectErrors: unknown[] = [];
    socket.on('connect_error', (err) => connectErrors.push(err));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Error);
    expect((errors[0] as Error).message).toBe('No transports available');
    expect(connectErrors).toEqual(errors);
  });

  it('a reconnect_attempt listener that disconnects and connects again leaves one connect, no crash', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0, reconnectionDelay: 10 });
    const socket = manager.socket('/');
    fakes.last().fail();
    const attempts: number[] = [];
    manager.once('reconnect_attempt', () => {
      socket.disconnect();
      socket.connect();
    });
    manager.on('reconnect_attempt', (n) => attempts.push(n));
    expect(() => vi.advanceTimersByTime(10)).not.toThrow();
    // The app's connect() made engine 2; the stale attempt made none.
    expect(fakes.engines).toHaveLength(2);
    expect(manager._readyState).toBe('opening');
    fakes.last().fail();
    vi.advanceTimersByTime(10);
    expect(fakes.engines).toHaveLength(3);
    expect(attempts).toEqual([1, 1]);
    fakes.last().open();
    expect(manager._readyState).toBe('open');
  });

  it('with useNativeTimers, schedules on the timers of import time, not on fake timers installed later', async () => {
    // beforeEach installed fake timers after this module was imported.
    const { manager, fakes } = setup({ useNativeTimers: true, randomizationFactor: 0, reconnectionDelay: 20 });
    expect(fakes.last().opts.clock).toBeTypeOf('object'); // the engine gets the same timers
    fakes.last().fail();
    vi.advanceTimersByTime(60_000);
    expect(fakes.engines).toHaveLength(1);
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fakes.engines).toHaveLength(2);
    manager.disconnect();
  });

  it('without useNativeTimers, follows the timers in force (an app\'s fake clock drives reconnects)', () => {
    const { manager, fakes } = setup({ randomizationFactor: 0, reconnectionDelay: 20 });
    expect(fakes.last().opts.clock).toBeUndefined();
    fakes.last().fail();
    vi.advanceTimersByTime(19);
    expect(fakes.engines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(fakes.engines).toHaveLength(2);
    manager.disconnect();
  });

  it('with timeout: 0 always fails with "timeout", even if the engine opens or fails first', () => {
    const { manager, fakes } = setup({ timeout: 0, reconnection: false });
    const errors: string[] = [];
    const opened = vi.fn();
    manager.on('error', (err) => errors.push(err.message));
    manager.on('open', opened);
    fakes.last().open();
    expect(opened).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(errors).toEqual(['timeout']);
    expect(fakes.last().readyState).toBe('closed');

    const second = setup({ timeout: 0, reconnection: false });
    const errors2: string[] = [];
    second.manager.on('error', (err) => errors2.push(err.message));
    second.fakes.last().fail('websocket error');
    vi.advanceTimersByTime(0);
    expect(errors2).toEqual(['timeout']);
    expect(manager._readyState).toBe('closed');
  });
});
