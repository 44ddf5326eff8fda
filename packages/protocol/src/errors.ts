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
  | 'TOO_MANY_ATTACHMENTS'
  | 'INVALID_MSGPACK';

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
  declare readonly code: ProtocolErrorCode;
  /** Without a message, the code says it: 'INVALID_ACK_ID' -> 'invalid ack id'. */
  constructor(code: ProtocolErrorCode, message = code.toLowerCase().replaceAll('_', ' '), options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  // The name and the brand live on the prototype: set once, not per error, and fewer bytes in the browser
  // bundle than per-instance defineProperty.
  static {
    Object.assign(this.prototype, { name: 'ProtocolError', [BRAND]: true });
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
  // `?.` rather than a typeof check: primitives have no brand, and only null/undefined would throw.
  return (value as { [BRAND]?: unknown } | null | undefined)?.[BRAND] === true;
}

/** The error for `code` with its default message; decoders return it (one short call per rejection site). */
export function fail(code: ProtocolErrorCode): ProtocolError {
  return new ProtocolError(code);
}

/** A packet whose type character is missing or unknown (shared by the engine and socket decoders). */
export function failType(text: string): ProtocolError {
  return fail(text ? 'UNKNOWN_PACKET_TYPE' : 'EMPTY_PACKET');
}
