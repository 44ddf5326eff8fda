import { InMemoryAdapter } from './adapter.js';
import type { AdapterNamespace, BroadcastOptions } from './adapter.js';
import type { RemoteSocket } from './broadcast.js';
import { Namespace } from './namespace.js';
import type { NamespaceMiddleware } from './namespace.js';
import type { Server } from './server.js';
import type { DefaultEventsMap, EventNames, EventParams, EventsMap, RemoveAcknowledgements } from './typed-events.js';
import type { SocketPacket } from '@switchback/protocol';

/** Decides whether a connection to `name` may create a child of a dynamic namespace. */
export type ParentNspNameMatchFn = (
  name: string,
  auth: Record<string, unknown>,
  fn: (err: Error | null, success: boolean) => void,
) => void;

/** Broadcasts of a parent namespace go to every child (each encodes with its own name). */
class ParentBroadcastAdapter extends InMemoryAdapter {
  readonly #children: ReadonlySet<Namespace<EventsMap, EventsMap, EventsMap, unknown>>;
  /** With connection state recovery each child appends its own offset: each needs its own arguments. */
  readonly #copyData: boolean;

  constructor(nsp: AdapterNamespace, children: ReadonlySet<Namespace<EventsMap, EventsMap, EventsMap, unknown>>) {
    super(nsp);
    this.#children = children;
    this.#copyData = nsp.server?.opts.connectionStateRecovery !== undefined;
  }

  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    for (const child of this.#children) {
      const data = this.#copyData && Array.isArray(packet.data) ? [...(packet.data as unknown[])] : packet.data;
      child.adapter.broadcast({ ...packet, data }, opts);
    }
  }
}

let parentCount = 0;

/**
 * The namespace returned by io.of(regexp) or io.of(fn): its middleware and connection listeners are
 * copied to each child created on a matching connection, and its broadcasts reach every child.
 *
 * @example
 * io.of(/^\/room-\d+$/).on('connection', (socket) => socket.emit('in', socket.nsp.name));
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  readonly #children: Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>;
  readonly #fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) {
    const children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
    super(server, `/_${parentCount++}`, (nsp) => new ParentBroadcastAdapter(nsp, children as never));
    this.#children = children;
  }

  /** The child namespaces created so far. */
  get children(): ReadonlySet<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.#children;
  }

  override use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.#fns.push(fn);
    return super.use(fn);
  }

  override emit<Ev extends EventNames<RemoveAcknowledgements<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<RemoveAcknowledgements<EmitEvents>, Ev>
  ): boolean {
    for (const child of this.#children) child.emit(ev, ...args);
    return true;
  }

  override fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    // As socket.io: the sockets live in the children, which may be on other servers.
    throw new Error('fetchSockets() is not supported on parent namespaces');
  }

  /** @internal Creates the child `name` with this parent's middleware and connection listeners. */
  _createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const child = new Namespace(this.server, name);
    for (const fn of this.#fns) child.use(fn);
    for (const listener of this.listeners('connect')) child.on('connect', listener);
    for (const listener of this.listeners('connection')) child.on('connection', listener);
    this.#children.add(child);
    if (this.server.opts.cleanupEmptyChildNamespaces === true) {
      child._setOnEmpty(() => {
        void child.adapter.close();
        this.server._nsps.delete(child.name);
        this.#children.delete(child);
      });
    }
    this.server._nsps.set(name, child);
    return child;
  }
}
