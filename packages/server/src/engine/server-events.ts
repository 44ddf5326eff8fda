import type { IncomingMessage } from 'node:http';
import type { EngineSocket } from './session.js';
import type { OutgoingPacket } from './transport.js';

export interface ConnectionError {
  req: IncomingMessage;
  code: number;
  message: string;
  context: unknown;
}

/** The events of an EngineServer. */
export interface EngineServerEvents {
  connection: [socket: EngineSocket];
  connection_error: [err: ConnectionError];
  initial_headers: [headers: Record<string, string>, req: IncomingMessage];
  headers: [headers: Record<string, string>, req: IncomingMessage];
  /** A session's write buffer is about to be handed to its transport. */
  flush: [socket: EngineSocket, buffer: OutgoingPacket[]];
  /** A session's write buffer was handed to its transport. */
  drain: [socket: EngineSocket];
}
