import { SocketPacketDecoder, encodeSocketPacket, isProtocolError } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { InMemoryFallbackMemory, Socket as Engine } from './engine/index.js';
import { defaultClock } from './engine/clock.js';
import { findSessionStorage } from './engine/fallback-memory.js';
import type { Clock, SocketEvents as EngineEvents, SocketOptions as EngineOptions } from './engine/index.js';
import { Backoff } from './backoff.js';
import { Socket } from './socket.js';
import type { DisconnectDescription, SocketOptions } from './socket-types.js';
import { Emitter } from './typed-events.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

export interface ManagerOptions extends EngineOptions {
  /** Always create a new Manager (no sharing of the connection between `io()` calls). */
  forceNew: boolean;
  /** `false` is the same as `forceNew: true`. */
  multiplex: boolean;
  /** Default '/socket.io'. */
  path: string;
  /** Reconnect after an unexpected close. Default true. */
  reconnection: boolean;
  /** Default Infinity. */
  reconnectionAttempts: number;
  /** First reconnect delay in ms. Default 1000. */
  reconnectionDelay: number;
  /** Largest reconnect delay in ms. Default 5000. */
  reconnectionDelayMax: number;
  /** Jitter of the reconnect delay, 0..1. Default 0.5. */
  randomizationFactor: number;
  /** Connect timeout in ms, or false for none. Default 20000. */
  timeout: number | false;
  /** Connect on creation. Default true. */
  autoConnect: boolean;
  /**
   * Use the timers that existed when this module was imported, not `globalThis.setTimeout` at call
   * time: fake timers an app installs later (in its tests) then leave the connection alone. Default false.
   */
  useNativeTimers: boolean;
  /** Creates the engine connection (tests inject an in-memory one). Default: the Switchback engine. */
  createEngine: (uri: string | undefined, opts: EngineOptions) => Engine;
}

export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: SocketPacket) => void;
  close: (reason: string, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

/**
 * Connection phases. 'waiting' = a reconnect is scheduled; 'reopening' = a reconnect attempt's engine
 * is connecting. Both count as "reconnecting" for the Sockets.
 */
type Phase = 'closed' | 'opening' | 'reopening' | 'open' | 'waiting';

const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  closed: ['closed', 'opening', 'waiting'],
  opening: ['open', 'closed'],
  reopening: ['open', 'waiting', 'closed'],
  waiting: ['waiting', 'reopening', 'opening', 'closed'],
  open: ['closed'],
};

type TimerHandle = Parameters<typeof clearTimeout>[0];

// Captured at import, for `useNativeTimers`.
const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;
const nativeNow = Date.now.bind(Date);
const nativeClock: Clock = {
  now: () => nativeNow(),
  setTimeout: (fn, ms) => nativeSetTimeout(fn, ms),
  clearTimeout: (handle) => nativeClearTimeout(handle as TimerHandle),
};

/**
 * Owns one engine connection and multiplexes namespaces (Sockets) over it; reconnects with exponential
 * backoff after an unexpected close.
 *
 * @example
 * const manager = new Manager('https://example.com', { reconnectionDelayMax: 10000 });
 * const chat = manager.socket('/chat');
 * manager.on('reconnect_attempt', (n) => console.log(`attempt ${n}`));
 */
export class Manager<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>
  extends Emitter<object, ManagerReservedEvents> {
  readonly opts: Partial<ManagerOptions>;
  readonly #uri: string | undefined;
  readonly #nsps = new Map<string, Socket<ListenEvents, EmitEvents>>();
  readonly #decoder = new SocketPacketDecoder();
  readonly #backoff: Backoff;
  #subs: Array<() => void> = [];
  #engine: Engine | undefined;
  #phase: Phase = 'closed';
  /** The app closed the Manager or turned reconnection off: no reconnect until the next open(). */
  #stopped = false;
  #reconnection = true;
  #reconnectionAttempts = Infinity;
  #reconnectionDelay = 1000;
  #reconnectionDelayMax = 5000;
  #randomizationFactor = 0.5;
  #timeout: number | false = 20000;
  readonly #autoConnect: boolean;
  /** @internal the timers of this Manager and its Sockets (see `useNativeTimers`). */
  readonly _clock: Clock;

  constructor(opts?: Partial<ManagerOptions>);
  constructor(uri?: string, opts?: Partial<ManagerOptions>);
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super();
    if (typeof uri === 'object') {
      opts = uri;
      uri = undefined;
    }
    this.opts = { ...opts, path: opts?.path || '/socket.io' };
    this._clock = opts?.useNativeTimers === true ? nativeClock : defaultClock;
    if (opts?.useNativeTimers === true && this.opts.clock === undefined) this.opts.clock = nativeClock;
    // One memory per Manager outside browsers, so its reconnects skip a WebSocket that failed before.
    if (this.opts.fallbackMemory === undefined && findSessionStorage() === undefined) {
      this.opts.fallbackMemory = new InMemoryFallbackMemory();
    }
    this.#uri = uri;
    const o = this.opts;
    this.#backoff = new Backoff();
    this.reconnection(o.reconnection !== false);
    this.reconnectionAttempts(o.reconnectionAttempts || Infinity);
    this.reconnectionDelay(o.reconnectionDelay || 1000);
    this.reconnectionDelayMax(o.reconnectionDelayMax || 5000);
    this.randomizationFactor(o.randomizationFactor ?? 0.5);
    this.timeout(o.timeout ?? 20000);
    this.#autoConnect = o.autoConnect !== false;
    if (this.#autoConnect) this.open();
  }

  /** The current engine connection: `manager.engine.transport.name` is 'websocket' or 'polling'. */
  get engine(): Engine {
    // socket.io-client's engine is always set after open(); before that we create nothing.
    return this.#engine as Engine;
  }

  reconnection(v: boolean): this;
  reconnection(): boolean;
  reconnection(v?: boolean): this | boolean {
    if (v === undefined) return this.#reconnection;
    this.#reconnection = !!v;
    if (!v) this.#stopped = true;
    return this;
  }

  reconnectionAttempts(v: number): this;
  reconnectionAttempts(): number;
  reconnectionAttempts(v?: number): this | number {
    if (v === undefined) return this.#reconnectionAttempts;
    this.#reconnectionAttempts = v;
    return this;
  }

  reconnectionDelay(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(v?: number): this | number {
    if (v === undefined) return this.#reconnectionDelay;
    this.#reconnectionDelay = v;
    this.#backoff.setMin(v);
    return this;
  }

  randomizationFactor(v: number): this;
  randomizationFactor(): number;
  randomizationFactor(v?: number): this | number {
    if (v === undefined) return this.#randomizationFactor;
    this.#randomizationFactor = v;
    this.#backoff.setJitter(v);
    return this;
  }

  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v?: number): this | number {
    if (v === undefined) return this.#reconnectionDelayMax;
    this.#reconnectionDelayMax = v;
    this.#backoff.setMax(v);
    return this;
  }

  timeout(v: number | false): this;
  timeout(): number | false;
  timeout(v?: number | false): this | number | false {
    if (v === undefined) return this.#timeout;
    this.#timeout = v;
    return this;
  }

  /**
   * Opens the engine connection (no-op when opening or open). With `fn`, a failure is reported to it
   * instead of starting the reconnect loop.
   */
  open(fn?: (err?: Error) => void): this {
    if (this.#phase !== 'closed' && this.#phase !== 'waiting') return this;
    if (this.#phase === 'waiting') {
      // Opened by the app during a backoff: drop the scheduled attempt and start the schedule afresh.
      this.#cleanup();
      this.#backoff.reset();
    }
    this.#stopped = false;
    this.#start('opening', fn);
    return this;
  }

  /** Alias of {@link open}. */
  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  /** The Socket of namespace `nsp` on this connection, created on first use. */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket<ListenEvents, EmitEvents> {
    let socket = this.#nsps.get(nsp);
    if (!socket) {
      socket = new Socket<ListenEvents, EmitEvents>(this, nsp, opts);
      this.#nsps.set(nsp, socket);
    } else if (this.#autoConnect && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  /** @internal whether the engine connection is 'opening', 'open' or 'closed'. */
  get _readyState(): 'opening' | 'open' | 'closed' {
    const phase = this.#phase;
    return phase === 'waiting' ? 'closed' : phase === 'reopening' ? 'opening' : phase;
  }

  /** @internal true while a reconnect is scheduled or in progress. */
  get _reconnecting(): boolean {
    return this.#phase === 'waiting' || this.#phase === 'reopening';
  }

  /** @internal */
  get _autoConnect(): boolean {
    return this.#autoConnect;
  }

  /** @internal whether `io()` already handed out this namespace (a second one needs its own Manager). */
  _hasNamespace(nsp: string): boolean {
    return this.#nsps.has(nsp);
  }

  /** @internal a Socket stopped; closes the connection when no Socket is active any more. */
  _destroy(): void {
    for (const socket of this.#nsps.values()) if (socket.active) return;
    this._close();
  }

  /** @internal writes one Socket.IO packet (binary ones as several engine messages). */
  _packet(packet: SocketPacket, compress = true): void {
    const engine = this.#engine;
    if (!engine) return;
    for (const chunk of encodeSocketPacket(packet)) engine.write(chunk, { compress });
  }

  /** @internal closes the connection for good (no reconnect). */
  _close(): void {
    this.#stopped = true;
    this.#onclose('forced close');
  }

  /** Closes the connection without reconnecting (socket.io-client's name for {@link _close}). */
  disconnect(): void {
    this._close();
  }

  #sub<E extends keyof EngineEvents>(engine: Engine, ev: E, fn: (...args: EngineEvents[E]) => void): void {
    engine.on(ev, fn);
    this.#subs.push(() => engine.off(ev, fn));
  }

  #setPhase(next: Phase): void {
    if (!TRANSITIONS[this.#phase].includes(next)) {
      throw new Error(`Manager: invalid transition ${this.#phase} -> ${next}`);
    }
    this.#phase = next;
  }

  #start(phase: 'opening' | 'reopening', fn?: (err?: Error) => void): void {
    const create = this.opts.createEngine ?? ((uri, o) => (uri === undefined ? new Engine(o) : new Engine(uri, o)));
    const engine = create(this.#uri, this.opts);
    this.#engine = engine;
    this.#setPhase(phase);
    // The CONNECTs are written one microtask later: still long before the WebSocket can open (so they
    // travel in its first flight), but after the code that called io() / connect() attached its
    // listeners (an `engine.on('packetCreate')` added right after io() sees the CONNECT, as with
    // socket.io-client).
    queueMicrotask(() => {
      if (this.#engine !== engine) return;
      for (const socket of this.#nsps.values()) socket._onEngine();
    });

    const onError = (err: Error): void => {
      this.#cleanup();
      this.#setPhase(phase === 'reopening' ? 'waiting' : 'closed');
      this.emitReserved('error', err);
      if (fn) fn(err);
      // Only the first failure of a connect starts the loop; later ones are handled by the loop itself.
      else if (this.#reconnection && this.#backoff.attempts === 0) this.#scheduleReconnect();
    };
    // `timeout: 0` always times out, as in socket.io-client (whose tests use it as "fail at once"):
    // whatever the engine does first, only the timer reports, so the outcome does not race the network.
    if (this.#timeout !== 0) {
      this.#sub(engine, 'open', () => {
        this.#onopen(engine);
        fn?.();
      });
      this.#sub(engine, 'error', onError);
      // An engine that gives up with only 'close' must not leave us waiting for the connect timeout.
      this.#sub(engine, 'close', (reason) => onError(new Error(reason)));
    }
    if (this.#timeout !== false) {
      this.#setTimer(() => {
        onError(new Error('timeout'));
        engine.close();
      }, this.#timeout);
    }
  }

  #onopen(engine: Engine): void {
    this.#cleanup();
    this.#setPhase('open');
    this.emitReserved('open');
    this.#sub(engine, 'ping', () => this.emitReserved('ping'));
    this.#sub(engine, 'message', (data) => this.#ondata(data));
    this.#sub(engine, 'error', (err) => this.emitReserved('error', err));
    this.#sub(engine, 'close', (reason, description) =>
      this.#onclose(reason, description as DisconnectDescription | undefined),
    );
  }

  #ondata(data: EngineEvents['message'][0]): void {
    const packet = this.#decoder.add(data);
    if (packet === undefined) return;
    if (isProtocolError(packet)) {
      this.#onclose('parse error', packet);
      return;
    }
    try {
      this.emitReserved('packet', packet);
    } catch (err) {
      // A throwing app listener must not abort the engine's delivery of the packets after this one;
      // socket.io-client defers for the same reason. Rethrown so it is still reported.
      setTimeout(() => {
        throw err;
      }, 0);
    }
  }

  #cleanup(): void {
    for (const unsubscribe of this.#subs) unsubscribe();
    this.#subs = [];
    this.#decoder.reset();
  }

  #onclose(reason: string, description?: DisconnectDescription): void {
    this.#cleanup();
    this.#engine?.close();
    this.#backoff.reset();
    this.#setPhase('closed');
    this.emitReserved('close', reason, description);
    if (this.#reconnection && !this.#stopped && this.#phase === 'closed') this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    // Stopped, or an app listener of 'error'/'close' already opened again.
    if (this.#stopped || (this.#phase !== 'closed' && this.#phase !== 'waiting')) return;
    if (this.#backoff.attempts >= this.#reconnectionAttempts) {
      this.#backoff.reset();
      this.#setPhase('closed');
      this.emitReserved('reconnect_failed');
      return;
    }
    this.#setPhase('waiting');
    this.#setTimer(() => {
      // reconnection(false) or a reconnect_attempt listener may have stopped us.
      if (!this.#stopped) this.emitReserved('reconnect_attempt', this.#backoff.attempts);
      // A listener that closed and opened again (socket.disconnect().connect()) already started a
      // connect of its own: this attempt is stale, as socket.io-client's open() ignores it then.
      if (this.#phase !== 'waiting') return;
      if (this.#stopped) {
        this.#setPhase('closed');
        return;
      }
      this.#start('reopening', (err) => {
        if (err) {
          this.#scheduleReconnect();
          this.emitReserved('reconnect_error', err);
        } else {
          const attempt = this.#backoff.attempts;
          this.#backoff.reset();
          this.emitReserved('reconnect', attempt);
        }
      });
    }, this.#backoff.duration());
  }

  /** A timer of the current phase: cleared with the engine listeners by #cleanup(). */
  #setTimer(fn: () => void, ms: number): void {
    const timer = this._clock.setTimeout(fn, ms);
    // Node: with `autoUnref`, a pending connect timeout or reconnect must not keep the process alive.
    if (this.opts.autoUnref) (timer as { unref?: () => void }).unref?.();
    this.#subs.push(() => this._clock.clearTimeout(timer));
  }
}
