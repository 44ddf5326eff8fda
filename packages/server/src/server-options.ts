import type { Parser } from '@switchback/protocol';
import type { AdapterConstructor } from './adapter.js';
import type { EngineServerOptions } from './engine/index.js';
import type { Namespace, NamespaceReservedEventsMap } from './namespace.js';
import type { EventsMap } from './typed-events.js';

export type { Parser, ParserDecoder, ParserEncoder } from '@switchback/protocol';

/** The `connectionStateRecovery` option: clients that lose their connection may come back as they were. */
export interface ConnectionStateRecoveryOptions {
  /** Milliseconds a lost session and the packets sent meanwhile are kept. Default 120000 (2 minutes). */
  maxDisconnectionDuration?: number;
  /** Skip the namespace middlewares for a restored socket. Default true. */
  skipMiddlewares?: boolean;
}

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
  /**
   * Connection state recovery, off unless given: a client whose connection was lost (network, ping
   * timeout, server-side close) and that reconnects within `maxDisconnectionDuration` gets the same
   * socket id, rooms and `socket.data` back, and the events it missed; `socket.recovered` is then true.
   * Every event sent without ack then carries an offset as its last argument.
   */
  connectionStateRecovery: ConnectionStateRecoveryOptions;
  /**
   * A custom packet codec with socket.io-parser's interface, e.g. `require('socket.io-msgpack-parser')`;
   * clients must use the same one (socket.io-client's `parser` option). Every packet the server writes is
   * encoded with one `new parser.Encoder()` (exposed as `io.encoder`), and each connection's messages go
   * through its own `new parser.Decoder()`. Default Switchback's built-in codec of the standard format.
   */
  parser: Parser;
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
  'connectionStateRecovery',
  'parser',
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
