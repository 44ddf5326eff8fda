import type { IncomingHttpHeaders } from 'node:http';
import type { ParsedUrlQuery } from 'node:querystring';

/** Why a socket disconnected: socket.io's strings, byte for byte. */
export type DisconnectReason =
  | 'transport error'
  | 'transport close'
  | 'forced close'
  | 'ping timeout'
  | 'parse error'
  | 'server shutting down'
  | 'forced server close'
  | 'client namespace disconnect'
  | 'server namespace disconnect';

/** Local events of a server socket (never sent to the client). */
export interface SocketReservedEventsMap {
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  error: (err: Error) => void;
}

/** The request that opened the session, as socket.io's `socket.handshake`. */
export interface Handshake {
  /** Headers of the first HTTP request of the session. */
  headers: IncomingHttpHeaders;
  /** Date of creation, as `String(new Date())`. */
  time: string;
  /** Remote address of the client. */
  address: string;
  /** Whether the request came with an Origin header. */
  xdomain: boolean;
  /** Whether the connection is over TLS. */
  secure: boolean;
  /** Date of creation, as a Unix timestamp in milliseconds. */
  issued: number;
  /** The request URL. */
  url: string;
  /** The query of the request URL. */
  query: ParsedUrlQuery;
  /** The payload of the client's CONNECT packet (`auth` option of the client). */
  auth: { [key: string]: unknown };
}

/** An error passed to `next()` by a namespace middleware: `message` and `data` reach the client. */
export interface ExtendedError extends Error {
  data?: unknown;
}
