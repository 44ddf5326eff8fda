import { decodeBase64From, encodeBase64 } from './base64.js';
import { ProtocolError } from './errors.js';

export type EnginePacketType = 'open' | 'close' | 'ping' | 'pong' | 'message' | 'upgrade' | 'noop';
/** Raw bytes as any transport hands them over; a Node Buffer is an ArrayBufferView. */
export type BinaryLike = ArrayBuffer | ArrayBufferView;
export type EngineData = string | BinaryLike;
/** How bytes decoded from 'b' + base64 are returned. */
export type BinaryType = 'uint8array' | 'arraybuffer';

export interface EnginePacket {
  readonly type: EnginePacketType;
  readonly data?: EngineData;
}

/** The JSON body of the server's open packet. */
export interface OpenPacketData {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  /** 0 when the server did not announce one (engine.io < 6.2): no limit is known. */
  maxPayload: number;
}

export interface DecodePayloadOptions {
  binaryType?: BinaryType;
  /** Longest accepted payload, in UTF-16 code units; checked before anything is split or allocated. */
  maxLength?: number;
}

/** Separates the packets of one polling payload (ASCII record separator). */
export const RECORD_SEPARATOR = '\x1e';

/** Packet type by its digit (shared with the compact codec). */
export const TYPE_NAMES: readonly EnginePacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
const TYPE_CHARS: Readonly<Record<EnginePacketType, string>> = {
  open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6',
};
const CHAR_0 = 48;
const CHAR_B = 98;

/** ArrayBuffer or any view over one (Buffer, Uint8Array, DataView, …). */
export function isBinaryLike(value: unknown): value is BinaryLike {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** A Uint8Array over the same bytes, without copying. */
export function toUint8Array(data: BinaryLike): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Encodes one packet for one WebSocket frame (`supportsBinary` true: binary data is returned as given, not
 * copied) or for one polling payload item (`supportsBinary` false: binary becomes 'b' + base64, which is
 * implicitly a message). Text packets are the type digit followed by the data.
 *
 * @example
 * encodeEnginePacket({ type: 'message', data: 'hello' }, true); // '4hello'
 * encodeEnginePacket({ type: 'message', data: new Uint8Array([1, 2]) }, false); // 'bAQI='
 */
export function encodeEnginePacket(packet: EnginePacket, supportsBinary: boolean): string | BinaryLike {
  const data = packet.data;
  if (data === undefined) return TYPE_CHARS[packet.type];
  if (typeof data === 'string') return TYPE_CHARS[packet.type] + data;
  return supportsBinary ? data : 'b' + encodeBase64(toUint8Array(data));
}

/**
 * Decodes one WebSocket frame or one payload item. Binary input is a message packet carrying that same
 * object; 'b' + base64 is a message packet whose bytes come back as `binaryType`.
 *
 * @example
 * decodeEnginePacket('4hello'); // { type: 'message', data: 'hello' }
 * decodeEnginePacket('9');      // ProtocolError { code: 'UNKNOWN_PACKET_TYPE' }
 */
export function decodeEnginePacket(
  data: string | BinaryLike,
  binaryType: BinaryType = 'uint8array',
): EnginePacket | ProtocolError {
  if (typeof data !== 'string') {
    if (isBinaryLike(data)) return { type: 'message', data };
    return new ProtocolError('INVALID_DATA', 'an engine packet must be a string or binary data');
  }
  if (data.length === 0) return new ProtocolError('EMPTY_PACKET', 'empty engine packet');
  const code = data.charCodeAt(0);
  if (code === CHAR_B) {
    const bytes = decodeBase64From(data, 1);
    if (bytes instanceof ProtocolError) return bytes;
    return { type: 'message', data: binaryType === 'arraybuffer' ? (bytes.buffer as ArrayBuffer) : bytes };
  }
  const type = TYPE_NAMES[code - CHAR_0];
  if (type === undefined) {
    return new ProtocolError('UNKNOWN_PACKET_TYPE', `unknown engine packet type ${JSON.stringify(data[0])}`);
  }
  // As engine.io-parser: a bare type digit has no `data` at all (not an empty string).
  return data.length === 1 ? { type } : { type, data: data.slice(1) };
}

/**
 * Joins packets into one polling payload; binary data travels as 'b' + base64.
 *
 * @example
 * encodePayload([{ type: 'message', data: 'hi' }, { type: 'ping' }]); // '4hi\x1e2'
 */
export function encodePayload(packets: readonly EnginePacket[]): string {
  let out = '';
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += RECORD_SEPARATOR;
    out += encodeEnginePacket(packets[i] as EnginePacket, false) as string;
  }
  return out;
}

/**
 * Splits and decodes a polling payload. Any bad item fails the whole payload, as the reference server then
 * closes the session with 'parse error'.
 *
 * @example
 * decodePayload('4hi\x1e2'); // [{ type: 'message', data: 'hi' }, { type: 'ping' }]
 */
export function decodePayload(payload: string, options?: DecodePayloadOptions): EnginePacket[] | ProtocolError {
  if (typeof payload !== 'string') {
    return new ProtocolError('INVALID_DATA', 'a polling payload must be a string');
  }
  const maxLength = options?.maxLength;
  if (maxLength !== undefined && payload.length > maxLength) {
    return new ProtocolError('PAYLOAD_TOO_LARGE', `payload of ${payload.length} exceeds ${maxLength}`);
  }
  const binaryType = options?.binaryType ?? 'uint8array';
  const packets: EnginePacket[] = [];
  let start = 0;
  for (;;) {
    const end = payload.indexOf(RECORD_SEPARATOR, start);
    const item = payload.slice(start, end === -1 ? payload.length : end);
    const packet = decodeEnginePacket(item, binaryType);
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
    if (end === -1) return packets;
    start = end + 1;
  }
}

/**
 * Parses and checks the JSON of an open packet.
 *
 * @example
 * parseOpenPacketData('{"sid":"a","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
 */
export function parseOpenPacketData(data: string): OpenPacketData | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    return new ProtocolError('INVALID_JSON', 'open packet data is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalidOpen('is not an object');
  }
  const sid: unknown = Reflect.get(value, 'sid');
  const upgrades: unknown = Reflect.get(value, 'upgrades');
  const pingInterval: unknown = Reflect.get(value, 'pingInterval');
  const pingTimeout: unknown = Reflect.get(value, 'pingTimeout');
  const maxPayload: unknown = Reflect.get(value, 'maxPayload') ?? 0;
  if (typeof sid !== 'string' || sid.length === 0) return invalidOpen('has no sid');
  if (!Array.isArray(upgrades) || !upgrades.every((u): u is string => typeof u === 'string')) {
    return invalidOpen('has invalid upgrades');
  }
  if (!isDuration(pingInterval) || !isDuration(pingTimeout)) return invalidOpen('has invalid ping timings');
  if (!isDuration(maxPayload)) return invalidOpen('has an invalid maxPayload');
  return { sid, upgrades, pingInterval, pingTimeout, maxPayload };
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function invalidOpen(why: string): ProtocolError {
  return new ProtocolError('INVALID_DATA', `open packet data ${why}`);
}
