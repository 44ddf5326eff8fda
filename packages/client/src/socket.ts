import { PacketType, RESERVED_EVENTS } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import type { Manager } from './manager.js';
import { RetryQueue, withError } from './retry-queue.js';
import type { AckFn, Flags } from './retry-queue.js';
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
import { Emitter } from './typed-events.js';
import type { DefaultEventsMap, EventNames, EventParams, EventsMap, UntypedListener } from './typed-events.js';


function assertEmittable(ev: string | symbol): void {
  if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  readonly #acks = new Map<number, AckFn>();
  readonly #queue: RetryQueue;
  #ids = 0;
  #flags: Flags = {};
  /** Removes this Socket's listeners from the Manager; set while the Socket is active. */
  #unsubscribe: (() => void) | undefined;
  #anyListeners: UntypedListener[] = [];
  #anyOutgoingListeners: UntypedListener[] = [];
  #pid: string | undefined;
  #lastOffset: string | undefined;
  /** The engine connection this Socket's CONNECT was written to (it is written once per connection). */
  #connectSentOn: object | undefined;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts?: Partial<SocketOptions>) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.auth = opts?.auth;
    this.#opts = { ...opts };
    this.#queue = new RetryQueue(opts?.retries ?? 0, () => this.connected, (args, flags) => {
      this.#flags = flags;
      this.#emit(args);
    });
    if (io._autoConnect) this.open();
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the Socket reconnects when its Manager does (false after a deliberate disconnect). */
  get active(): boolean {
    return this.#unsubscribe !== undefined;
  }

  /** Connects (opens the Manager's connection if needed). */
  connect(): this {
    if (this.connected) return this;
    this.#subEvents();
    if (!this.io._reconnecting) this.io.open();
    const state = this.io._readyState;
    if (state === 'open') this.#onopen();
    // While the engine is still opening the CONNECT is pipelined with the handshake, one microtask
    // later: before the WebSocket can open, but after the caller of io() attached its listeners.
    else if (state === 'opening') queueMicrotask(() => this.#onPipelinedOpen());
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
      const ack = withError((err, value) =>
        err ? reject(err as Error) : resolve(value as FirstArg<Last<EventParams<EmitEvents, Ev>>>),
      );
      this.#emit([ev, ...args, ack]);
    });
  }

  /** Disconnects this namespace for good (no reconnect); closes the connection if it was the last one. */
  disconnect(): this {
    if (this.connected) this.#packet({ type: PacketType.DISCONNECT, nsp: this.nsp });
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
    this.#flags.compress = compress;
    return this;
  }

  /** The next emit is dropped, not buffered, when the socket cannot send it right now. */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /** The ack of the next emit gets an Error first argument if no answer came within `timeout` ms. */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.#flags.timeout = timeout;
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /** Listens to every incoming event: `(event, ...args)`. */
  onAny(listener: UntypedListener): this {
    this.#anyListeners.push(listener);
    return this;
  }

  prependAny(listener: UntypedListener): this {
    this.#anyListeners.unshift(listener);
    return this;
  }

  offAny(listener?: UntypedListener): this {
    this.#anyListeners = listener ? this.#anyListeners.filter((l) => l !== listener) : [];
    return this;
  }

  listenersAny(): UntypedListener[] {
    return this.#anyListeners;
  }

  /** Listens to every outgoing event (acks excluded): `(event, ...args)`. */
  onAnyOutgoing(listener: UntypedListener): this {
    this.#anyOutgoingListeners.push(listener);
    return this;
  }

  prependAnyOutgoing(listener: UntypedListener): this {
    this.#anyOutgoingListeners.unshift(listener);
    return this;
  }

  offAnyOutgoing(listener?: UntypedListener): this {
    this.#anyOutgoingListeners = listener ? this.#anyOutgoingListeners.filter((l) => l !== listener) : [];
    return this;
  }

  listenersAnyOutgoing(): UntypedListener[] {
    return this.#anyOutgoingListeners;
  }

  #subEvents(): void {
    if (this.#unsubscribe) return;
    const io = this.io;
    const onOpen = (): void => this.#onopen();
    const onPacket = (packet: SocketPacket): void => this.#onpacket(packet);
    const onError = (err: Error): void => {
      if (!this.connected) this.emitReserved('connect_error', err);
    };
    const onClose = (reason: string, description?: DisconnectDescription): void =>
      this.#onclose(reason as DisconnectReason, description);
    io.on('open', onOpen).on('packet', onPacket).on('error', onError).on('close', onClose);
    this.#unsubscribe = () =>
      io.off('open', onOpen).off('packet', onPacket).off('error', onError).off('close', onClose);
  }

  #emit(args: unknown[]): void {
    const flags = this.#flags;
    this.#flags = {};
    if (this.#opts.retries && !flags.fromQueue && !flags.volatile) {
      this.#queue.add(args, flags);
      return;
    }
    const packet: OutgoingPacket = { type: PacketType.EVENT, nsp: this.nsp, data: args, options: { compress: flags.compress !== false } };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const id = this.#ids++;
      args.pop();
      this.#registerAck(id, last as AckFn, flags.timeout);
      packet.id = id;
    }
    const writable = this.io.engine?.transport?.writable === true;
    if (flags.volatile && !(writable && this.connected)) return;
    this.sendBuffer.push(packet);
    if (!this.connected) return;
    // Kept in sendBuffer during the write: the engine may find its heartbeat long dead right now (a
    // throttled background tab) and close synchronously. The packet and its ack then wait for the next
    // connection instead of being lost, as socket.io-client's _hasPingExpired() check does.
    this.#send(packet);
    if (this.connected) this.sendBuffer.splice(this.sendBuffer.indexOf(packet), 1);
  }

  #registerAck(id: number, ack: AckFn, flagTimeout: number | undefined): void {
    const timeout = flagTimeout ?? this.#opts.ackTimeout;
    if (timeout === undefined) {
      this.#acks.set(id, ack);
      return;
    }
    const clock = this.io._clock;
    const timer = clock.setTimeout(() => {
      this.#acks.delete(id);
      this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
      ack.call(this, new Error('operation has timed out'));
    }, timeout);
    this.#acks.set(
      id,
      withError((...args) => {
        clock.clearTimeout(timer);
        ack.apply(this, args);
      }),
    );
  }

  #send(packet: OutgoingPacket): void {
    if (this.#anyOutgoingListeners.length && Array.isArray(packet.data)) {
      for (const listener of this.#anyOutgoingListeners.slice()) listener.apply(this, packet.data);
    }
    this.#packet(packet);
  }

  #packet(packet: OutgoingPacket): void {
    const { options, ...wire } = packet;
    this.io._packet({ ...wire, nsp: this.nsp }, options?.compress !== false);
  }

  /** @internal the Manager created a new engine connection: pipeline the CONNECT on it. */
  _onEngine(): void {
    if (this.active) this.#onopen();
  }

  #onPipelinedOpen(): void {
    if (this.active && this.io._readyState === 'opening') this.#onopen();
  }

  #onopen(): void {
    const engine: object | undefined = this.io.engine;
    if (engine === undefined || this.#connectSentOn === engine) return;
    this.#connectSentOn = engine;
    const sendConnect = (data: object | undefined): void => {
      // An auth callback that answers after its connection was replaced: the new one asks again.
      if (this.io.engine !== engine || this.#connectSentOn !== engine) return;
      this.#packet({
        type: PacketType.CONNECT,
        nsp: this.nsp,
        data: this.#pid ? { pid: this.#pid, offset: this.#lastOffset, ...data } : data,
      });
    };
    if (typeof this.auth === 'function') this.auth(sendConnect);
    else sendConnect(this.auth);
  }

  #onclose(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.connected = false;
    this.#connectSentOn = undefined;
    this.id = undefined;
    this.emitReserved('disconnect', reason, description);
    // Acks of packets on the wire will never come; those still in sendBuffer are sent on reconnect.
    for (const [id, ack] of this.#acks) {
      if (this.sendBuffer.some((p) => p.id === id)) continue;
      this.#acks.delete(id);
      if (ack.withError) ack.call(this, new Error('socket has been disconnected'));
    }
  }

  #onpacket(packet: SocketPacket): void {
    if (packet.nsp !== this.nsp) return;
    const data = packet.data;
    switch (packet.type) {
      case PacketType.CONNECT:
        if (isRecord(data) && typeof data['sid'] === 'string') {
          this.#onconnect(data['sid'], typeof data['pid'] === 'string' ? data['pid'] : undefined);
        } else {
          this.emitReserved('connect_error', new Error('Invalid CONNECT packet: the server speaks another Socket.IO version'));
        }
        break;
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        if (Array.isArray(data)) this.#onevent(data, packet.id);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.#onack(packet.id, Array.isArray(data) ? data : []);
        break;
      case PacketType.DISCONNECT:
        this.#destroy();
        this.#onclose('io server disconnect');
        break;
      case PacketType.CONNECT_ERROR: {
        this.#destroy();
        const err: ExtendedError = new Error(
          isRecord(data) && typeof data['message'] === 'string' ? data['message'] : String(data),
        );
        if (isRecord(data)) err.data = data['data'];
        this.emitReserved('connect_error', err);
        break;
      }
    }
  }

  #onevent(data: readonly unknown[], id: number | undefined): void {
    const args = [...data];
    if (id !== undefined) args.push(this.#ack(id));
    if (this.connected) this.#emitEvent(args);
    else this.receiveBuffer.push(Object.freeze(args));
  }

  #emitEvent(args: readonly unknown[]): void {
    for (const listener of this.#anyListeners.slice()) listener.apply(this, args as unknown[]);
    const [ev, ...rest] = args;
    if (typeof ev === 'string') this.emitUntyped(ev, rest);
    // With connection state recovery the server appends its offset as the last argument.
    const last = args[args.length - 1];
    if (this.#pid && args.length && typeof last === 'string') this.#lastOffset = last;
  }

  #ack(id: number): (...args: unknown[]) => void {
    let sent = false;
    return (...args) => {
      if (sent) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  #onack(id: number | undefined, data: unknown[]): void {
    if (id === undefined) return;
    const ack = this.#acks.get(id);
    if (!ack) return;
    this.#acks.delete(id);
    if (ack.withError) ack.call(this, null, ...data);
    else ack.apply(this, data);
  }

  #onconnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = pid !== undefined && this.#pid === pid;
    this.#pid = pid; // set only when the server has connection state recovery on
    this.connected = true;
    for (const args of this.receiveBuffer) this.#emitEvent(args);
    this.receiveBuffer = [];
    // Each packet leaves sendBuffer only once written, so a close during the flush keeps the rest.
    for (let packet = this.sendBuffer[0]; packet && this.connected; packet = this.sendBuffer[0]) {
      this.#send(packet);
      if (this.connected) this.sendBuffer.shift();
    }
    this.#queue.drain(true);
    this.emitReserved('connect');
  }

  #destroy(): void {
    this.#connectSentOn = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.io._destroy();
  }
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Socket {
  type DisconnectReason = import('./socket-types.js').DisconnectReason;
}
