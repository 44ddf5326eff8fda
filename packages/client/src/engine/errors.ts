/** Stable codes for engine errors (emitted as 'error' / 'upgradeError', never thrown from I/O). */
export type EngineErrorCode =
  | 'NO_TRANSPORT'          // no usable transport (no WebSocket constructor and polling not allowed)
  | 'WEBSOCKET_ERROR'       // the WebSocket reported an error
  | 'WEBSOCKET_STALLED'     // no open packet / no answer within webSocketTimeout
  | 'POLL_ERROR'            // a polling request failed (network, CORS)
  | 'POLL_HTTP_STATUS'      // a polling request got a non-2xx answer (e.g. 400 "Session ID unknown")
  | 'POLL_TIMEOUT'          // a polling request took longer than requestTimeout
  | 'PARSE_ERROR'           // the server sent something the codec rejected
  | 'HANDSHAKE_ERROR'       // the first packet was not a valid open packet
  | 'PROBE_ERROR'           // the upgrade probe failed
  | 'PROBE_TIMEOUT';        // the upgrade probe took too long

/**
 * An engine failure: a message, a stable `code`, the HTTP status when there was one, and the `cause`.
 * `type` and `description` mirror engine.io-client's TransportError fields that apps log.
 */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly status: number | undefined;
  readonly type: 'TransportError' | 'UpgradeError' | 'EngineError';
  readonly transport: 'websocket' | 'polling' | undefined;
  /** engine.io-client compatibility: the HTTP status or the underlying event. */
  readonly description: unknown;

  constructor(
    message: string,
    options: {
      code: EngineErrorCode;
      status?: number;
      cause?: unknown;
      transport?: 'websocket' | 'polling';
      type?: EngineError['type'];
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'EngineError';
    this.code = options.code;
    this.status = options.status;
    this.transport = options.transport;
    this.type = options.type ?? 'TransportError';
    this.description = options.status ?? options.cause;
  }
}

export function isEngineError(value: unknown): value is EngineError {
  return value instanceof EngineError;
}
