/**
 * `@switchback/client`: the socket.io-client v4 API over the Switchback engine (WebSocket first,
 * long-polling fallback). Moving from socket.io-client is a change of import.
 *
 * @example
 * ```ts
 * import { io } from '@switchback/client';
 * const socket = io('https://example.com/chat', { auth: { token: 'abc' } });
 * socket.on('connect', () => socket.emit('hello', 'world'));
 * ```
 */
import { Manager } from './manager.js';
import type { ManagerOptions } from './manager.js';
import { Socket } from './socket.js';
import type { SocketOptions } from './socket-types.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';
import { url } from './url.js';

// An object, not a Map: `cache[id]` is shorter minified, and ids start with a scheme (no `__proto__`).
const cache: Record<string, Manager> = {};

/**
 * Returns a Socket for the namespace in the URL's path. Sockets to the same server share one Manager
 * (one connection) unless `forceNew` or `multiplex: false`, or the namespace is already in use.
 *
 * @example
 * const chat = io('https://example.com/chat', { transports: ['websocket', 'polling'] });
 * const admin = io('https://example.com/admin'); // same connection as chat
 */
function lookup<L extends EventsMap = DefaultEventsMap, E extends EventsMap = L>(
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket<L, E>;
function lookup<L extends EventsMap = DefaultEventsMap, E extends EventsMap = L>(
  uri?: string,
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket<L, E>;
function lookup<L extends EventsMap = DefaultEventsMap, E extends EventsMap = L>(
  uri?: string | Partial<ManagerOptions & SocketOptions>,
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket<L, E> {
  if (typeof uri === 'object') {
    opts = uri;
    uri = undefined;
  }
  const { origin, id, path, query } = url(uri, opts?.path || '/socket.io');
  // The options are copied once, by the Manager; here only when the URL's query must be added.
  if (query && !opts?.query) opts = { ...opts, query };
  let manager = cache[id];
  if (opts?.forceNew || opts?.multiplex === false || manager?._n[path]) manager = new Manager(origin, opts);
  else manager ??= cache[id] = new Manager(origin, opts);
  return manager.socket(path, opts) as unknown as Socket<L, E>;
}

/** Socket.IO protocol revision spoken. */
export const protocol = 5;

export { Manager, Socket, lookup as io, lookup as connect, lookup as default };
export { Backoff } from './backoff.js';
// socket.io-client re-exports these engine.io-client transport classes for `transports: [XHR, WebSocket]`.
export { Fetch, NodeWebSocket, NodeXHR, WebSocket, WebTransport, XHR } from './engine/index.js';
export type { BackoffOptions } from './backoff.js';
export type { ManagerOptions, ManagerReservedEvents } from './manager.js';
export type {
  AllButLast,
  DecorateAcknowledgements,
  DisconnectDescription,
  ExtendedError,
  FirstArg,
  Last,
  OutgoingPacket,
  SocketOptions,
  SocketReservedEvents,
  DisconnectReason,
} from './socket-types.js';
export type { DefaultEventsMap, EventNames, EventParams, EventsMap } from './typed-events.js';
