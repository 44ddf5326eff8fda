import { RESERVED_EVENTS } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import type { Manager, ManagerReservedEvents } from './manager.js';
import type {
  AllButLast,
  DecorateAcknowledgements,
  DisconnectDescription,
  DisconnectReason,
  ExtendedError,
  FirstArg,
  Last,
  OutgoingPacket,
  SocketOptions,
  SocketReservedEvents,
} from './socket-types.js';
import { Emitter, subscribe } from './typed-events.js';
import type { DefaultEventsMap, EventNames, EventParams, EventsMap, UntypedListener } from './typed-events.js';

// Packet types are written as the protocol's numbers (PacketType.CONNECT = 0, DISCONNECT 1, EVENT 2,
// ACK 3, CONNECT_ERROR 4, BINARY_EVENT 5, BINARY_ACK 6): `PacketType.X` would stay whole in bundles.

/**
 * Modifiers of one emit: `c` compress(), `v` volatile, `t` timeout(), `q` sent by the retry queue. One
 * letter each: internal, and property names stay whole in minified bundles.
 */
interface Flags {
  c?: boolean;
  v?: boolean;
  t?: number;
  q?: boolean;
}

/** An ack callback; `w` ones take an Error (or null) first, as after `timeout()`. */
type AckFn = ((...args: unknown[]) => void) & { w?: boolean };

/** An emit of the `retries` queue: `n` tries so far, `p` waiting for its ack, `a` args, `f` flags. */
interface Queued {
  n: number;
  p: boolean;
  a: unknown[];
  f: Flags;
}

const withError = (fn: AckFn): AckFn => ((fn.w = true), fn);

function assertEmittable(ev: string | symbol): void {
  if (RESERVED_EVENTS.has(ev)) throw Error(`"${String(ev)}" is a reserved event name`);
}

/**
 * One namespace over a {@link Manager}'s connection: emit/on with acks, buffering while disconnected.
 *
 * @example
 * const socket = io('https://example.com');
 * socket.on('connect', () => socket.emit('hello', 'world', (answer: string) => console.log(answer)));
 * socket.on('disconnect', (reason) => console.log(reason));
 */
export class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>
  extends Emitter<ListenEvents, SocketReservedEvents> {
  readonly io: Manager<ListenEvents, EmitEvents>;
  /** The session id given by the server on connect; undefined while disconnected. */
  id: string | undefined;
  connected = false;
  /** Whether the server restored the session (connection state recovery) on the last connect. */
  recovered = false;
  auth: SocketOptions['auth'] | undefined;
  /** Events received before 'connect', delivered right after it. */
  receiveBuffer: Array<readonly unknown[]> = [];
  /** Packets emitted while disconnected, sent on connect. */
  sendBuffer: OutgoingPacket[] = [];
  /** The namespace, e.g. "/" or "/admin". */
  readonly nsp: string;
  readonly #opts: Partial<SocketOptions>;
  /**
   * @internal the acks waiting for their answer, by packet id (socket.io-client's `acks`, which its tests
   * and some apps read).
   */
  readonly acks: Record<number, AckFn> = {};
  #ids = 0;
  #flags: Flags = {};
  /** Removes this Socket's listeners from the Manager; set while the Socket is active. */
  #unsubscribe: (() => void) | undefined;
  /** The onAny and onAnyOutgoing listeners (copy-on-write, as the Emitter's). */
  #any: [UntypedListener[], UntypedListener[]] = [[], []];
  /**
   * @internal the `retries` queue (socket.io-client's `_queue`): one emit at a time waits for its ack, so
   * order holds across retries.
   */
  readonly _queue: Queued[] = [];
  #pid: string | undefined;
  #lastOffset: string | undefined;
  /** The engine connection this Socket's CONNECT was written to (it is written once per connection). */
  #connectSentOn: object | undefined;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts?: Partial<SocketOptions>) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.auth = opts?.auth;
    this.#opts = opts ?? {};
    if (io._a) this.open();
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the Socket reconnects when its Manager does (false after a deliberate disconnect). */
  get active(): boolean {
    return !!this.#unsubscribe;
  }

  /** Connects (opens the Manager's connection if needed). */
  connect(): this {
    if (this.connected) return this;
    const io = this.io;
    this.#unsubscribe ??= subscribe(io, {
      open: () => this.#onopen(),
      packet: (packet) => this.onpacket(packet),
      error: (err) => this.connected || this._e('connect_error', err),
      close: (reason, description) => this.#onclose(reason as DisconnectReason, description),
    } satisfies Partial<ManagerReservedEvents>);
    if (io._p < 3) io.open(); // not while reconnecting: the Manager's attempt comes
    if (io._p === 2) this.#onopen();
    // While the engine is still opening the CONNECT is pipelined with the handshake, one microtask
    // later: before the WebSocket can open, but after the caller of io() attached its listeners.
    else if (io._p % 2) queueMicrotask(() => this._c());
    return this;
  }

  /** Alias of {@link connect}. */
  open(): this {
    return this.connect();
  }

  /** Emits a 'message' event, like WebSocket.send(). */
  send(...args: unknown[]): this {
    this.#emit(['message', ...args]);
    return this;
  }

  /**
   * Sends an event to the server; a function as last argument is called with the server's answer.
   * Throws on reserved names ('connect', 'disconnect', ...).
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
    assertEmittable(ev);
    this.#emit([ev, ...args]);
    return this;
  }

  /**
   * Emits and resolves with the server's answer; rejects on `timeout()` expiry or disconnect.
   *
   * @example
   * const answer = await socket.timeout(1000).emitWithAck('hello', 'world');
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      assertEmittable(ev); // thrown in the executor: rejects the promise
      this.#emit([
        ev,
        ...args,
        withError((err, value) => (err ? reject(err as Error) : resolve(value as FirstArg<Last<EventParams<EmitEvents, Ev>>>))),
      ]);
    });
  }

  /** Disconnects this namespace for good (no reconnect); closes the connection if it was the last one. */
  disconnect(): this {
    if (this.connected) this.io._w({ type: 1, nsp: this.nsp });
    this.#destroy();
    if (this.connected) this.#onclose('io client disconnect');
    return this;
  }

  /** Alias of {@link disconnect}. */
  close(): this {
    return this.disconnect();
  }

  /** Sets the compress flag of the next emit. */
  compress(compress: boolean): this {
    this.#flags.c = compress;
    return this;
  }

  /** The next emit is dropped, not buffered, when the socket cannot send it right now. */
  get volatile(): this {
    this.#flags.v = true;
    return this;
  }

  /** The ack of the next emit gets an Error first argument if no answer came within `timeout` ms. */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.#flags.t = timeout;
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /** Listens to every incoming event: `(event, ...args)`. */
  onAny(listener: UntypedListener): this {
    return this.#setAny(0, listener, 1);
  }

  prependAny(listener: UntypedListener): this {
    return this.#setAny(0, listener, 2);
  }

  offAny(listener?: UntypedListener): this {
    return this.#setAny(0, listener);
  }

  listenersAny(): UntypedListener[] {
    return this.#any[0];
  }

  /** Listens to every outgoing event (acks excluded): `(event, ...args)`. */
  onAnyOutgoing(listener: UntypedListener): this {
    return this.#setAny(1, listener, 1);
  }

  prependAnyOutgoing(listener: UntypedListener): this {
    return this.#setAny(1, listener, 2);
  }

  offAnyOutgoing(listener?: UntypedListener): this {
    return this.#setAny(1, listener);
  }

  listenersAnyOutgoing(): UntypedListener[] {
    return this.#any[1];
  }

  /** `how`: 1 append, 2 prepend, none: remove `listener` (or all without one). */
  #setAny(i: 0 | 1, listener?: UntypedListener, how?: 1 | 2): this {
    const l = this.#any[i];
    this.#any[i] = how
      ? how > 1
        ? [listener!, ...l]
        : [...l, listener!]
      : listener
        ? l.filter((f) => f !== listener)
        : [];
    return this;
  }

  #emit(args: unknown[]): void {
    const flags = this.#flags;
    this.#flags = {};
    if (this.#opts.retries && !flags.q && !flags.v) return this.#enqueue(args, flags);
    const packet: OutgoingPacket = { type: 2, nsp: this.nsp, data: args, options: { compress: flags.c !== false } };
    if (typeof args[args.length - 1] === 'function') this.#registerAck((packet.id = this.#ids++), args.pop() as AckFn, flags.t);
    if (flags.v && !(this.io.engine?.transport?.writable && this.connected)) return;
    this.sendBuffer.push(packet);
    // Kept in sendBuffer during the write: the engine may find its heartbeat long dead right now (a
    // throttled background tab) and close synchronously. The packet and its ack then wait for the next
    // connection instead of being lost, as socket.io-client's _hasPingExpired() check does.
    // pop(): the packet is the last one (an emit from an onAnyOutgoing listener pops its own first).
    if (this.connected && this.#send(packet)) this.sendBuffer.pop();
  }

  #registerAck(id: number, ack: AckFn, timeout = this.#opts.ackTimeout): void {
    let stored = ack;
    if (timeout !== undefined) {
      const clock = this.io._t;
      const timer = clock.setTimeout(() => {
        delete this.acks[id];
        this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
        ack.call(this, Error('operation has timed out'));
      }, timeout);
      stored = withError((...args) => {
        clock.clearTimeout(timer);
        ack.apply(this, args);
      });
    }
    this.acks[id] = stored;
  }

  /** Writes an EVENT packet, after the onAnyOutgoing listeners; true when still connected after. */
  #send(packet: OutgoingPacket): boolean {
    for (const listener of this.#any[1]) listener.apply(this, packet.data as unknown[]);
    this.io._w(packet);
    return this.connected;
  }

  /** The `retries` option: queues the emit with an ack that sends the next one (or retries this one). */
  #enqueue(args: unknown[], flags: Flags): void {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AckFn) : undefined;
    const queue = this._queue;
    const queued: Queued = { n: 0, p: false, a: args, f: { ...flags, q: true } };
    args.push(
      withError((err, ...response) => {
        if (queued !== queue[0]) return; // already acknowledged
        if (err == null || queued.n > this.#opts.retries!) {
          queue.shift();
          if (err == null) ack?.(null, ...response);
          else ack?.(err);
        }
        queued.p = false;
        this.#drain();
      }),
    );
    queue.push(queued);
    this.#drain();
  }

  /** Sends the queue's head unless it is waiting for its ack; `force` sends it again (after a reconnect). */
  #drain(force?: boolean): void {
    const head = this._queue[0];
    if (!this.connected || !head || (head.p && !force)) return;
    head.p = true;
    head.n++;
    this.#flags = head.f;
    this.#emit([...head.a]);
  }

  /**
   * @internal the engine is connecting: pipeline the CONNECT on it (once per engine, see #onopen). True
   * when a CONNECT without payload was written.
   */
  _c(): boolean | undefined {
    return !!this.#unsubscribe && !!(this.io._p % 2) && this.#onopen();
  }

  /** True when it wrote a CONNECT without payload (no auth, nothing to recover). */
  #onopen(): boolean | undefined {
    const engine: object | undefined = this.io.engine;
    if (!engine || this.#connectSentOn === engine) return;
    this.#connectSentOn = engine;
    const sendConnect = (data: object | undefined): void => {
      // An auth callback that answers after its connection was replaced: the new one asks again.
      if (this.io.engine === engine && this.#connectSentOn === engine) {
        this.io._w({ type: 0, nsp: this.nsp, data: this.#pid ? { pid: this.#pid, offset: this.#lastOffset, ...data } : data });
      }
    };
    if (typeof this.auth === 'function') return void this.auth(sendConnect);
    sendConnect(this.auth);
    return this.auth === undefined && !this.#pid;
  }

  #onclose(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.connected = false;
    this.#connectSentOn = this.id = undefined;
    this._e('disconnect', reason, description);
    // Acks of packets on the wire will never come; those still in sendBuffer are sent on reconnect.
    for (const key in this.acks) {
      const id = +key;
      const ack = this.acks[id]!;
      if (this.sendBuffer.some((p) => p.id === id)) continue;
      delete this.acks[id];
      if (ack.w) ack.call(this, Error('socket has been disconnected'));
    }
  }

  /** @internal one packet of this Socket's namespace (socket.io-client's `onpacket`). */
  onpacket({ nsp, type, data, id }: SocketPacket): void {
    if (nsp !== this.nsp) return;
    // Read with ?. whatever its type: a string or an array has no `sid` / `message` either.
    type Rec = Record<string, unknown> | undefined;
    if (!type) {
      // CONNECT
      const sid = (data as Rec)?.['sid'];
      // `pid` is there only with connection state recovery; its value is only sent back to the server.
      if (typeof sid === 'string') this.#onconnect(sid, (data as Rec)!['pid'] as string | undefined);
      else this._e('connect_error', Error('CONNECT without sid: another Socket.IO version'));
    } else if (type % 3 === 2) {
      // EVENT, BINARY_EVENT
      if (!Array.isArray(data)) return;
      const args = [...data];
      if (id !== undefined) {
        let sent = false;
        args.push((...answer: unknown[]) => {
          if (!sent) this.io._w({ type: 3, nsp, id, data: answer });
          sent = true;
        });
      }
      if (this.connected) this.#emitEvent(args);
      else this.receiveBuffer.push(args);
    } else if (type % 3 === 0) {
      // ACK, BINARY_ACK
      const ack = this.acks[id!];
      if (!ack) return;
      delete this.acks[id!];
      // The decoder lets only an array (or nothing) through as an ACK's payload.
      const answer = (data ?? []) as unknown[];
      ack.apply(this, ack.w ? [null, ...answer] : answer);
    } else {
      this.#destroy();
      if (type === 1) this.#onclose('io server disconnect');
      else {
        // CONNECT_ERROR
        // The decoder lets only a string or an object through: `{ message, data }` or the message itself.
        const err: ExtendedError = Error(((data as Rec)?.['message'] ?? data) as string);
        err.data = (data as Rec)?.['data'];
        this._e('connect_error', err);
      }
    }
  }

  #emitEvent(args: readonly unknown[]): void {
    for (const listener of this.#any[0]) listener.apply(this, args as unknown[]);
    if (typeof args[0] === 'string') (this._e as (...a: unknown[]) => boolean)(...args);
    // With connection state recovery the server appends its offset as the last argument.
    const last = args[args.length - 1];
    if (this.#pid && typeof last === 'string') this.#lastOffset = last;
  }

  #onconnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = pid !== undefined && this.#pid === pid;
    this.#pid = pid; // set only when the server has connection state recovery on
    this.connected = true;
    for (const args of this.receiveBuffer) this.#emitEvent(args);
    this.receiveBuffer = [];
    // Each packet leaves sendBuffer only once written, so a close during the flush keeps the rest.
    for (let packet; (packet = this.sendBuffer[0]) && this.connected && this.#send(packet); ) this.sendBuffer.shift();
    this.#drain(true);
    this._e('connect');
  }

  #destroy(): void {
    this.#connectSentOn = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.io._d();
  }
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Socket {
  type DisconnectReason = import('./socket-types.js').DisconnectReason;
}
