export { Server } from './server.js';
export type { ServerOptions, ServerReservedEventsMap } from './server.js';
export type { ConnectionStateRecoveryOptions, Parser, ParserDecoder, ParserEncoder } from './server-options.js';
export { Namespace } from './namespace.js';
export type { NamespaceMiddleware, NamespaceReservedEventsMap } from './namespace.js';
export { ParentNamespace } from './parent-namespace.js';
export type { ParentNspNameMatchFn } from './parent-namespace.js';
export { Socket } from './socket.js';
export type { Event } from './socket.js';
export { Client } from './client.js';
export { BroadcastOperator } from './broadcast.js';
export type { RemoteSocket, RemoteSocketWithTimeout } from './broadcast.js';
export { InMemoryAdapter, createAdapter } from './adapter.js';
export { SessionAwareAdapter } from './session-aware-adapter.js';
export type {
  Adapter,
  AdapterConstructor,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  BroadcastFlags,
  BroadcastOptions,
  EncodedPacket,
  RestoredSession,
  Room,
  SessionToPersist,
  SocketId,
  WriteOptions,
} from './adapter.js';
export type { DisconnectReason, ExtendedError, Handshake, SocketReservedEventsMap } from './socket-types.js';
export type {
  AllButLast,
  AnyListener,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventNamesWithError,
  EventNamesWithoutAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  RemoveAcknowledgements,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  TypedEventBroadcaster,
} from './typed-events.js';
export { StrictEventEmitter } from './typed-events.js';
