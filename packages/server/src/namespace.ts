import { createAdapter } from './adapter.js';
import type { Adapter, AdapterConstructor, RestoredSession, Room, SocketId } from './adapter.js';
import { RESERVED_EVENTS } from '@switchback/protocol';
import { BroadcastOperator } from './broadcast.js';
import type { RemoteSocket } from './broadcast.js';
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { ConnectionStateRecoveryOptions } from './server-options.js';
import { Socket } from './socket.js';
import type { ExtendedError } from './socket-types.js';
import { StrictEventEmitter } from './typed-events.js';
import type {
  AllButLast,
  DecorateAcknowledgementsWithMultipleResponses,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  RemoveAcknowledgements,
} from './typed-events.js';

export interface NamespaceReservedEventsMap<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> {
  connect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
  connection: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** What a namespace needs from its server. */
export type NamespaceMiddleware<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> = (
  socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  next: (err?: ExtendedError) => void,
) => void;

/**
 * A communication channel multiplexed over the sessions: `/` (io.sockets) or any name from io.of().
 *
 * @example
 * const admin = io.of('/admin');
 * admin.use((socket, next) => (socket.handshake.auth['token'] === 'ok' ? next() : next(new Error('denied'))));
 * admin.on('connection', (socket) => admin.emit('joined', socket.id));
 */
export class Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any -- socket.io's default
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  readonly name: string;
  /** Connected sockets of this namespace by id. */
  readonly sockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  adapter: Adapter;
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** @internal The server's connectionStateRecovery (defaults filled in); undefined when off. */
  readonly _recovery: Required<ConnectionStateRecoveryOptions> | undefined;

  readonly #fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  readonly #adapterFactory: AdapterConstructor | undefined;
  #ids = 0;
  #onEmpty: (() => void) | undefined;

  /** `adapterFactory` overrides the server's adapter (dynamic parent namespaces use it). */
  constructor(
    server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    name: string,
    adapterFactory?: AdapterConstructor,
  ) {
    super();
    this.server = server;
    this.name = name;
    this._recovery = server._recovery;
    this.#adapterFactory = adapterFactory;
    this.adapter = createAdapter(adapterFactory ?? server._adapterConstructor, this);
    void this.adapter.init();
  }

  /** @internal io.adapter(X) was called: later sockets use a fresh adapter of the new kind. */
  _replaceAdapter(): void {
    if (this.#adapterFactory !== undefined) return;
    this.adapter = createAdapter(this.server._adapterConstructor, this);
    void this.adapter.init();
  }

  /** @internal Called when the last socket leaves (cleanupEmptyChildNamespaces). */
  _setOnEmpty(fn: () => void): void {
    this.#onEmpty = fn;
  }

  /** Registers a middleware run for every incoming socket before `connection`; `next(err)` refuses it. */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.#fns.push(fn);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#operator().to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#operator().in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#operator().except(room);
  }

  /** Sends to every socket of the namespace. */
  override emit<Ev extends EventNames<RemoveAcknowledgements<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<RemoveAcknowledgements<EmitEvents>, Ev>
  ): boolean {
    const operator = new BroadcastOperator<RemoveAcknowledgements<EmitEvents>, SocketData>(this.adapter);
    return operator.emit(ev, ...args);
  }

  /** Emits `message` to every socket. */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...rest: unknown[]) => boolean)('message', ...(args as unknown[]));
    return this;
  }

  write(...args: EventParams<EmitEvents, 'message'>): this {
    return this.send(...args);
  }

  /**
   * Sends to the other servers of the cluster (needs a cluster adapter). With a callback last, it is called `(err, responses[])`
   * once every server answered or the adapter's timeout passed.
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    if (RESERVED_EVENTS.has(ev) || ev === 'connection' || ev === 'new_namespace') {
      throw new Error(`"${String(ev)}" is a reserved event name`);
    }
    this.adapter.serverSideEmit([ev, ...(args as unknown[])]);
    return true;
  }

  /** Promise form of serverSideEmit() with an ack (needs a cluster adapter). */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return new Promise((resolve, reject) => {
      const callback = (err: Error | null, responses: FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]): void => {
        if (err) reject(err);
        else resolve(responses);
      };
      (this.serverSideEmit as (ev: Ev, ...rest: unknown[]) => boolean)(ev, ...(args as unknown[]), callback);
    });
  }

  /** @internal A message from another server, given by a cluster adapter. */
  _onServerSideEmit(args: [string, ...unknown[]]): void {
    this.emitUntyped(...args);
  }

  /** Ids of every socket. Deprecated in socket.io in favour of fetchSockets(). */
  allSockets(): Promise<Set<SocketId>> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter).allSockets();
  }

  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#operator().compress(compress);
  }

  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#operator().volatile;
  }

  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#operator().local;
  }

  /** Ack callbacks of the next emit get `(err, responses[])`. */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<EmitEvents>, SocketData>(
      this.adapter,
      new Set(),
      new Set(),
      { timeout },
    );
  }

  fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter).fetchSockets();
  }

  socketsJoin(room: Room | Room[]): void {
    new BroadcastOperator<EmitEvents, SocketData>(this.adapter).socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    new BroadcastOperator<EmitEvents, SocketData>(this.adapter).socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    new BroadcastOperator<EmitEvents, SocketData>(this.adapter).disconnectSockets(close);
  }

  /** @internal Next acknowledgement id, shared by the sockets and broadcasts of this namespace. */
  _nextAckId(): number {
    return this.#ids++;
  }

  /** @internal The same counter under socket.io's name, which socket.io-adapter based adapters bump. */
  get _ids(): number {
    return this.#ids;
  }

  set _ids(value: number) {
    this.#ids = value;
  }

  /**
   * @internal A CONNECT for this namespace: runs the middleware, then either refuses (CONNECT_ERROR with
   * the error's message and data) or connects and emits `connection`. `onConnect` runs before the event.
   * With connection state recovery, a CONNECT carrying a `pid` (and the last `offset` seen) first asks
   * the adapter for that session; a restored socket skips the middleware unless told otherwise.
   */
  _add(
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown> | undefined,
    onConnect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): void {
    const recovery = this._recovery;
    const pid = auth?.['pid'];
    const offset = auth?.['offset'];
    // An offset that is not a string fails closed (a new session), as socket.io.
    if (recovery === undefined || typeof pid !== 'string' || (offset !== undefined && typeof offset !== 'string')) {
      this.#admit(client, auth, onConnect, undefined);
      return;
    }
    void this.#restore(pid, offset).then((session) => {
      if (client.conn.readyState === 'open') this.#admit(client, auth, onConnect, session ?? undefined);
    });
  }

  /** The adapter's answer for `pid`; null when it has none or fails (the client then starts afresh). */
  async #restore(pid: string, offset: string | undefined): Promise<RestoredSession | null> {
    try {
      return (await this.adapter.restoreSession?.(pid, offset)) ?? null;
    } catch {
      return null;
    }
  }

  // As socket.io's: an ack given to a broadcast is called with every client's answer (an array per argument).
  #operator(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator(this.adapter);
  }

  #admit(
    client: Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown> | undefined,
    onConnect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
    session: RestoredSession | undefined,
  ): void {
    const socket = new Socket(this, client, auth, session);
    const connect = (err?: ExtendedError): void => {
      process.nextTick(() => {
        // The session may have ended while an async middleware was running.
        if (client.conn.readyState !== 'open') {
          socket._cleanup();
          return;
        }
        if (err) {
          socket._cleanup();
          // A Socket.IO v2 client (Engine.IO v3 session) gets the data, or else the message, as is.
          if (client.conn.protocol === 3) socket._error(err.data || err.message);
          else socket._error({ message: err.message, data: err.data });
          return;
        }
        this.sockets.set(socket.id, socket);
        client._connecting(() => {
          socket._onconnect();
          onConnect(socket);
          this.emitReserved('connect', socket);
          this.emitReserved('connection', socket);
        });
      });
    };
    if (session !== undefined && this._recovery?.skipMiddlewares === true) connect();
    else this.#run(socket, connect);
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    if (this.sockets.get(socket.id) === socket) this.sockets.delete(socket.id);
    // Also for a socket refused by middleware (never added): as socket.io, an empty child namespace is
    // then cleaned up too.
    if (this.sockets.size === 0) this.#onEmpty?.();
  }

  #run(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    done: (err?: ExtendedError) => void,
  ): void {
    const fns = [...this.#fns];
    const step = (i: number): void => {
      const fn = fns[i];
      if (fn === undefined) return done();
      let called = false;
      try {
        fn(socket, (err) => {
          if (called) return;
          called = true;
          if (err) done(err);
          else step(i + 1);
        });
      } catch (err) {
        // A throwing middleware refuses the connection rather than crashing the decoder loop.
        if (called) throw err;
        called = true;
        done(err instanceof Error ? err : new Error(String(err)));
      }
    };
    step(0);
  }
}
