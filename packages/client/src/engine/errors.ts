/** Stable codes for engine errors (emitted as 'error' / 'upgradeError', never thrown from I/O). */
export type EngineErrorCode =
  | 'NO_TRANSPORT'          // no usable transport (no WebSocket constructor and polling not allowed)
  | 'WEBSOCKET_ERROR'       // the WebSocket reported an error, or could not be created or written
  | 'WEBSOCKET_STALLED'     // no open packet / no answer within webSocketTimeout (handled silently today)
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
  // `declare`: assigned in the constructor, so no field definitions are emitted (bundle size).
  declare readonly code: EngineErrorCode;
  declare readonly status: number | undefined;
  declare readonly type: 'TransportError' | 'UpgradeError' | 'EngineError';
  declare readonly transport: 'websocket' | 'polling' | undefined;
  /** engine.io-client compatibility: the HTTP status or the underlying event. */
  declare readonly description: unknown;
  /** engine.io-client compatibility: for an HTTP answer, `{ readyState: 4, status, responseText }` (its XHR). */
  declare readonly context: unknown;

  constructor(
    message: string,
    options: {
      code: EngineErrorCode;
      status?: number | undefined;
      cause?: unknown;
      transport?: 'websocket' | 'polling';
      type?: EngineError['type'];
      context?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    const { code, status, transport, type = 'TransportError' } = options;
    this.name = 'EngineError';
    this.code = code;
    this.status = status;
    this.transport = transport;
    this.type = type;
    this.description = status ?? options.cause;
    this.context = options.context;
  }
}

export function isEngineError(value: unknown): value is EngineError {
  return value instanceof EngineError;
}

/**
 * An EngineError whose message is its code in words ('POLL_TIMEOUT' → 'poll timeout') unless given:
 * one short message per code keeps the bundle small. Probe failures are engine.io-client's UpgradeError.
 */
export function engineError(
  code: EngineErrorCode,
  transport?: 'websocket' | 'polling',
  cause?: unknown,
  status?: number,
  message = code.toLowerCase().replaceAll('_', ' '),
  context?: unknown,
): EngineError {
  return new EngineError(message, { code, cause, status, transport, type: code.startsWith('PROBE') ? 'UpgradeError' : undefined, context });
}
