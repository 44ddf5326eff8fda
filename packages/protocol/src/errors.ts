/**
 * Stable codes for every way a wire decoder can reject its input. Callers branch on `code`, never on the
 * message text, which is for humans and may change.
 */
export type ProtocolErrorCode =
  | 'EMPTY_PACKET'
  | 'UNKNOWN_PACKET_TYPE'
  | 'INVALID_DATA'
  | 'INVALID_BASE64'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_JSON'
  | 'INVALID_NAMESPACE'
  | 'INVALID_ACK_ID'
  | 'INVALID_PAYLOAD'
  | 'INVALID_ATTACHMENTS'
  | 'UNEXPECTED_BINARY'
  | 'TOO_MANY_ATTACHMENTS';

// A registry-wide symbol rather than `instanceof` alone: the package ships both ESM and CJS builds, and an
// app that loads both (the dual-package hazard) gets two ProtocolError classes that must still recognise
// each other's errors.
const BRAND = Symbol.for('@switchback/protocol.ProtocolError');

/**
 * What every decoder returns (never throws) for input it cannot accept.
 *
 * @example
 * const packet = decodeEnginePacket(frame);
 * if (isProtocolError(packet)) transport.close('parse error', packet);
 */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** Without a message, the code says it: 'INVALID_ACK_ID' -> 'invalid ack id'. */
  constructor(code: ProtocolErrorCode, message = code.toLowerCase().replaceAll('_', ' '), options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Narrows a decoder result to the error case.
 *
 * @example
 * const result = decodePayload(body, { maxLength: 1e6 });
 * if (isProtocolError(result)) return res.writeHead(400).end();
 */
export function isProtocolError(value: unknown): value is ProtocolError {
  if (value instanceof ProtocolError) return true;
  return typeof value === 'object' && value !== null && Reflect.get(value, BRAND) === true;
}
