import type { IncomingMessage } from 'node:http';
import { PacketType, RESERVED_EVENTS } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import type { Adapter, BroadcastFlags, EncodedPacket, RestoredSession, Room, SocketId, WriteOptions } from './adapter.js';
import { BroadcastOperator } from './broadcast.js';
import type { Client } from './client.js';
import type { EngineSocket } from './engine/index.js';
import { randomId } from './engine/session-id.js';
import { buildHandshake } from './handshake.js';
import type { Namespace } from './namespace.js';
import type { DisconnectReason, Handshake, SocketReservedEventsMap } from './socket-types.js';
import { StrictEventEmitter } from './typed-events.js';
import type {
  AllButLast,
  AnyListener,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
} from './typed-events.js';

/** An incoming event as seen by `socket.use()` middleware: the name, then the arguments. */
export type Event = [string, ...unknown[]];

type Ack = (...args: unknown[]) => void;
type PacketMiddleware = (event: Event, next: (err?: Error) => void) => void;

/**
 * One client's connection to one namespace.
 *
 * @example
 * io.on('connection', (socket) => {
 *   socket.join('room1');
 *   socket.on('hello', (name, ack) => ack(`hi ${name}`));
 *   socket.timeout(5000).emit('ping', (err, answer) => {});
 * });
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any -- socket.io's default
> extends StrictEventEmitter<ListenEvents, EmitEvents, SocketReservedEventsMap> {
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** Random id, different from the engine session id; the socket is always in the room of that name. */
  readonly id: SocketId;
  /**
   * Whether this socket is a lost one come back with its id, rooms, data and missed events
   * (connection state recovery; always false when the option is off).
   */
  get recovered(): boolean {
    return recoveries.get(this)?.recovered === true;
  }
  #data: SocketData | typeof NO_DATA = NO_DATA;
  connected = false;

  readonly #adapter: Adapter;
  /** Created on first use, and kept in socketAcks: most sockets never wait for an ack (heap per idle socket). */
  get #acks(): Map<number, Ack> | undefined {
    return socketAcks.get(this);
  }
  #flags: BroadcastFlags = NO_FLAGS;
  /** Middleware and catch-all listeners: one shared empty record until the first is added. */
  #hooks: Hooks = NO_HOOKS;
  /** Set once the socket left its rooms and namespace (cleanedUp: not a field, heap per idle socket). */
  get #cleanedUp(): boolean {
    return cleanedUp.has(this);
  }
  /**
   * Built on first read from what it needs (heap per idle socket: most apps never read it); until
   * then the CONNECT payload, if there was one (no `{}` per socket until the handshake is read).
   */
  #handshake: Handshake | PendingHandshake | undefined;
  /** When the socket was created, as ms after CLOCK_BASE: a small integer, no boxed number per socket. */
  readonly #issued = sinceClockBase();

  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown> | undefined,
    session?: RestoredSession,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    this.#adapter = nsp.adapter;
    if (auth !== undefined) this.#handshake = new PendingHandshake(auth);
    if (nsp._recovery === undefined) {
      this.id = client.conn.protocol === 3 ? v2SocketId(nsp.name, client.id) : randomId(15);
    } else if (session === undefined) {
      this.id = client.conn.protocol === 3 ? v2SocketId(nsp.name, client.id) : randomId(15);
      recoveries.set(this, { pid: randomId(15), recovered: false, restore: undefined });
    } else {
      this.id = session.sid;
      this.#data = session.data as SocketData;
      recoveries.set(this, { pid: session.pid, recovered: true, restore: session });
    }
  }

  /** The request that opened the session, as socket.io's `socket.handshake` (same object on every read). */
  get handshake(): Handshake {
    const current = this.#handshake;
    if (current !== undefined && !(current instanceof PendingHandshake)) return current;
    const built = buildHandshake(this.client.conn, current?.auth ?? {}, CLOCK_BASE + this.#issued);
    this.#handshake = built;
    return built;
  }

  /** Free-form per-socket data, returned with fetchSockets() (created on first read). */
  get data(): SocketData {
    if (this.#data === NO_DATA) this.#data = {} as SocketData;
    return this.#data;
  }

  set data(data: SocketData) {
    this.#data = data;
  }

  /** The engine session under this socket: `socket.conn.transport.name`, `socket.conn.on('upgrade')`. */
  get conn(): EngineSocket {
    return this.client.conn;
  }

  /** The first HTTP request of the session. */
  get request(): IncomingMessage {
    return this.client.request;
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** Rooms this socket is in (a copy), its own id included. */
  get rooms(): Set<Room> {
    return new Set(this.#adapter.socketRooms(this.id) ?? []);
  }

  /**
   * Sends an event to this client. A function as the last argument is called with the client's answer;
   * after `timeout(ms)` it is called `(err, ...answer)`.
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data: unknown[] = [ev, ...(args as unknown[])];
    const packet: SocketPacket = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const last = data[data.length - 1];
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    if (typeof last === 'function') {
      data.pop();
      const id = this.nsp._nextAckId();
      this.acks.set(id, this.#withTimeout(id, last as Ack, flags.timeout));
      packet.id = id;
    } else if (this.nsp._recovery !== undefined) {
      // Through the adapter to this socket's own room, so that it is kept (with its offset) and sent
      // again if the connection is lost; the adapter notifies the outgoing listeners.
      this.#adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags });
      return true;
    }
    this.#notifyOutgoing(data);
    this.client._packet(packet, toWriteOptions(flags));
    return true;
  }

  /** Promise form of emit() with an ack: resolves with the answer, rejects on timeout (after timeout()). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    const withErr = this.#flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const callback = (first: unknown, second: unknown): void => {
        if (!withErr) resolve(first as FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>);
        else if (first) reject(first instanceof Error ? first : new Error(String(first)));
        else resolve(second as FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>);
      };
      (this.emit as (ev: Ev, ...rest: unknown[]) => boolean)(ev, ...(args as unknown[]), callback);
    });
  }

  /** Emits `message`. */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...rest: unknown[]) => boolean)('message', ...(args as unknown[]));
    return this;
  }

  /** Emits `message`. */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    return this.send(...args);
  }

  /** Broadcasts to `room`, leaving this socket out. */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#newBroadcastOperator().to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#newBroadcastOperator().in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#newBroadcastOperator().except(room);
  }

  /** Every socket of the namespace but this one. */
  get broadcast(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#newBroadcastOperator();
  }

  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#newBroadcastOperator().local;
  }

  join(rooms: Room | Room[]): Promise<void> | void {
    if (this.#cleanedUp) return;
    return this.#adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  /** Leaves `room` (or each room of an array); resolves once the adapter is done when it is asynchronous. */
  leave(room: Room | Room[]): Promise<void> | void {
    if (!Array.isArray(room)) return this.#adapter.del(this.id, room);
    const pending = room.map((r) => this.#adapter.del(this.id, r)).filter((r): r is Promise<void> => r instanceof Promise);
    if (pending.length > 0) return Promise.all(pending).then(() => undefined);
  }

  /** @internal The namespace's adapter (socket.io sets `socket.adapter`; code and tests written for it read it). */
  get adapter(): Adapter {
    return this.#adapter;
  }

  /** @internal Leaves every room, its own included, and stays connected (socket.io's internal leaveAll()). */
  leaveAll(): Promise<void> | void {
    return this.#adapter.delAll(this.id);
  }

  /** Disconnects from this namespace (`server namespace disconnect`); `close` also ends the session. */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client._disconnect();
    } else {
      this.#packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this._onclose('server namespace disconnect');
    }
    return this;
  }

  compress(compress: boolean): this {
    this.#flags = { ...this.#flags, compress };
    return this;
  }

  /** The next emit is dropped when the transport cannot take it right now. */
  get volatile(): this {
    this.#flags = { ...this.#flags, volatile: true };
    return this;
  }

  /** The ack of the next emit gets `(err, ...answer)`, err when no answer came within `timeout` ms. */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.#flags = { ...this.#flags, timeout };
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData>;
  }

  /** Registers a middleware run on every incoming event; `next(err)` drops it and emits `error`. */
  use(fn: PacketMiddleware): this {
    this.#hooks = { ...this.#hooks, middleware: this.#hooks.middleware.concat(fn) };
    return this;
  }

  onAny(listener: AnyListener): this {
    this.#hooks = { ...this.#hooks, incoming: this.#hooks.incoming.concat(listener) };
    return this;
  }

  prependAny(listener: AnyListener): this {
    this.#hooks = { ...this.#hooks, incoming: [listener].concat(this.#hooks.incoming) };
    return this;
  }

  offAny(listener?: AnyListener): this {
    const incoming = listener === undefined ? NO_LISTENERS : this.#hooks.incoming.filter((l) => l !== listener);
    this.#hooks = { ...this.#hooks, incoming };
    return this;
  }

  listenersAny(): AnyListener[] {
    return [...this.#hooks.incoming];
  }

  onAnyOutgoing(listener: AnyListener): this {
    this.#hooks = { ...this.#hooks, outgoing: this.#hooks.outgoing.concat(listener) };
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    this.#hooks = { ...this.#hooks, outgoing: [listener].concat(this.#hooks.outgoing) };
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    const outgoing = listener === undefined ? NO_LISTENERS : this.#hooks.outgoing.filter((l) => l !== listener);
    this.#hooks = { ...this.#hooks, outgoing };
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#hooks.outgoing];
  }

  /** @internal Called by the namespace once middleware accepted the socket. */
  _onconnect(): void {
    this.connected = true;
    void this.join(this.id);
    const recovery = recoveries.get(this);
    // A Socket.IO v2 client (Engine.IO v3 session) gets a CONNECT without payload: it knows its id.
    if (this.client.conn.protocol === 3) {
      this.#packet({ type: PacketType.CONNECT, nsp: this.nsp.name });
      return;
    }
    if (recovery === undefined) {
      this.#packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data: { sid: this.id } });
      return;
    }
    const session = recovery.restore;
    if (session !== undefined) {
      void this.join(session.rooms);
      // Before the CONNECT answer, as socket.io (its upstream test checks this order): both clients
      // buffer events until they are connected, then emit them in order.
      for (const data of session.missedPackets) this.#packet({ type: PacketType.EVENT, nsp: this.nsp.name, data });
      recovery.restore = undefined;
    }
    this.#packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data: { sid: this.id, pid: recovery.pid } });
  }

  /** @internal A decoded packet for this namespace. */
  _onpacket(packet: SocketPacket): void {
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.#onevent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.#onack(packet);
        break;
      case PacketType.DISCONNECT:
        this._onclose('client namespace disconnect');
        break;
    }
  }

  /** @internal See AdapterSocket._deliver. */
  _deliver(packet: SocketPacket, encoded: EncodedPacket, options: WriteOptions, ack?: Ack): void {
    if (ack !== undefined && packet.id !== undefined) this.acks.set(packet.id, ack);
    if (Array.isArray(packet.data)) this.#notifyOutgoing(packet.data);
    this.client._writeEncoded(encoded, options);
  }

  /**
   * @internal Pending acknowledgements by packet id. Exposed (as socket.io does in practice) for adapters
   * built on socket.io-adapter, which register broadcast acks here.
   */
  get acks(): Map<number, Ack> {
    let acks = socketAcks.get(this);
    if (acks === undefined) {
      acks = new Map();
      socketAcks.set(this, acks);
    }
    return acks;
  }

  /** @internal For socket.io-adapter based adapters: a broadcast packet is about to be written. */
  notifyOutgoingListeners(packet: SocketPacket): void {
    if (Array.isArray(packet.data)) this.#notifyOutgoing(packet.data);
  }

  /** @internal See AdapterSocket._clearAck. */
  _clearAck(id: number): void {
    this.#acks?.delete(id);
  }

  /** @internal Reported to `error` listeners, if any (a missing listener must not crash the process). */
  _onerror(err: Error): void {
    if (this.listenerCount('error') > 0) this.emitReserved('error', err);
  }

  /** @internal Ends this socket: `disconnecting` (rooms still joined), cleanup, then `disconnect`. */
  _onclose(reason: DisconnectReason, description?: unknown): this {
    if (!this.connected) return this;
    this.emitReserved('disconnecting', reason, description);
    const recovery = recoveries.get(this);
    if (recovery !== undefined && RECOVERABLE_REASONS.has(reason)) {
      const persisted = this.#adapter.persistSession?.({ sid: this.id, pid: recovery.pid, rooms: [...this.rooms], data: this.data });
      // A store that failed only means this session cannot come back: the client then starts afresh.
      if (persisted instanceof Promise) persisted.catch(() => undefined);
    }
    this._cleanup();
    this.client._remove(this);
    this.connected = false;
    this.emitReserved('disconnect', reason, description);
    // No answer can come any more. An ack waiting with a timeout learns it now (as socket.io-client's do
    // on the client), rather than when its timer ends, which would keep this socket alive until then.
    const acks = this.#acks;
    if (acks !== undefined) {
      socketAcks.delete(this);
      for (const ack of acks.values()) timedAcks.get(ack)?.(new Error('socket has been disconnected'));
    }
    return this;
  }

  /** @internal Leaves every room and the namespace; later join() calls are ignored. */
  _cleanup(): void {
    void this.#adapter.delAll(this.id);
    this.nsp._remove(this);
    cleanedUp.add(this);
  }

  /** @internal Refuses the connection: CONNECT_ERROR with `{message, data}`. */
  _error(err: unknown): void {
    this.#packet({ type: PacketType.CONNECT_ERROR, nsp: this.nsp.name, data: err });
  }

  #packet(packet: SocketPacket, options: WriteOptions = {}): void {
    this.client._packet(packet, options);
  }

  #withTimeout(id: number, ack: Ack, timeout: number | undefined): Ack {
    if (timeout === undefined) return ack;
    const fail = (err?: Error): void => {
      clearTimeout(timer);
      this.#acks?.delete(id);
      ack.call(this, err ?? new Error('operation has timed out'));
    };
    const timer = setTimeout(fail, timeout);
    const answered = (...args: unknown[]): void => {
      clearTimeout(timer);
      ack.call(this, null, ...args);
    };
    timedAcks.set(answered, fail);
    return answered;
  }

  #onevent(packet: SocketPacket): void {
    // The decoded array is this packet's own (as socket.io, it becomes the arguments).
    const args: unknown[] = Array.isArray(packet.data) ? (packet.data as unknown[]) : [];
    if (packet.id !== undefined) args.push(this.#ackFor(packet.id));
    for (const listener of this.#hooks.incoming) listener.apply(this, args);
    // The client already deferred this packet by a tick (after the whole payload is decoded); socket.io
    // adds a second tick here, which would let a close that arrived in the same payload drop the event.
    if (this.#hooks.middleware.length === 0) {
      if (this.connected) this.emitArgs(args as Event);
      return;
    }
    this.#run(args as Event, (err) => {
      if (err) this._onerror(err);
      else if (this.connected) this.emitArgs(args as Event);
    });
  }

  #ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, nsp: this.nsp.name, id, data: args });
    };
  }

  #onack(packet: SocketPacket): void {
    if (packet.id === undefined) return;
    const ack = this.#acks?.get(packet.id);
    // An answer for an unknown (or already answered) id is ignored, as socket.io does.
    if (ack === undefined) return;
    this.#acks?.delete(packet.id);
    ack.apply(this, Array.isArray(packet.data) ? (packet.data as unknown[]) : []);
  }

  #run(event: Event, done: (err?: Error) => void): void {
    // The middleware of this moment: one added while an event runs applies from the next event.
    const fns = this.#hooks.middleware;
    if (fns.length === 0) return done();
    const step = (i: number): void => {
      const fn = fns[i];
      if (fn === undefined) return done();
      fn(event, (err) => (err ? done(err) : step(i + 1)));
    };
    step(0);
  }

  #notifyOutgoing(data: unknown[]): void {
    for (const listener of this.#hooks.outgoing) listener.apply(this, data);
  }

  #newBroadcastOperator(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    // A fresh object, as before: adapters receive it and may write to it.
    return new BroadcastOperator(this.#adapter, new Set(), new Set([this.id]), flags === NO_FLAGS ? {} : flags);
  }
}

/** The disconnections after which a session is kept for connection state recovery, as socket.io's. */
const RECOVERABLE_REASONS: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/**
 * Connection state recovery of each socket (only while the option is on): out of the Socket so that
 * sockets of servers without it carry no extra field (heap per idle socket). `restore` is the session
 * it came back with, until its rooms are joined and its missed packets sent.
 */
interface Recovery {
  readonly pid: string;
  readonly recovered: boolean;
  restore: RestoredSession | undefined;
}
const recoveries = new WeakMap<object, Recovery>();

/** Pending acknowledgements of the sockets that have any (see Socket.acks). */
const socketAcks = new WeakMap<object, Map<number, Ack>>();
/** An ack registered with timeout(): how to fail it at once (its timer cleared). */
const timedAcks = new WeakMap<Ack, (err: Error) => void>();
/** Sockets that left their rooms and namespace for good (see _cleanup). */
const cleanedUp = new WeakSet<object>();

// Shared by every socket until it sets a flag or a catch-all listener; never mutated (replaced instead).
const NO_FLAGS: BroadcastFlags = Object.freeze({});
const NO_LISTENERS: readonly AnyListener[] = Object.freeze([]);

/** Replaced as a whole when one list changes, so NO_HOOKS is shared by every socket that has none. */
interface Hooks {
  readonly middleware: readonly PacketMiddleware[];
  readonly incoming: readonly AnyListener[];
  readonly outgoing: readonly AnyListener[];
}

const NO_HOOKS: Hooks = Object.freeze({ middleware: Object.freeze([]), incoming: NO_LISTENERS, outgoing: NO_LISTENERS });

/** The CONNECT payload of a socket whose handshake was not read yet. */
class PendingHandshake {
  readonly auth: Record<string, unknown>;

  constructor(auth: Record<string, unknown>) {
    this.auth = auth;
  }
}

/** Sockets keep their creation time relative to this (see #issued). */
const CLOCK_BASE = Date.now();

/**
 * Milliseconds since CLOCK_BASE. Date.now() is a double, and a double in a field is a boxed number
 * (16 bytes per socket) even when whole; `| 0` makes it a small integer, stored in the field itself,
 * for the first ~12 days of uptime (2^30 ms), after which the plain difference is kept.
 */
function sinceClockBase(): number {
  const elapsed = Date.now() - CLOCK_BASE;
  return elapsed < 0x3fffffff ? elapsed | 0 : elapsed;
}
/** `socket.data` not read nor set yet (any value, null and undefined included, may be assigned). */
const NO_DATA: unique symbol = Symbol('no data');

function toWriteOptions(flags: BroadcastFlags): WriteOptions {
  return { volatile: flags.volatile === true, compress: flags.compress !== false };
}

/**
 * The socket id a Socket.IO v2 client computes for itself: the engine id in the main namespace,
 * `<namespace>#<engine id>` elsewhere (socket.io's rule for protocol v3 sessions).
 */
function v2SocketId(nsp: string, engineId: string): string {
  return nsp === '/' ? engineId : `${nsp}#${engineId}`;
}
