import type { AdapterConstructor } from './adapter.js';
import type { EngineServerOptions } from './engine/index.js';
import type { Namespace, NamespaceReservedEventsMap } from './namespace.js';
import type { EventsMap } from './typed-events.js';

/** Options of `new Server()`: socket.io's names and defaults, engine options included. */
export interface ServerOptions extends EngineServerOptions {
  /** Path of the endpoint. Default '/socket.io'. */
  path: string;
  /**
   * Serve the browser client from the installed `@switchback/client` under the path (`socket.io.js`,
   * `.min.js`, `.esm.min.js` and their maps), as Socket.IO does. Default true.
   */
  serveClient: boolean;
  /** Adapter class or factory, one instance per namespace. Default the in-memory adapter. */
  adapter: AdapterConstructor;
  /** Milliseconds a session may stay without joining any namespace. Default 45000. */
  connectTimeout: number;
  /** Remove a dynamic child namespace once its last socket leaves. Default false. */
  cleanupEmptyChildNamespaces: boolean;
}

export interface ServerReservedEventsMap<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> extends NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  new_namespace: (namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

const SOCKET_LAYER_KEYS: ReadonlySet<string> = new Set([
  'path',
  'serveClient',
  'adapter',
  'connectTimeout',
  'cleanupEmptyChildNamespaces',
]);

/** The engine's share of the options: everything but the socket layer's keys, path with its slash. */
export function toEngineOptions(opts: Partial<ServerOptions>, path: string): EngineServerOptions {
  const engineOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (!SOCKET_LAYER_KEYS.has(key) && value !== undefined) engineOptions[key] = value;
  }
  engineOptions['path'] = `${path}/`;
  return engineOptions as EngineServerOptions;
}
