import { decodeBase64, encodeBase64 } from './base64.js';
import { isArray, isBinary, isString } from './binary.js';
import { ProtocolError, fail, failType } from './errors.js';

export type EnginePacketType = 'open' | 'close' | 'ping' | 'pong' | 'message' | 'upgrade' | 'noop';
/** Raw bytes as any transport hands them over; a Node Buffer is an ArrayBufferView. */
export type BinaryLike = ArrayBuffer | ArrayBufferView;
export type EngineData = string | BinaryLike;
/**
 * How bytes decoded from 'b' + base64 are returned. 'nodebuffer' (and no binaryType where a global
 * `Buffer` exists, i.e. Node) is a Buffer over the decoded bytes, as engine.io-parser gives; 'uint8array'
 * is always a plain Uint8Array.
 */
export type BinaryType = 'uint8array' | 'arraybuffer' | 'nodebuffer';

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

/** Node's Buffer, read from globalThis so that browser bundles pull in no Node built-in. */
const NodeBuffer = (globalThis as { Buffer?: { from(buffer: ArrayBufferLike): Uint8Array } }).Buffer;

/** Packet type by its digit (the same in Engine.IO v3 and v4). */
export const ENGINE_PACKET_TYPES = 'open close ping pong message upgrade noop'.split(' ') as readonly EnginePacketType[];
/** Type digit by packet type: a keyed lookup on the hot path, not indexOf. */
const TYPE_CHARS = Object.fromEntries(ENGINE_PACKET_TYPES.map((name, i) => [name, `${i}`])) as Record<EnginePacketType, string>;

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
  // Not `data ?? ''`: the extra empty concatenation measurably slows polling payloads of many packets.
  if (data === undefined) return TYPE_CHARS[packet.type];
  if (typeof data === 'string') return TYPE_CHARS[packet.type] + data;
  // A number (or other non-binary value) from untyped JS callers is sent as its text, as engine.io does:
  // treating it as binary sent an empty frame or broke the WebSocket.
  if (!isBinary(data)) return TYPE_CHARS[packet.type] + String(data);
  return supportsBinary ? data : 'b' + encodeBase64(data);
}

/**
 * Decodes one WebSocket frame or one payload item. Binary input is a message packet carrying that same
 * object; 'b' + base64 is a message packet whose bytes come back as `binaryType`.
 *
 * @example
 * decodeEnginePacket('4hello'); // { type: 'message', data: 'hello' }
 * decodeEnginePacket('9');      // ProtocolError { code: 'UNKNOWN_PACKET_TYPE' }
 */
export function decodeEnginePacket(data: string | BinaryLike, binaryType?: BinaryType): EnginePacket | ProtocolError {
  if (typeof data !== 'string') {
    // As engine.io-parser: any binary frame (a Blob too, in browsers) is a message.
    return isBinary(data) ? { type: 'message', data } : fail('INVALID_DATA');
  }
  const code = data.charCodeAt(0);
  if (code === 98) {
    // 'b' + base64: binary data in a text-only payload.
    const bytes = decodeBase64(data, 1);
    if (bytes instanceof ProtocolError) return bytes;
    // The bytes own their whole buffer: the Buffer shares it (no copy).
    return {
      type: 'message',
      data: binaryType === 'arraybuffer' ? (bytes.buffer as ArrayBuffer) : (binaryType !== 'uint8array' && NodeBuffer?.from(bytes.buffer)) || bytes,
    };
  }
  const type = ENGINE_PACKET_TYPES[code - 48];
  if (type === undefined) return failType(data);
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
  if (typeof payload !== 'string') return fail('INVALID_DATA');
  const maxLength = options?.maxLength;
  if (maxLength !== undefined && payload.length > maxLength) return fail('PAYLOAD_TOO_LARGE');
  const binaryType = options?.binaryType;
  const packets: EnginePacket[] = [];
  // indexOf + slice: several times faster than split() here (measured), and this runs for every polling POST.
  // Each line of this loop was measured: an `end >>> 0` trick instead of `undefined` costs 10-20%.
  for (let start = 0, end = 0; end !== -1; start = end + 1) {
    end = payload.indexOf(RECORD_SEPARATOR, start);
    const packet = decodeEnginePacket(payload.slice(start, end === -1 ? undefined : end), binaryType);
    if (packet instanceof ProtocolError) return packet;
    packets.push(packet);
  }
  return packets;
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
  } catch {
    return fail('INVALID_JSON');
  }
  // Object(null) is {}: every field is then missing.
  const open = Object(value) as Partial<Record<keyof OpenPacketData, unknown>>;
  const { sid, upgrades, pingInterval, pingTimeout } = open;
  const maxPayload = open.maxPayload ?? 0;
  return sid &&
    isString(sid) &&
    isArray(upgrades) &&
    upgrades.every(isString) &&
    [pingInterval, pingTimeout, maxPayload].every((n) => Number.isFinite(n) && (n as number) >= 0)
    ? ({ sid, upgrades, pingInterval, pingTimeout, maxPayload } as OpenPacketData)
    : new ProtocolError('INVALID_DATA', 'invalid open packet');
}
