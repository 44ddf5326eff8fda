import { deconstructData, hasBinary, isBinary, isObject, reconstructData } from './binary.js';
import type { BinaryLike } from './engine-packet.js';
import { ProtocolError } from './errors.js';

export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

export interface SocketPacket {
  type: PacketType;
  nsp: string;
  data?: unknown;
  id?: number;
  attachments?: number;
}

export interface SocketPacketDecoderOptions {
  /** Most attachments one binary packet may announce; default 10, as socket.io-parser. */
  maxAttachments?: number;
}

/**
 * Event names neither side may emit: they mean something to the socket layer itself (socket.io's list).
 * Decoders refuse them from a peer; both socket layers refuse them from the app.
 */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = new Set<string | symbol>([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

// More digits than this cannot be a safe integer anyway.
const MAX_DIGITS = 16;

/**
 * Encodes one socket packet into the items to send as engine message packets. EVENT and ACK whose data
 * holds binary anywhere become BINARY_EVENT / BINARY_ACK: the string with `{"_placeholder":true,"num":N}`
 * first, then each attachment as given. A BINARY_* packet without binary is sent as its plain type.
 * Throws only for data JSON.stringify rejects (cycles, BigInt), as socket.io-parser does.
 *
 * @example
 * encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['chat', 'hi'] }); // ['2["chat","hi"]']
 */
export function encodeSocketPacket(packet: SocketPacket): Array<string | BinaryLike> {
  let type: number = packet.type;
  let data = packet.data;
  const attachments: BinaryLike[] = [];
  if (type > 4 /* CONNECT_ERROR */) type -= 3; // BINARY_* go as EVENT / ACK unless they hold binary
  let out = '';
  if ((type === 2 /* EVENT */ || type === 3 /* ACK */) && hasBinary(data)) {
    data = deconstructData(data, attachments);
    type += 3;
    out = `${attachments.length}-`;
  }
  out = type + out;
  if (packet.nsp && packet.nsp !== '/') out += packet.nsp + ',';
  if (packet.id != null) out += packet.id;
  if (data != null) out += JSON.stringify(data) ?? '';
  return [out, ...attachments];
}

/**
 * Turns the engine messages of one connection back into socket packets, holding a binary packet until its
 * attachments have arrived. Follows socket.io-parser 4.2's rules, returning errors instead of throwing.
 * After an error any half-received binary packet is dropped.
 *
 * @example
 * const decoder = new SocketPacketDecoder();
 * decoder.add('451-["file",{"_placeholder":true,"num":0}]'); // undefined: waiting for 1 attachment
 * decoder.add(bytes); // { type: 2, nsp: '/', data: ['file', bytes] }
 */
export class SocketPacketDecoder {
  readonly #maxAttachments: number;
  #pending: { packet: SocketPacket; attachments: unknown[] } | undefined;

  constructor(options?: SocketPacketDecoderOptions) {
    this.#maxAttachments = options?.maxAttachments ?? 10;
  }

  /** The decoded packet, `undefined` while a binary packet waits for attachments, or the error. */
  add(chunk: string | BinaryLike): SocketPacket | ProtocolError | undefined {
    const pending = this.#pending;
    if (typeof chunk === 'string') {
      this.#pending = undefined;
      if (pending) return new ProtocolError('INVALID_ATTACHMENTS');
      const packet = decodeSocketString(chunk, this.#maxAttachments);
      if (packet instanceof ProtocolError || packet.attachments === undefined) return packet;
      packet.type = (packet.type - 3) as PacketType; // BINARY_EVENT -> EVENT, BINARY_ACK -> ACK
      this.#pending = { packet, attachments: [] };
      return undefined;
    }
    if (!isBinary(chunk)) {
      this.#pending = undefined;
      return new ProtocolError('INVALID_DATA');
    }
    if (!pending) return new ProtocolError('UNEXPECTED_BINARY');
    const { packet, attachments } = pending;
    if (attachments.push(chunk) < (packet.attachments as number)) return undefined;
    this.#pending = undefined;
    const data = reconstructData(packet.data, attachments);
    if (data instanceof ProtocolError) return data;
    delete packet.attachments;
    if (data !== undefined) packet.data = data;
    return packet;
  }

  /** Drops a half-received binary packet (the connection closed or the session moved on). */
  reset(): void {
    this.#pending = undefined;
  }
}

/**
 * `<type>[<attachments>-][<nsp>,][<ackId>][JSON]`. A BINARY_* packet comes back with `attachments` set and
 * placeholders still in `data`.
 */
export function decodeSocketString(str: string, maxAttachments: number): SocketPacket | ProtocolError {
  // Char codes, not one-character strings, on this hot path: '0'..'9' are 48..57, '/' is 47.
  const type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) {
    return str === ''
      ? new ProtocolError('EMPTY_PACKET')
      : new ProtocolError('UNKNOWN_PACKET_TYPE');
  }
  const packet: SocketPacket = { type: type as PacketType, nsp: '/' };
  let i = 1;
  if (type > 4 /* CONNECT_ERROR */) {
    // BINARY_EVENT / BINARY_ACK: `<count>-`; only the first 16 digits count, more is over any limit.
    i = digitsEnd(str, 1);
    const count = Number(str.slice(1, Math.min(i, 1 + MAX_DIGITS)));
    if (str[i] !== '-' || !(count >= 1)) return new ProtocolError('INVALID_ATTACHMENTS');
    if (count > maxAttachments || i > 1 + MAX_DIGITS) {
      return new ProtocolError('TOO_MANY_ATTACHMENTS');
    }
    packet.attachments = count;
    i++;
  }
  // A namespace runs from '/' up to the first ',' or the end of the packet.
  if (str.charCodeAt(i) === 47) {
    const comma = str.indexOf(',', i);
    const end = comma === -1 ? str.length : comma;
    packet.nsp = str.slice(i, end);
    i = end + 1;
  }
  const idStart = i;
  let id = 0;
  for (let c = str.charCodeAt(i); c >= 48 && c <= 57; c = str.charCodeAt(++i)) id = id * 10 + (c - 48);
  if (i > idStart) {
    if (i - idStart > MAX_DIGITS || !Number.isSafeInteger(id)) return new ProtocolError('INVALID_ACK_ID');
    packet.id = id;
  }
  if (i < str.length) {
    let payload: unknown;
    try {
      payload = JSON.parse(str.slice(i));
    } catch {
      // `2admin,["x"]` (the reference calls it an invalid payload) rather than broken JSON.
      const comma = str.indexOf(',', i);
      return packet.nsp === '/' && comma > i && !/[[{"]/.test(str.slice(i, comma))
        ? new ProtocolError('INVALID_NAMESPACE')
        : new ProtocolError('INVALID_JSON');
    }
    if (!isPayloadValid(type, payload)) return new ProtocolError('INVALID_PAYLOAD');
    packet.data = payload;
  }
  return packet;
}

/** Index of the first non-digit at or after `i`. */
function digitsEnd(str: string, i: number): number {
  for (let c = str.charCodeAt(i); c >= 48 && c <= 57; c = str.charCodeAt(++i));
  return i;
}

function isPayloadValid(type: number, payload: unknown): boolean {
  if (type === 0 /* CONNECT */) return isPlainObject(payload);
  if (type === 1 /* DISCONNECT */) return false; // a DISCONNECT carries no data at all
  if (type === 4 /* CONNECT_ERROR */) return typeof payload === 'string' || isPlainObject(payload);
  if (!Array.isArray(payload)) return false;
  if (type === 3 /* ACK */ || type === 6 /* BINARY_ACK */) return true;
  const name: unknown = payload[0];
  return typeof name === 'number' || (typeof name === 'string' && !RESERVED_EVENTS.has(name));
}

function isPlainObject(value: unknown): boolean {
  return isObject(value) && !Array.isArray(value);
}
