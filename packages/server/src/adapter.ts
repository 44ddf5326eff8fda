import { EventEmitter } from 'node:events';
import { encodeSocketPacket } from '@switchback/protocol';
import type { BinaryLike, SocketPacket } from '@switchback/protocol';
import { preEncodeWebSocketFrame } from './engine/index.js';
import type { ConnectionStateRecoveryOptions } from './server-options.js';

export type Room = string;
export type SocketId = string;

/** Flags carried by a broadcast, as socket.io-adapter's BroadcastFlags. */
export interface BroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  broadcast?: boolean;
  binary?: boolean;
  timeout?: number;
  expectSingleResponse?: boolean;
}

export interface BroadcastOptions {
  rooms: Set<Room>;
  except?: Set<Room>;
  flags?: BroadcastFlags;
}

/** How already-encoded frames are written to one engine session. */
export interface WriteOptions {
  volatile?: boolean;
  compress?: boolean;
  /** The WebSocket frame of a packet that is one text message, built once for a broadcast (engine.io's option). */
  wsPreEncodedFrame?: readonly Buffer[];
}

/** One encoded Socket.IO packet: the text frame, then one frame per binary attachment. */
export type EncodedPacket = ReadonlyArray<string | BinaryLike>;

/** An encoder's result as a list of messages: as socket.io, a custom parser may return one without its array. */
export function messagesOf(encoded: unknown): EncodedPacket {
  return Array.isArray(encoded) ? (encoded as EncodedPacket) : [encoded as string];
}

/** What an adapter needs from a socket of its namespace. The server's Socket satisfies it. */
export interface AdapterSocket {
  readonly id: SocketId;
  join(rooms: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): unknown;
  /**
   * @internal Writes a packet encoded once for many sockets; `ack` is registered under `packet.id`
   * before the write so that an answer can never race ahead of it.
   */
  _deliver(packet: SocketPacket, encoded: EncodedPacket, options: WriteOptions, ack?: (...args: unknown[]) => void): void;
  /** @internal Forgets the ack registered under `id`: a broadcast stopped waiting for this socket. */
  _clearAck(id: number): void;
}

/** What an adapter needs from its namespace. The server's Namespace satisfies it. */
export interface AdapterNamespace {
  readonly name: string;
  readonly sockets: ReadonlyMap<SocketId, AdapterSocket>;
  /** @internal The next acknowledgement id of this namespace (shared by its sockets and broadcasts). */
  _nextAckId(): number;
  /** The server's options, as socket.io's `nsp.server.opts` (a session-aware adapter reads its window there). */
  readonly server?: {
    readonly opts: { readonly connectionStateRecovery?: ConnectionStateRecoveryOptions };
    /** @internal The custom parser's encoding (the server's `parser` option); undefined for the built-in codec. */
    readonly _customEncode?: ((packet: SocketPacket) => EncodedPacket) | undefined;
  };
}

/** What a socket leaves behind when its connection is lost with connection state recovery on. */
export interface SessionToPersist {
  sid: SocketId;
  /** Private session id: only the client it was sent to knows it. */
  pid: string;
  rooms: Room[];
  data: unknown;
}

/** A session found again by restoreSession(): the packets missed are the `data` arrays of EVENTs. */
export interface RestoredSession extends SessionToPersist {
  missedPackets: unknown[][];
}

export interface AdapterEvents {
  'create-room': [room: Room];
  'delete-room': [room: Room];
  'join-room': [room: Room, id: SocketId];
  'leave-room': [room: Room, id: SocketId];
}

/**
 * Room bookkeeping and packet delivery for one namespace. Every method may return a promise so that a
 * cluster adapter (Redis, ...) can implement it over the network; the in-memory one answers at once.
 * The emitter is untyped here, as socket.io-adapter's is, so that its Adapter and the adapters built on
 * it (Redis, cluster, ...) type-check as `adapter` options; InMemoryAdapter types its events
 * (AdapterEvents).
 */
export interface Adapter extends EventEmitter {
  readonly nsp: AdapterNamespace;
  readonly rooms: Map<Room, Set<SocketId>>;
  readonly sids: Map<SocketId, Set<Room>>;
  init(): Promise<void> | void;
  close(): Promise<void> | void;
  /** Number of servers in the cluster (1 for the in-memory adapter). */
  serverCount(): Promise<number>;
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void;
  del(id: SocketId, room: Room): Promise<void> | void;
  delAll(id: SocketId): Promise<void> | void;
  broadcast(packet: SocketPacket, opts: BroadcastOptions): void;
  /**
   * Sends `packet` with an ack id; `clientCountCallback` is told how many sockets were reached (once per
   * server), `ack` is called once per answer.
   */
  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  socketRooms(id: SocketId): Set<Room> | undefined;
  fetchSockets(opts: BroadcastOptions): Promise<AdapterSocket[]>;
  addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void;
  delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void;
  disconnectSockets(opts: BroadcastOptions, close: boolean): Promise<void> | void;
  serverSideEmit(packet: unknown[]): void;
  /**
   * Connection state recovery: keeps a session whose connection was lost (called only when the
   * server's `connectionStateRecovery` option is set; optional for adapters that do not support it).
   */
  persistSession?(session: SessionToPersist): Promise<void> | void;
  /**
   * The session of `pid` with the packets sent to it after `offset` (the last offset the client saw;
   * undefined when it saw none), or null when it cannot be restored completely.
   */
  restoreSession?(pid: string, offset: string | undefined): Promise<RestoredSession | null> | RestoredSession | null;
}

/** A class (`new Adapter(nsp)`) or a factory (`(nsp) => adapter`), given as the `adapter` option. */
export type AdapterConstructor = (new (nsp: AdapterNamespace) => Adapter) | ((nsp: AdapterNamespace) => Adapter);

/** Builds an adapter from the `adapter` option: arrow functions are factories, the rest are constructed. */
export function createAdapter(ctor: AdapterConstructor, nsp: AdapterNamespace): Adapter {
  // Arrow functions have no prototype and cannot be constructed. A plain function that returns an object
  // works both ways, since `new` yields the returned object.
  if (ctor.prototype === undefined) return (ctor as (nsp: AdapterNamespace) => Adapter)(nsp);
  return new (ctor as new (nsp: AdapterNamespace) => Adapter)(nsp);
}

/**
 * The default adapter: rooms in two maps, delivery to the sockets of this process. A broadcast is
 * encoded once and the same frames are written to every target.
 */
export class InMemoryAdapter extends EventEmitter<AdapterEvents> implements Adapter {
  readonly nsp: AdapterNamespace;
  readonly rooms: Map<Room, Set<SocketId>>;
  readonly sids: Map<SocketId, Set<Room>>;
  readonly #rooms: RoomMap;
  readonly #sids: RoomMap;
  /** The server's custom parser encoding, if any (fixed when the server is made). */
  readonly #customEncode: ((packet: SocketPacket) => EncodedPacket) | undefined;

  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    this.#customEncode = nsp.server?._customEncode;
    this.#rooms = new RoomMap();
    this.#sids = new RoomMap();
    this.#rooms.twin = this.#sids;
    this.#sids.twin = this.#rooms;
    this.rooms = this.#rooms;
    this.sids = this.#sids;
  }

  init(): void {}

  close(): void {}

  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  addAll(id: SocketId, rooms: Set<Room>): void {
    // Even with no rooms the socket is known from now on, and so a target of broadcasts to all (as
    // socket.io-adapter: adapters and direct callers may add a socket without its own room).
    if (rooms.size === 0 && !this.sids.has(id)) this.sids.set(id, new Set());
    for (const room of rooms) {
      if (this.#sids.includes(id, room) && this.#rooms.includes(room, id)) continue;
      if (room === id && !this.sids.has(id) && !this.rooms.has(room)) {
        // A socket's own room, the only one most sockets ever join: no Set at all until one of the
        // maps is read there or either entry changes (see RoomMap; heap per idle socket).
        this.#sids.setOwn(id);
        this.#rooms.setOwn(room);
        this.emit('create-room', room);
        this.emit('join-room', room, id);
        continue;
      }
      let joined = this.#joinedForWrite(id);
      if (joined === undefined) {
        joined = new Set();
        this.sids.set(id, joined);
      }
      joined.add(room);
      let members = this.#membersForWrite(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit('create-room', room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit('join-room', room, id);
      }
    }
  }

  del(id: SocketId, room: Room): void {
    this.#joinedForWrite(id)?.delete(room);
    this.#removeFromRoom(room, id);
  }

  delAll(id: SocketId): void {
    if (!this.sids.has(id)) return;
    if (this.#sids.isOwn(id)) this.#removeFromRoom(id, id);
    else for (const room of this.sids.get(id) as Set<Room>) this.#removeFromRoom(room, id);
    this.sids.delete(id);
  }

  /** The rooms of `id`, unshared first if the Set is also its own room's members. */
  #joinedForWrite(id: SocketId): Set<Room> | undefined {
    return this.#sids.forWrite(id);
  }

  /** The members of `room`, unshared first if the Set is also the room list of the socket of that id. */
  #membersForWrite(room: Room): Set<SocketId> | undefined {
    return this.#rooms.forWrite(room);
  }

  broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    const encoded = this.#encode(packet);
    const writeOptions = toWriteOptions(opts.flags, encoded);
    this.#apply(opts, (socket) => socket._deliver(packet, encoded, writeOptions));
  }

  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    // One id for every target, taken from the namespace counter so it collides with no pending ack.
    packet.id = this.nsp._nextAckId();
    const encoded = this.#encode(packet);
    const writeOptions = toWriteOptions(opts.flags, encoded);
    let clientCount = 0;
    this.#apply(opts, (socket) => {
      clientCount++;
      socket._deliver(packet, encoded, writeOptions, ack);
    });
    clientCountCallback(clientCount);
  }

  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.#apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  fetchSockets(opts: BroadcastOptions): Promise<AdapterSocket[]> {
    const found: AdapterSocket[] = [];
    this.#apply(opts, (socket) => found.push(socket));
    return Promise.resolve(found);
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#apply(opts, (socket) => void socket.join(rooms));
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#apply(opts, (socket) => {
      for (const room of rooms) void socket.leave(room);
    });
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.#apply(opts, (socket) => socket.disconnect(close));
  }

  serverSideEmit(_packet: unknown[]): void {
    // Same message as socket.io-adapter: there is no other server to reach.
    console.warn('this adapter does not support the serverSideEmit() functionality');
  }

  /** No recovery here (see SessionAwareAdapter, the default when the option is on). */
  persistSession(_session: SessionToPersist): void {}

  restoreSession(_pid: string, _offset: string | undefined): Promise<RestoredSession | null> | RestoredSession | null {
    return null;
  }

  #encode(packet: SocketPacket): EncodedPacket {
    packet.nsp = this.nsp.name;
    const customEncode = this.#customEncode;
    return customEncode === undefined ? encodeSocketPacket(packet) : customEncode(packet);
  }

  #removeFromRoom(room: Room, id: SocketId): void {
    if (this.#rooms.isOwn(room)) {
      // The room holds only the socket it is named after.
      if (id !== room) return;
      // In the order of a Set emptied below: leave-room while the room still exists, then delete-room.
      this.#rooms.forWrite(room)?.delete(id);
      this.emit('leave-room', room, id);
      if (this.rooms.delete(room)) this.emit('delete-room', room);
      return;
    }
    const members = this.#membersForWrite(room);
    if (members === undefined) return;
    if (members.delete(id)) this.emit('leave-room', room, id);
    if (members.size === 0 && this.rooms.delete(room)) this.emit('delete-room', room);
  }

  // Snapshot the targets first: a callback may join, leave or disconnect, which edits the maps we walk.
  #apply(opts: BroadcastOptions, callback: (socket: AdapterSocket) => void): void {
    const excluded = this.#socketsIn(opts.except);
    const targets: AdapterSocket[] = [];
    if (opts.rooms.size > 0) {
      const seen = new Set<SocketId>();
      for (const room of opts.rooms) {
        const members = this.#rooms.peek(room);
        if (members === undefined) continue;
        for (const id of members) {
          if (seen.has(id) || excluded.has(id)) continue;
          seen.add(id);
          const socket = this.nsp.sockets.get(id);
          if (socket !== undefined) targets.push(socket);
        }
      }
    } else {
      for (const id of this.sids.keys()) {
        if (excluded.has(id)) continue;
        const socket = this.nsp.sockets.get(id);
        if (socket !== undefined) targets.push(socket);
      }
    }
    for (const socket of targets) callback(socket);
  }

  #socketsIn(rooms: Set<Room> | undefined): Set<SocketId> {
    const ids = new Set<SocketId>();
    if (rooms === undefined) return ids;
    for (const room of rooms) {
      const members = this.#rooms.peek(room);
      if (members !== undefined) for (const id of members) ids.add(id);
    }
    return ids;
  }
}

/**
 * One options object for every target. A packet that is a single text message also gets its WebSocket
 * frame, built here once: each WebSocket session without permessage-deflate writes those bytes as they
 * are instead of converting the text again (as socket.io-adapter and engine.io do).
 */
function toWriteOptions(flags: BroadcastFlags | undefined, encoded: EncodedPacket): WriteOptions {
  const volatile = flags?.volatile === true;
  const compress = flags?.compress !== false;
  const only = encoded.length === 1 ? encoded[0] : undefined;
  if (typeof only !== 'string') return { volatile, compress };
  return { volatile, compress, wsPreEncodedFrame: preEncodeWebSocketFrame(only) };
}

/** The entry of a socket's own room while it holds only that socket (see RoomMap). */
const OWN: unique symbol = Symbol('own room');

/**
 * `rooms` or `sids` of the in-memory adapter. A socket's own room, which most sockets never leave
 * nor join others, is stored as a mark instead of a Set of one (~150 bytes per idle socket): it
 * reads as the Set `{key}` (made on first read, then the same object in both maps, as the Set the
 * two shared before), through every Map method and iteration. Internal paths read it with peek()
 * and includes() without making it.
 */
class RoomMap extends Map<string, Set<string>> {
  /** The other map of the adapter (rooms for sids and back). */
  twin: RoomMap | undefined;

  /** Stores the own-room mark at `key`. */
  setOwn(key: string): void {
    super.set(key, OWN as unknown as Set<string>);
  }

  /** Whether `key` holds the own-room mark. */
  isOwn(key: string): boolean {
    return (super.get(key) as unknown) === OWN;
  }

  /** Whether the Set at `key` has `member`, without making an own-room Set. */
  includes(key: string, member: string): boolean {
    const value = super.get(key) as Set<string> | typeof OWN | undefined;
    if (value === OWN) return member === key;
    return value?.has(member) === true;
  }

  /** The members at `key` to read (an own room as `[key]`), without making an own-room Set. */
  peek(key: string): Iterable<string> | undefined {
    const value = super.get(key) as Set<string> | typeof OWN | undefined;
    return value === OWN ? [key] : value;
  }

  /** The Set at `key` to change: an own room becomes a Set of its own here, a Set shared with the twin is copied. */
  forWrite(key: string): Set<string> | undefined {
    const value = super.get(key) as Set<string> | typeof OWN | undefined;
    if (value === OWN) {
      const own = new Set([key]);
      super.set(key, own);
      return own;
    }
    if (value === undefined || value !== this.twin?.peekRaw(key)) return value;
    const copy = new Set(value);
    super.set(key, copy);
    return copy;
  }

  /** @internal The stored value at `key` (a Set or the mark). */
  peekRaw(key: string): unknown {
    return super.get(key);
  }

  /** @internal Stores `set` at `key` where the mark is (the twin making the shared Set). */
  adopt(key: string, set: Set<string>): void {
    if ((super.get(key) as unknown) === OWN) super.set(key, set);
  }

  override get(key: string): Set<string> | undefined {
    const value = super.get(key) as Set<string> | typeof OWN | undefined;
    return value === OWN ? this.#make(key) : value;
  }

  #make(key: string): Set<string> {
    const own = new Set([key]);
    super.set(key, own);
    this.twin?.adopt(key, own);
    return own;
  }

  override forEach(callback: (value: Set<string>, key: string, map: Map<string, Set<string>>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  override *entries(): MapIterator<[string, Set<string>]> {
    for (const [key, value] of super.entries()) yield [key, (value as unknown) === OWN ? this.#make(key) : value];
  }

  override *values(): MapIterator<Set<string>> {
    for (const [, value] of this.entries()) yield value;
  }

  override [Symbol.iterator](): MapIterator<[string, Set<string>]> {
    return this.entries();
  }
}
