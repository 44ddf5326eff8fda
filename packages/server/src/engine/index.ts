// Public entry of @switchback/server/engine: engine.io's shape (see ARCHITECTURE.md).
export { EngineServer, attach } from './server.js';
// engine.io's names, so `import { Server, Socket } from 'engine.io'` moves over with the import changed.
export { EngineServer as Server } from './server.js';
export { EngineSocket as Socket } from './session.js';
export { listen } from './listen.js';
export { preEncodeWebSocketFrame } from './transports/websocket.js';

/** The Engine.IO protocol revision spoken (engine.io's `protocol` export). */
export const protocol = 4;
export type {
  AttachOptions,
  ConnectMiddleware,
  ConnectionError,
  EngineMiddleware,
  EngineServerEvents,
  EngineServerOptions,
  ResolvedEngineServerOptions,
} from './server.js';
export { EngineSocket } from './session.js';
export type { EngineCloseReason, EngineSocketEvents, EngineSocketState, SendOptions } from './session.js';
export type { OutgoingPacket, PacketOptions, Transport, TransportName, TransportState } from './transport.js';
export { EngineErrorCode, EngineRequestError, TransportError, engineErrorMessages } from './errors.js';
export type { TransportErrorCode } from './errors.js';
export type { CorsOptions } from './cors.js';
export type { HttpCompressionOptions } from './http-compression.js';
export type { CookieOptions } from './cookie.js';
