import { RECORD_SEPARATOR, TYPE_NAMES, isBinaryLike, toUint8Array } from './engine-packet.js';
import type { BinaryLike, BinaryType, DecodePayloadOptions, EnginePacket, OpenPacketData } from './engine-packet.js';
import { ProtocolError } from './errors.js';

// The same codec as engine-packet.ts, for bundles where bytes count more than speed on large binaries:
// base64 goes through the platform's btoa/atob (browsers, Node >= 16) instead of the lookup tables, so
// none of base64.ts ends up in a browser bundle. Same results and error codes (engine-packet-compact.test.ts
// checks them against the fast codec); shorter error messages.

/** Same as encodeBase64, through btoa. */
export function encodeBase64Compact(bytes: Uint8Array): string {
  let text = '';
  // Chunks keep the spread under engines' argument limits.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Same as decodeBase64 of `text.slice(start)`, through atob (which alone would also accept whitespace). */
export function decodeBase64Compact(text: string, start = 0): Uint8Array | ProtocolError {
  let end = text.length;
  if (end > start && text[end - 1] === '=') end--;
  if (end > start && text[end - 1] === '=') end--;
  const body = text.slice(start, end);
  if ((body.length & 3) === 1 || !/^[\w+/-]*$/.test(body)) return new ProtocolError('INVALID_BASE64', 'invalid base64');
  const binary = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Same as encodeEnginePacket. */
export function encodeEnginePacketCompact(packet: EnginePacket, supportsBinary: boolean): string | BinaryLike {
  const data = packet.data;
  const digit = TYPE_NAMES.indexOf(packet.type);
  if (data === undefined) return `${digit}`;
  if (typeof data === 'string') return digit + data;
  return supportsBinary ? data : 'b' + encodeBase64Compact(toUint8Array(data));
}

/** Same as decodeEnginePacket. */
export function decodeEnginePacketCompact(data: string | BinaryLike, binaryType: BinaryType = 'uint8array'): EnginePacket | ProtocolError {
  if (typeof data !== 'string') {
    return isBinaryLike(data) ? { type: 'message', data } : new ProtocolError('INVALID_DATA', 'not a string or binary');
  }
  if (data === '') return new ProtocolError('EMPTY_PACKET', 'empty packet');
  if (data[0] === 'b') {
    const bytes = decodeBase64Compact(data, 1);
    if (bytes instanceof ProtocolError) return bytes;
    return { type: 'message', data: binaryType === 'arraybuffer' ? (bytes.buffer as ArrayBuffer) : bytes };
  }
  const type = TYPE_NAMES[data.charCodeAt(0) - 48];
  if (type === undefined) return new ProtocolError('UNKNOWN_PACKET_TYPE', 'unknown packet type');
  return data.length === 1 ? { type } : { type, data: data.slice(1) };
}

/** Same as encodePayload. */
export function encodePayloadCompact(packets: readonly EnginePacket[]): string {
  return packets.map((packet) => encodeEnginePacketCompact(packet, false) as string).join(RECORD_SEPARATOR);
}

/** Same as decodePayload. */
export function decodePayloadCompact(payload: string, options?: DecodePayloadOptions): EnginePacket[] | ProtocolError {
  if (typeof payload !== 'string') return new ProtocolError('INVALID_DATA', 'not a string');
  const maxLength = options?.maxLength;
  if (maxLength !== undefined && payload.length > maxLength) return new ProtocolError('PAYLOAD_TOO_LARGE', 'payload too large');
  const packets: EnginePacket[] = [];
  for (const item of payload.split(RECORD_SEPARATOR)) {
    const packet = decodeEnginePacketCompact(item, options?.binaryType);
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
  }
  return packets;
}

const isDuration = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Same as parseOpenPacketData. */
export function parseOpenPacketDataCompact(data: string): OpenPacketData | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    return new ProtocolError('INVALID_JSON', 'open packet is not JSON', { cause });
  }
  const v = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Partial<Record<keyof OpenPacketData, unknown>>;
  const { sid, upgrades, pingInterval, pingTimeout } = v;
  const maxPayload = v.maxPayload ?? 0;
  return typeof sid === 'string' &&
    sid !== '' &&
    Array.isArray(upgrades) &&
    upgrades.every((u) => typeof u === 'string') &&
    isDuration(pingInterval) &&
    isDuration(pingTimeout) &&
    isDuration(maxPayload)
    ? { sid, upgrades: upgrades as string[], pingInterval, pingTimeout, maxPayload }
    : new ProtocolError('INVALID_DATA', 'invalid open packet');
}
