// The Server's entry points that act on the main namespace, as socket.io's do: broadcasting
// (io.emit(), io.to(room)…) and the listener methods (io.on('connection') === io.sockets.on(…)).
import { EventEmitter } from 'node:events';
import type { Room, SocketId } from './adapter.js';
import type { BroadcastOperator, RemoteSocket } from './broadcast.js';
import type { Namespace, NamespaceMiddleware } from './namespace.js';
import type { ServerReservedEventsMap } from './server-options.js';
import { StrictEventEmitter } from './typed-events.js';
import type {
  AllButLast,
  AnyListener,
  DecorateAcknowledgementsWithMultipleResponses,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  RemoveAcknowledgements,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
} from './typed-events.js';

type ServerListenName<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> = ReservedOrUserEventNames<
  ServerReservedEventsMap<L, E, S, D>,
  S
>;
type ServerListener<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
  Ev extends ServerListenName<L, E, S, D>,
> = ReservedOrUserListener<ServerReservedEventsMap<L, E, S, D>, S, Ev>;

/** The base of Server: every method here forwards to `sockets`, the main namespace. */
export abstract class MainNamespaceEntryPoints<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  ServerReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The main namespace, `/`. */
  abstract readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.except(room);
  }

  /** Sends to every socket of the main namespace. */
  override emit<Ev extends EventNames<RemoveAcknowledgements<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<RemoveAcknowledgements<EmitEvents>, Ev>
  ): boolean {
    return this.sockets.emit(ev, ...args);
  }

  send(...args: EventParams<EmitEvents, 'message'>): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, 'message'>): this {
    return this.send(...args);
  }

  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.compress(compress);
  }

  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.local;
  }

  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.timeout(timeout);
  }

  fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room: Room | Room[]): void {
    this.sockets.socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  // Listener methods act on the main namespace, as socket.io does: io.on('connection') === io.sockets.on(...).
  override on<Ev extends ServerListenName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return this.#delegate('on', ev, listener as AnyListener);
  }

  override once<Ev extends ServerListenName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return this.#delegate('once', ev, listener as AnyListener);
  }

  override listeners<Ev extends ServerListenName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
  ): Array<ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>> {
    return EventEmitter.prototype.listeners.call(this.sockets, ev) as Array<
      ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>
    >;
  }

  override off(ev: string | symbol, listener: AnyListener): this {
    return this.#delegate('off', ev, listener);
  }

  override addListener(ev: string | symbol, listener: AnyListener): this {
    return this.#delegate('addListener', ev, listener);
  }

  override removeListener(ev: string | symbol, listener: AnyListener): this {
    return this.#delegate('removeListener', ev, listener);
  }

  override prependListener(ev: string | symbol, listener: AnyListener): this {
    return this.#delegate('prependListener', ev, listener);
  }

  override prependOnceListener(ev: string | symbol, listener: AnyListener): this {
    return this.#delegate('prependOnceListener', ev, listener);
  }

  override removeAllListeners(ev?: string | symbol): this {
    EventEmitter.prototype.removeAllListeners.call(this.sockets, ev);
    return this;
  }

  override listenerCount(ev: string | symbol): number {
    return EventEmitter.prototype.listenerCount.call(this.sockets, ev);
  }

  override eventNames(): Array<string | symbol> {
    return EventEmitter.prototype.eventNames.call(this.sockets);
  }

  #delegate(
    method: 'on' | 'once' | 'off' | 'addListener' | 'removeListener' | 'prependListener' | 'prependOnceListener',
    ev: string | symbol,
    listener: AnyListener,
  ): this {
    EventEmitter.prototype[method].call(this.sockets, ev, listener);
    return this;
  }
}
