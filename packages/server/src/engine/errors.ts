import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Engine.IO handshake/request error codes, numerically identical to engine.io's `Server.errors`. */
export const EngineErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

/** The `message` field of the JSON error body, as engine.io words it (clients match on these). */
export const engineErrorMessages: Readonly<Record<EngineErrorCode, string>> = {
  0: 'Transport unknown',
  1: 'Session ID unknown',
  2: 'Bad handshake method',
  3: 'Bad request',
  4: 'Forbidden',
  5: 'Unsupported protocol version',
};

/**
 * A refused request: the code goes on the wire as `{code,message}`, the context is for
 * `connection_error` listeners only (it never reaches the client).
 *
 * @example
 * engine.on('connection_error', (err) => log.warn(err.code, err.message, err.context));
 */
export class EngineRequestError extends Error {
  readonly code: EngineErrorCode;
  /** HTTP status of the answer: 403 for Forbidden, 400 otherwise (as engine.io). */
  readonly status: 400 | 403;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: EngineErrorCode, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    const custom = context['message'];
    super(typeof custom === 'string' && custom !== '' ? custom : engineErrorMessages[code], options);
    this.name = 'EngineRequestError';
    this.code = code;
    this.status = code === EngineErrorCode.FORBIDDEN ? 403 : 400;
    this.context = context;
  }
}

/** Stable codes of the errors a transport reports to its session (then closed as 'transport error'). */
export type TransportErrorCode =
  | 'POLL_OVERLAP'
  | 'DATA_OVERLAP'
  /** Kept for compatibility; no longer reported: a dropped held GET is forgotten (see polling.ts). */
  | 'POLL_CLOSED_PREMATURELY'
  | 'DATA_CLOSED_PREMATURELY'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_CONTENT'
  | 'REQUEST_TIMEOUT'
  | 'WEBSOCKET_ERROR'
  | 'WRITE_ERROR'
  | 'INVALID_HEARTBEAT_DIRECTION';

/** The `description` given with a 'transport error' close. */
export class TransportError extends Error {
  readonly code: TransportErrorCode;
  readonly type = 'TransportError';

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}

/** Answers a refused HTTP request with engine.io's JSON body. */
export function abortRequest(res: ServerResponse, error: EngineRequestError): void {
  // A middleware may already have committed the response before failing.
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = JSON.stringify({ code: error.code, message: error.message });
  // Never cacheable: a proxy that cached "Session ID unknown" would break the next session on that URL.
  res.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * Refuses an upgrade before the WebSocket handshake: a raw HTTP/1.1 400 (engine.io answers 400 even for
 * Forbidden here, and browsers only see "WebSocket failed" anyway), then the socket is destroyed.
 */
export function abortUpgrade(socket: Duplex, error: EngineRequestError): void {
  socket.on('error', socketOnIgnoredError);
  if (socket.writable) {
    const length = Buffer.byteLength(error.message);
    socket.write(
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/html\r\n' +
        `Content-Length: ${length}\r\n` +
        '\r\n' +
        error.message,
    );
  }
  socket.destroy();
}

function socketOnIgnoredError(): void {
  // The peer may reset the connection while we refuse it; nothing is left to do with that socket.
}
