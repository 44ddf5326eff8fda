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
export { EngineError, isEngineError } from './errors.js';
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
  Transport,
  TransportEvents,
  TransportName,
  TransportState,
  WebSocketConstructorLike,
  WebSocketLike,
} from './types.js';
