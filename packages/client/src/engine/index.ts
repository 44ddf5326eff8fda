/**
 * `@switchback/client/engine`: one Engine.IO v4 connection with engine.io-client's `Socket` shape.
 * WebSocket first, long-polling fallback (also when a proxy passes the 101 and stalls), remembered
 * fallback, and the polling → WebSocket upgrade.
 *
 * @example
 * ```ts
 * import { Socket } from '@switchback/client/engine';
 * const socket = new Socket('http://localhost:3000', { path: '/engine.io' });
 * socket.on('open', () => socket.send('hello'));
 * socket.on('message', (data) => console.log(data));
 * ```
 */
export { Socket, protocol } from './socket.js';
export type { BinaryType, CreatedPacket, SocketEvents, SocketState, HandshakeData } from './socket.js';
// engine.io-client's transport exports; XHR, NodeXHR and Fetch are one long-polling class here, WebSocket
// and NodeWebSocket one WebSocket class.
export {
  Polling,
  Polling as Fetch,
  Polling as NodeXHR,
  Polling as XHR,
  Transport,
  TransportError,
  WebSocketTransport,
  WebSocketTransport as NodeWebSocket,
  WebSocketTransport as WebSocket,
  WebTransport,
  installTimerFunctions,
  nextTick,
  transports,
} from './transport-classes.js';
export type { TransportOptions } from './transport-classes.js';
export { EngineError, isEngineError } from './errors.js';
export { parse } from './parseuri.js';
export type { ParsedUri } from './parseuri.js';
export type { EngineErrorCode } from './errors.js';
export {
  InMemoryFallbackMemory,
  SessionStorageFallbackMemory,
  createDefaultFallbackMemory,
  fallbackKey,
} from './fallback-memory.js';
export type {
  Clock,
  FallbackMemory,
  SocketOptions,
  TlsOptions,
  Transport as TransportLike,
  TransportConstructor,
  TransportEvents,
  TransportName,
  TransportState,
  WebSocketConstructorLike,
  WebSocketLike,
} from './types.js';
