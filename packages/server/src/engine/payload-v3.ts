// Engine.IO protocol v3 framing (engine.io's `allowEIO3`), used only by v3 sessions: packets of a
// polling payload are `<length>:<packet>`, binary data is `b<type><base64>` in text, and a client that
// supports binary gets (and sends) the binary payload format when a payload carries bytes. Over WebSocket
// a binary frame starts with its packet type as a byte.
import { ENGINE_PACKET_TYPES, ProtocolError, isBinary } from '@switchback/protocol';
import type { BinaryLike, EnginePacket, EnginePacketType } from '@switchback/protocol';

const TYPE_NAMES = ENGINE_PACKET_TYPES;
/** Type number by packet type, for the type byte of binary frames and payloads. */
const TYPE_NUMBERS = Object.fromEntries(TYPE_NAMES.map((name, i) => [name, i])) as Readonly<Record<EnginePacketType, number>>;

function toBytes(data: BinaryLike): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function hasBinaryData(packet: EnginePacket): boolean {
  return packet.data !== undefined && typeof packet.data !== 'string' && isBinary(packet.data);
}

/** One packet as text: the type digit and the data, or `b<type><base64>` for bytes. */
export function encodePacketTextV3(packet: EnginePacket): string {
  const type = TYPE_NUMBERS[packet.type];
  const data = packet.data;
  if (data === undefined) return String(type);
  if (typeof data === 'string') return `${type}${data}`;
  if (!isBinary(data)) return `${type}${String(data)}`;
  return `b${type}${toBytes(data).toString('base64')}`;
}

/** One WebSocket frame: text as in v4, bytes behind a type byte (4 for a message). */
export function encodeFrameV3(packet: EnginePacket): string | Buffer {
  const data = packet.data;
  if (data === undefined || typeof data === 'string' || !isBinary(data)) return encodePacketTextV3(packet);
  const bytes = toBytes(data);
  const frame = Buffer.allocUnsafe(bytes.length + 1);
  frame[0] = TYPE_NUMBERS[packet.type];
  bytes.copy(frame, 1);
  return frame;
}

/** Decodes one text packet (`4hi`, `b4AQI=`) or a binary frame (type byte then data). */
export function decodePacketV3(data: string | Buffer): EnginePacket | ProtocolError {
  if (typeof data !== 'string') {
    const type = TYPE_NAMES[data[0] ?? -1];
    if (type === undefined) return new ProtocolError(data.length === 0 ? 'EMPTY_PACKET' : 'UNKNOWN_PACKET_TYPE');
    return { type, data: data.subarray(1) };
  }
  if (data.length === 0) return new ProtocolError('EMPTY_PACKET');
  if (data.charCodeAt(0) === 98) {
    const type = TYPE_NAMES[data.charCodeAt(1) - 48];
    if (type === undefined) return new ProtocolError('UNKNOWN_PACKET_TYPE');
    const base64 = data.slice(2);
    if (!BASE64.test(base64)) return new ProtocolError('INVALID_BASE64');
    return { type, data: Buffer.from(base64, 'base64') };
  }
  const type = TYPE_NAMES[data.charCodeAt(0) - 48];
  if (type === undefined) return new ProtocolError('UNKNOWN_PACKET_TYPE');
  return data.length === 1 ? { type } : { type, data: data.slice(1) };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A polling answer: `<length>:<packet>` text (length in UTF-16 units, `0:` when empty), or, when the
 * client supports binary and some packet carries bytes, the binary payload format.
 */
export function encodePayloadV3(packets: readonly EnginePacket[], supportsBinary: boolean): string | Buffer {
  if (supportsBinary && packets.some(hasBinaryData)) return encodeBinaryPayloadV3(packets);
  if (packets.length === 0) return '0:';
  let out = '';
  for (const packet of packets) {
    const text = encodePacketTextV3(packet);
    out += `${text.length}:${text}`;
  }
  return out;
}

/**
 * The binary payload: per packet a marker byte (0 text, 1 binary), the decimal digits of its length as
 * bytes, 255, then the packet (text as UTF-8, bytes behind their type byte).
 */
export function encodeBinaryPayloadV3(packets: readonly EnginePacket[]): Buffer {
  const parts: Buffer[] = [];
  for (const packet of packets) {
    const binary = hasBinaryData(packet);
    const body = binary ? (encodeFrameV3(packet) as Buffer) : Buffer.from(encodePacketTextV3(packet), 'utf8');
    const digits = String(body.length);
    const header = Buffer.allocUnsafe(digits.length + 2);
    header[0] = binary ? 1 : 0;
    for (let i = 0; i < digits.length; i += 1) header[i + 1] = digits.charCodeAt(i) - 48;
    header[digits.length + 1] = 255;
    parts.push(header, body);
  }
  return Buffer.concat(parts);
}

/** Decodes a POST body in either format; any framing error fails the whole payload. */
export function decodePayloadV3(body: string | Buffer, maxLength?: number): EnginePacket[] | ProtocolError {
  if (maxLength !== undefined && body.length > maxLength) return new ProtocolError('PAYLOAD_TOO_LARGE');
  return typeof body === 'string' ? decodeTextPayload(body) : decodeBinaryPayload(body);
}

function decodeTextPayload(body: string): EnginePacket[] | ProtocolError {
  if (body.length === 0) return new ProtocolError('INVALID_DATA');
  const packets: EnginePacket[] = [];
  let at = 0;
  while (at < body.length) {
    const colon = body.indexOf(':', at);
    if (colon === -1 || colon === at || colon - at > 16) return new ProtocolError('INVALID_DATA');
    const digits = body.slice(at, colon);
    if (!DIGITS.test(digits)) return new ProtocolError('INVALID_DATA');
    const length = Number(digits);
    const start = colon + 1;
    if (start + length > body.length) return new ProtocolError('INVALID_DATA');
    if (length > 0) {
      const packet = decodePacketV3(body.slice(start, start + length));
      if (packet instanceof ProtocolError) return packet;
      packets.push(packet);
    }
    at = start + length;
  }
  return packets;
}

const DIGITS = /^[0-9]+$/;

function decodeBinaryPayload(body: Buffer): EnginePacket[] | ProtocolError {
  const packets: EnginePacket[] = [];
  let at = 0;
  while (at < body.length) {
    const marker = body[at];
    if (marker !== 0 && marker !== 1) return new ProtocolError('INVALID_DATA');
    let length = 0;
    let digits = 0;
    let index = at + 1;
    for (; index < body.length && body[index] !== 255; index += 1) {
      const digit = body[index] as number;
      if (digit > 9 || digits >= 16) return new ProtocolError('INVALID_DATA');
      length = length * 10 + digit;
      digits += 1;
    }
    if (index >= body.length || digits === 0) return new ProtocolError('INVALID_DATA');
    const start = index + 1;
    const end = start + length;
    if (end > body.length || length === 0) return new ProtocolError('INVALID_DATA');
    const chunk = body.subarray(start, end);
    const packet = decodePacketV3(marker === 0 ? chunk.toString('utf8') : chunk);
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
    at = end;
  }
  if (packets.length === 0) return new ProtocolError('INVALID_DATA');
  return packets;
}
