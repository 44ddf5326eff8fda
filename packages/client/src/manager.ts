import { SocketPacketDecoder, encodeSocketPacket, isProtocolError } from '@switchback/protocol';
import type { BinaryLike, Parser, ParserEncoder, SocketPacket } from '@switchback/protocol';
import { Socket as Engine } from './engine/index.js';
import { defaultClock } from './engine/clock.js';
import { managerFallbackMemory } from './engine/fallback-memory.js';
import { unrefTimer } from '#websocket-constructor';
import type { Clock, SocketEvents as EngineEvents, SocketOptions as EngineOptions } from './engine/index.js';
import { backoffDelay } from './backoff.js';
import { Socket } from './socket.js';
import type { DisconnectDescription, OutgoingPacket, SocketOptions } from './socket-types.js';
import { Emitter, subscribe } from './typed-events.js';
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
  /**
   * A packet codec with socket.io-parser's interface (`{ Encoder, Decoder }`, e.g.
   * `require('socket.io-msgpack-parser')`), as socket.io-client's; the server must use the same one.
   * Default: the built-in JSON + binary attachments codec.
   */
  parser: Parser;
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
 * Connection phases, as small numbers because the bundle size is a target (a string union would keep
 * every name in the minified code): 0 closed, 1 opening, 2 open, 3 reopening (a reconnect attempt's
 * engine is connecting), 4 waiting (a reconnect is scheduled). So: odd = an engine is connecting,
 * > 2 = reconnecting, `% 4 === 0` = closed or waiting (nothing connecting or open). The moves: closed or
 * waiting -> opening (open()), waiting -> reopening (an attempt), opening or reopening -> open, reopening
 * -> waiting (a failed attempt), closed -> waiting (the first reconnect), anything -> closed; each is
 * guarded where it happens (no transition table: bundle size).
 */
export type Phase = 0 | 1 | 2 | 3 | 4;

type TimerHandle = Parameters<typeof clearTimeout>[0];
type Listeners = { [E in keyof EngineEvents]?: (...args: EngineEvents[E]) => void };

// Captured at import, for `useNativeTimers`.
const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;
const nativeClock: Clock = {
  now: Date.now,
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
  /** The current engine connection: `manager.engine.transport.name` is 'websocket' or 'polling'. Set by open(). */
  engine!: Engine;
  /** @internal the Sockets by namespace. */
  readonly _n: Record<string, Socket<ListenEvents, EmitEvents>> = {};
  /** @internal the connection phase (see {@link Phase}); changed only by #to(). */
  _p: Phase = 0;
  /** @internal the timers of this Manager and its Sockets (see `useNativeTimers`). */
  readonly _t: Clock;
  /** @internal `autoConnect` (read by the Sockets too). */
  readonly _a: boolean;
  readonly #uri: string | undefined;
  /** Removes the engine listeners and timers of the current phase. */
  #subs: Array<() => void> = [];
  /** The app closed the Manager or turned reconnection off: no reconnect until the next open(). */
  #stopped = false;
  /** Reconnect attempts since the last success (the backoff exponent). */
  #attempts = 0;
  /** The `parser` option's encoder; undefined for the built-in codec. */
  #encoder: ParserEncoder | undefined;
  /**
   * The values of the six option methods below, by index: one tuple and one accessor instead of six
   * fields and six bodies (size).
   */
  readonly #v: [reconnection: boolean, attempts: number, delay: number, delayMax: number, jitter: number, timeout: number | false];

  constructor(opts?: Partial<ManagerOptions>);
  constructor(uri?: string, opts?: Partial<ManagerOptions>);
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super();
    if (typeof uri === 'object') {
      opts = uri;
      uri = undefined;
    }
    const o = (this.opts = { ...opts, path: opts?.path || '/socket.io' });
    // The engine gets the same timers; an injected `clock` drives the Manager's timers too.
    if (o.useNativeTimers) o.clock ??= nativeClock;
    this._t = o.clock ?? defaultClock;
    // One memory per Manager outside browsers, so its reconnects skip a WebSocket that failed before.
    o.fallbackMemory ??= managerFallbackMemory();
    this.#uri = uri;
    if (o.parser) this.#encoder = new o.parser.Encoder();
    this.#v = [
      o.reconnection !== false,
      o.reconnectionAttempts || Infinity,
      o.reconnectionDelay || 1000,
      o.reconnectionDelayMax || 5000,
      o.randomizationFactor ?? 0.5,
      o.timeout ?? 20000,
    ];
    if ((this._a = o.autoConnect !== false)) this.open();
  }

  #opt(i: number, v: unknown): unknown {
    if (v === undefined) return this.#v[i];
    (this.#v as unknown[])[i] = v;
    if (!v && !i) this.#stopped = true; // reconnection(false)
    return this;
  }

  reconnection(v: boolean): this;
  reconnection(): boolean;
  reconnection(v?: boolean): this | boolean {
    return this.#opt(0, v) as this | boolean;
  }

  reconnectionAttempts(v: number): this;
  reconnectionAttempts(): number;
  reconnectionAttempts(v?: number): this | number {
    return this.#opt(1, v) as this | number;
  }

  reconnectionDelay(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(v?: number): this | number {
    return this.#opt(2, v) as this | number;
  }

  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v?: number): this | number {
    return this.#opt(3, v) as this | number;
  }

  randomizationFactor(v: number): this;
  randomizationFactor(): number;
  randomizationFactor(v?: number): this | number {
    return this.#opt(4, v) as this | number;
  }

  timeout(v: number | false): this;
  timeout(): number | false;
  timeout(v?: number | false): this | number | false {
    return this.#opt(5, v) as this | number | false;
  }

  /**
   * Opens the engine connection (no-op when opening or open). With `fn`, a failure is reported to it
   * instead of starting the reconnect loop.
   */
  open(fn?: (err?: Error) => void): this {
    if (this._p % 4) return this;
    if (this._p) {
      // Opened by the app during a backoff: drop the scheduled attempt and start the schedule afresh.
      this.#cleanup();
      this.#attempts = 0;
    }
    this.#stopped = false;
    this.#start(1, fn);
    return this;
  }

  /** Alias of {@link open}. */
  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  /** The Socket of namespace `nsp` on this connection, created on first use. */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket<ListenEvents, EmitEvents> {
    // The wire format ends a namespace at its first comma: such a name could never be joined.
    if (nsp.includes(',')) throw TypeError(`invalid namespace ${nsp}: must not contain a comma`);
    let socket = this._n[nsp];
    if (!socket) this._n[nsp] = socket = new Socket<ListenEvents, EmitEvents>(this, nsp, opts);
    else if (this._a && !socket.active) socket.connect();
    return socket;
  }

  /** Whether the engine connection is 'opening', 'open' or 'closed' (socket.io-client's `_readyState`). */
  get _readyState(): 'opening' | 'open' | 'closed' {
    return (['closed', 'opening', 'open', 'opening', 'closed'] as const)[this._p];
  }

  /** @internal a Socket stopped; closes the connection when no Socket is active any more. */
  _d(): void {
    if (!Object.values(this._n).some((s) => s.active)) this.disconnect();
  }

  /** @internal writes one Socket.IO packet (binary ones as several engine messages). */
  _w(packet: OutgoingPacket): void {
    let chunks: Array<string | BinaryLike>;
    if (this.#encoder) {
      // A custom codec sees the packet as socket.io-client gives it, without our write options.
      const { options: _, ...plain } = packet;
      chunks = this.#encoder.encode(plain) as typeof chunks;
    } else chunks = encodeSocketPacket(packet);
    for (const chunk of chunks) this.engine?.write(chunk, { compress: packet.options?.compress !== false });
  }

  /** Closes the connection for good (no reconnect). */
  disconnect(): void {
    this.#stopped = true;
    this.#onclose('forced close');
  }

  /** socket.io-client's internal name for {@link disconnect}: its own test suite and some apps call it. */
  _close(): void {
    this.disconnect();
  }

  /** The single place the phase changes. */
  #to(next: Phase): void {
    this._p = next;
  }

  #start(phase: 1 | 3, fn?: (err?: Error) => void): void {
    const o = this.opts;
    // The CONNECTs are written one microtask later, after the code that called io() / connect() attached
    // its listeners (an `engine.on('packetCreate')` added right after io() sees the CONNECT, as with
    // socket.io-client). Queued before the engine exists, so it runs before the engine opens its first
    // transport: they travel in its first flight, and the first one without payload is named in the
    // WebSocket's URL (the engine's connectHint), so a Switchback server answers it with the handshake.
    // Set on the engine's own options (a copy of these, as engine.io-client keeps), read when it opens.
    queueMicrotask(() => {
      if (this.engine !== engine) return;
      const eo = engine.opts as EngineOptions;
      eo.connectHint = undefined;
      for (const socket of Object.values(this._n)) if (socket._c() && eo.connectHint === undefined) eo.connectHint = socket.nsp;
    });
    const engine = (this.engine = (o.createEngine ?? ((uri, x) => new Engine(uri, x)))(this.#uri, o));
    this.#to(phase);
    const onError = (err: Error): void => {
      this.#cleanup();
      this.#to(phase === 3 ? 4 : 0);
      this._e('error', err);
      if (fn) fn(err);
      // Only the first failure of a connect starts the loop; later ones are handled by the loop itself.
      else if (this.#v[0] && !this.#attempts) this.#reconnect();
    };
    const timeout = this.#v[5];
    // `timeout: 0` always times out, as in socket.io-client (whose tests use it as "fail at once"):
    // whatever the engine does first, only the timer reports, so the outcome does not race the network.
    if (timeout !== 0) {
      this.#subs.push(
        subscribe(engine, {
          open: () => {
            this.#onopen(engine);
            fn?.();
          },
          // The engine's one string error ('No transports available', engine.io-client's) becomes an Error.
          error: (err) => onError(typeof err === 'string' ? Error(err) : err),
          // An engine that gives up with only 'close' must not leave us waiting for the connect timeout.
          close: (reason) => onError(Error(reason)),
        } satisfies Listeners),
      );
    }
    if (timeout !== false) {
      this.#timer(() => {
        onError(Error('timeout'));
        engine.close();
      }, timeout);
    }
  }

  #onopen(engine: Engine): void {
    this.#cleanup();
    this.#to(2);
    this._e('open');
    const deliver = (packet: SocketPacket): void => {
      try {
        this._e('packet', packet);
      } catch (err) {
        // A throwing app listener must not abort the engine's delivery of the packets after this one;
        // socket.io-client defers for the same reason. Rethrown so it is still reported.
        setTimeout(() => {
          throw err;
        });
      }
    };
    // A decoder per connection: nothing half-decoded survives into the next one. A custom one (the
    // `parser` option) hands packets to 'decoded' and throws on what it cannot read.
    const custom = this.opts.parser && new this.opts.parser.Decoder();
    const decoder = new SocketPacketDecoder();
    if (custom) {
      custom.on('decoded', deliver);
      this.#subs.push(() => custom.destroy?.());
    }
    this.#subs.push(
      subscribe(engine, {
        ping: () => this._e('ping'),
        // 'data' (the same data as 'message'), which socket.io-client's Manager listens to.
        data: (data) => {
          let packet;
          try {
            if (custom) return custom.add(data);
            packet = decoder.add(data as string | ArrayBuffer | Uint8Array);
          } catch (err) {
            return this.#onclose('parse error', err as DisconnectDescription);
          }
          if (packet === undefined) return;
          if (isProtocolError(packet)) return this.#onclose('parse error', packet);
          deliver(packet);
        },
        // Open: only Errors (the string is a failure to open).
        error: (err) => this._e('error', err as Error),
        close: (reason, description) => this.#onclose(reason, description as DisconnectDescription | undefined),
      } satisfies Listeners),
    );
  }

  #cleanup(): void {
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
  }

  #onclose(reason: string, description?: DisconnectDescription): void {
    this.#cleanup();
    this.engine?.close();
    this.#attempts = 0;
    this.#to(0);
    this._e('close', reason, description);
    if (this.#v[0] && !this.#stopped && !this._p) this.#reconnect();
  }

  #reconnect(): void {
    // Stopped, or an app listener of 'error'/'close' already opened again.
    if (this.#stopped || this._p % 4) return;
    if (this.#attempts >= this.#v[1]) {
      this.#attempts = 0;
      this.#to(0);
      this._e('reconnect_failed');
      return;
    }
    this.#to(4);
    const attempt = (): void => {
      // reconnection(false) or a reconnect_attempt listener may have stopped us.
      if (!this.#stopped) this._e('reconnect_attempt', this.#attempts);
      // A listener that closed and opened again (socket.disconnect().connect()) already started a
      // connect of its own: this attempt is stale, as socket.io-client's open() ignores it then.
      if (this._p !== 4) return;
      if (this.#stopped) return this.#to(0);
      this.#start(3, (err) => {
        if (err) {
          this.#reconnect();
          this._e('reconnect_error', err);
        } else {
          const attempts = this.#attempts;
          this.#attempts = 0;
          this._e('reconnect', attempts);
        }
      });
    };
    this.#timer(attempt, backoffDelay(this.#attempts++, this.#v[2], this.#v[3], this.#v[4]));
    // Back online (the page's or worker's `online` event): the attempt is made now rather than when the
    // backoff ends, up to reconnectionDelayMax later. A failure goes on with the backoff as before.
    if (typeof addEventListener == 'function') {
      const online = (): void => {
        // Only while waiting: once the timer's attempt is under way, its engine listeners must stay.
        if (this._p !== 4) return;
        this.#cleanup();
        attempt();
      };
      addEventListener('online', online);
      this.#subs.push(() => removeEventListener('online', online));
    }
  }

  /** A timer of the current phase: cleared with the engine listeners by #cleanup(). */
  #timer(fn: () => void, ms: number): void {
    const clock = this._t;
    const timer = clock.setTimeout(fn, ms);
    // Node: with `autoUnref`, a pending connect timeout or reconnect must not keep the process alive.
    unrefTimer(timer, this.opts);
    this.#subs.push(() => clock.clearTimeout(timer));
  }
}
