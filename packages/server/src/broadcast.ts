import { PacketType, RESERVED_EVENTS } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import type { Adapter, BroadcastFlags, Room, SocketId } from './adapter.js';
import type { Handshake } from './socket-types.js';
import type {
  AllButLast,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  EventNames,
  EventNamesWithError,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  TypedEventBroadcaster,
} from './typed-events.js';

/** A socket returned by fetchSockets(): here always a local Socket, seen through this shape. */
export interface RemoteSocket<EmitEvents extends EventsMap, SocketData> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  join(room: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): unknown;
  /** The ack of the next emit gets `(err, answer)`, err when no answer came within `timeout` ms. */
  timeout(timeout: number): RemoteSocketWithTimeout<DecorateAcknowledgements<EmitEvents>>;
}

/** What a fetched socket's timeout() returns: its emits wait for the answer up to the timeout. */
export interface RemoteSocketWithTimeout<EmitEvents extends EventsMap> {
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
  emitWithAck<Ev extends EventNamesWithError<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>>;
}

// Looser than the public signature: the ack, when present, is the last element.
type UntypedArgs = unknown[];

/**
 * An immutable broadcast target: each modifier returns a new operator, so `io.to('a')` can be kept and
 * reused.
 *
 * @example
 * io.to('room1').except('room2').emit('news', 'hello');
 * const answers = await io.timeout(1000).emitWithAck('poll');
 */
export class BroadcastOperator<EmitEvents extends EventsMap, SocketData> implements TypedEventBroadcaster<EmitEvents> {
  readonly #adapter: Adapter;
  readonly #rooms: Set<Room>;
  readonly #exceptRooms: Set<Room>;
  readonly #flags: BroadcastFlags;

  constructor(
    adapter: Adapter,
    rooms: Set<Room> = new Set(),
    exceptRooms: Set<Room> = new Set(),
    flags: BroadcastFlags = {},
  ) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#exceptRooms = exceptRooms;
    this.#flags = flags;
  }

  /** The rooms this operator targets (empty: every socket of the namespace). Read-only: use to(). */
  get rooms(): ReadonlySet<Room> {
    return this.#rooms;
  }

  /** The rooms this operator leaves out. Read-only: use except(). */
  get exceptRooms(): ReadonlySet<Room> {
    return this.#exceptRooms;
  }

  /** The modifiers set so far (`compress`, `volatile`, `local`, `timeout`). Read-only. */
  get flags(): Readonly<BroadcastFlags> {
    return this.#flags;
  }

  /** Targets the sockets in `room` (several calls or an array make a union). */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#exceptRooms, this.#flags);
  }

  /** Same as to(). */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Leaves out the sockets in `room`. */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const exceptRooms = new Set(this.#exceptRooms);
    for (const r of Array.isArray(room) ? room : [room]) exceptRooms.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, exceptRooms, this.#flags);
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#exceptRooms, { ...this.#flags, compress });
  }

  /** The packet is dropped for sockets whose transport cannot take it right now. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#exceptRooms, { ...this.#flags, volatile: true });
  }

  /** Only this server's sockets (meaningful with a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#exceptRooms, { ...this.#flags, local: true });
  }

  /** Ack callbacks get `(err, responses)`, err set when not every client answered within `timeout` ms. */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#exceptRooms, { ...this.#flags, timeout });
  }

  /**
   * Sends to every target. With a callback last, waits for an answer from each target (up to the
   * timeout, which should be set): `(err, responses[])`.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data: UntypedArgs = [ev, ...(args as UntypedArgs)];
    const last = data[data.length - 1];
    const opts = { rooms: this.#rooms, except: this.#exceptRooms, flags: this.#flags };
    if (typeof last !== 'function') {
      this.#adapter.broadcast({ type: PacketType.EVENT, nsp: '/', data }, opts);
      return true;
    }
    data.pop();
    const packet: SocketPacket = { type: PacketType.EVENT, nsp: '/', data };
    this.#collectAcks(packet, opts, last as (err: Error | null, responses: unknown) => void);
    return true;
  }

  /**
   * Promise form of emit() with acks: resolves with every response, rejects on timeout. Typed only
   * after timeout() (as socket.io's): without a timeout, a client that never answers keeps it pending.
   */
  emitWithAck<Ev extends EventNamesWithError<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      const callback = (err: Error | null, responses: FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>): void => {
        // As socket.io: the answers that did arrive in time ride on the timeout error.
        if (err) reject(Object.assign(err, { responses }));
        else resolve(responses);
      };
      (this.emit as (ev: Ev, ...rest: UntypedArgs) => boolean)(ev, ...(args as UntypedArgs), callback);
    });
  }

  /** Ids of the targeted sockets. Deprecated in socket.io in favour of fetchSockets(). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#adapter.sockets(new Set(this.#rooms));
  }

  /**
   * The targeted sockets: this process's Socket objects, and for sockets on other servers (a cluster
   * adapter answers plain details for those) stand-ins that act through the adapter, as socket.io's.
   */
  async fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    const sockets: unknown[] = await this.#adapter.fetchSockets({
      rooms: this.#rooms,
      except: this.#exceptRooms,
      flags: this.#flags,
    });
    return sockets.map((socket) =>
      isLocalSocket(socket)
        ? (socket as unknown as RemoteSocket<EmitEvents, SocketData>)
        : new RemoteSocketProxy<EmitEvents, SocketData>(this.#adapter, socket as SocketDetails<SocketData>),
    );
  }

  /** Makes the targeted sockets join `room`. */
  socketsJoin(room: Room | Room[]): void {
    void this.#adapter.addSockets(
      { rooms: this.#rooms, except: this.#exceptRooms, flags: this.#flags },
      Array.isArray(room) ? room : [room],
    );
  }

  /** Makes the targeted sockets leave `room`. */
  socketsLeave(room: Room | Room[]): void {
    void this.#adapter.delSockets(
      { rooms: this.#rooms, except: this.#exceptRooms, flags: this.#flags },
      Array.isArray(room) ? room : [room],
    );
  }

  /** Disconnects the targeted sockets; `close` also closes their engine sessions. */
  disconnectSockets(close = false): void {
    void this.#adapter.disconnectSockets({ rooms: this.#rooms, except: this.#exceptRooms, flags: this.#flags }, close);
  }

  #collectAcks(
    packet: SocketPacket,
    opts: { rooms: Set<Room>; except: Set<Room>; flags: BroadcastFlags },
    ack: (err: Error | null, responses: unknown) => void,
  ): void {
    const single = this.#flags.expectSingleResponse === true;
    const responses: unknown[] = [];
    let timedOut = false;
    let expectedServerCount = -1;
    let actualServerCount = 0;
    let expectedClientCount = 0;
    // As socket.io: without timeout() the wait is 0 ms, so the callback fires at once unless no client
    // was targeted.
    const timer = setTimeout(() => {
      timedOut = true;
      // The sockets that did not answer would otherwise keep the ack (and what it holds) forever.
      const id = packet.id;
      if (id !== undefined) for (const socket of this.#adapter.nsp.sockets.values()) socket._clearAck(id);
      ack(new Error('operation has timed out'), single ? null : responses);
    }, this.#flags.timeout);
    const checkCompleteness = (): void => {
      if (timedOut || expectedServerCount !== actualServerCount || responses.length !== expectedClientCount) return;
      clearTimeout(timer);
      ack(null, single ? responses[0] : responses);
    };
    this.#adapter.broadcastWithAck(
      packet,
      opts,
      (clientCount) => {
        expectedClientCount += clientCount;
        actualServerCount++;
        checkCompleteness();
      },
      (response) => {
        responses.push(response);
        checkCompleteness();
      },
    );
    void this.#adapter.serverCount().then((serverCount) => {
      expectedServerCount = serverCount;
      checkCompleteness();
    });
  }
}

/** What a cluster adapter returns for a socket on another server. */
interface SocketDetails<SocketData> {
  id: SocketId;
  handshake: Handshake;
  rooms: Iterable<Room>;
  data: SocketData;
}

function isLocalSocket(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { _deliver?: unknown })._deliver === 'function';
}

/** A socket of another server, reached through the adapter (socket.io's RemoteSocket). */
class RemoteSocketProxy<EmitEvents extends EventsMap, SocketData> implements RemoteSocket<EmitEvents, SocketData> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  readonly #adapter: Adapter;
  readonly #operator: BroadcastOperator<EmitEvents, SocketData>;

  constructor(adapter: Adapter, details: SocketDetails<SocketData>) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    this.#adapter = adapter;
    this.#operator = new BroadcastOperator(adapter, new Set([this.id]), new Set(), { expectSingleResponse: true });
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.#operator.emit(ev, ...args);
  }

  /** The ack of the next emit gets `(err, answer)`. */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return this.#operator.timeout(timeout);
  }

  join(room: Room | Room[]): Promise<void> | void {
    return this.#adapter.addSockets({ rooms: new Set([this.id]) }, Array.isArray(room) ? room : [room]);
  }

  leave(room: Room): Promise<void> | void {
    return this.#adapter.delSockets({ rooms: new Set([this.id]) }, [room]);
  }

  disconnect(close = false): this {
    void this.#adapter.disconnectSockets({ rooms: new Set([this.id]) }, close);
    return this;
  }
}

/** Flags for a BroadcastOperator built from a socket or namespace. */
export type { BroadcastFlags };
/** For Server/Namespace typings of `timeout()`. */
export type TimeoutBroadcastOperator<EmitEvents extends EventsMap, SocketData> = BroadcastOperator<
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>,
  SocketData
>;
