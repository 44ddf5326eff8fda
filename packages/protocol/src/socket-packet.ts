import { deconstructData, hasBinary, isBinary, reconstructData } from './binary.js';
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

const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_DASH = 45;
const CHAR_SLASH = 47;
const CHAR_COMMA = 44;
// More digits than this cannot be a safe integer anyway; stop counting before the number loses precision.
const MAX_ID_DIGITS = 16;

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
  const type = packet.type;
  if (type === PacketType.EVENT || type === PacketType.ACK) {
    if (hasBinary(packet.data)) return encodeBinary(packet, type === PacketType.EVENT);
  } else if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    if (hasBinary(packet.data)) return encodeBinary(packet, type === PacketType.BINARY_EVENT);
    return [encodeHeaderAndData(type === PacketType.BINARY_EVENT ? 2 : 3, '', packet.nsp, packet.id, packet.data)];
  }
  return [encodeHeaderAndData(type, '', packet.nsp, packet.id, packet.data)];
}

function encodeBinary(packet: SocketPacket, isEvent: boolean): Array<string | BinaryLike> {
  const items: Array<string | BinaryLike> = [''];
  const attachments: BinaryLike[] = [];
  const data = deconstructData(packet.data, attachments);
  const type = isEvent ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
  items[0] = encodeHeaderAndData(type, `${attachments.length}-`, packet.nsp, packet.id, data);
  for (const attachment of attachments) items.push(attachment);
  return items;
}

function encodeHeaderAndData(
  type: PacketType,
  attachments: string,
  nsp: string,
  id: number | undefined,
  data: unknown,
): string {
  let out = `${type}${attachments}`;
  if (nsp && nsp !== '/') out += nsp + ',';
  if (id !== undefined && id !== null) out += id;
  if (data !== undefined && data !== null) {
    const json: string | undefined = JSON.stringify(data);
    if (json !== undefined) out += json;
  }
  return out;
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
  #pending: { packet: SocketPacket; expected: number; attachments: unknown[] } | null = null;

  constructor(options?: SocketPacketDecoderOptions) {
    this.#maxAttachments = options?.maxAttachments ?? 10;
  }

  /** The decoded packet, `undefined` while a binary packet waits for attachments, or the error. */
  add(chunk: string | BinaryLike): SocketPacket | ProtocolError | undefined {
    if (typeof chunk === 'string') {
      if (this.#pending !== null) {
        this.#pending = null;
        return new ProtocolError('INVALID_ATTACHMENTS', 'got plaintext data when reconstructing a packet');
      }
      const packet = decodeSocketString(chunk, this.#maxAttachments);
      if (packet instanceof ProtocolError) return packet;
      if (packet.attachments === undefined) return packet;
      packet.type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
      this.#pending = { packet, expected: packet.attachments, attachments: [] };
      return undefined;
    }
    if (!isBinary(chunk)) {
      this.#pending = null;
      return new ProtocolError('INVALID_DATA', 'a socket packet chunk must be a string or binary data');
    }
    const pending = this.#pending;
    if (pending === null) {
      return new ProtocolError('UNEXPECTED_BINARY', 'got binary data when not reconstructing a packet');
    }
    pending.attachments.push(chunk);
    if (pending.attachments.length < pending.expected) return undefined;
    this.#pending = null;
    const packet = pending.packet;
    const data = reconstructData(packet.data, pending.attachments);
    if (data instanceof ProtocolError) return data;
    delete packet.attachments;
    if (data !== undefined) packet.data = data;
    return packet;
  }

  /** Drops a half-received binary packet (the connection closed or the session moved on). */
  reset(): void {
    this.#pending = null;
  }
}

/**
 * `<type>[<attachments>-][<nsp>,][<ackId>][JSON]`. A BINARY_* packet comes back with `attachments` set and
 * placeholders still in `data`.
 */
export function decodeSocketString(str: string, maxAttachments: number): SocketPacket | ProtocolError {
  const length = str.length;
  if (length === 0) return new ProtocolError('EMPTY_PACKET', 'empty socket packet');
  const type = str.charCodeAt(0) - CHAR_0;
  if (!(type >= 0 && type <= 6)) {
    return new ProtocolError('UNKNOWN_PACKET_TYPE', `unknown socket packet type ${JSON.stringify(str[0])}`);
  }
  const packet: SocketPacket = { type: type as PacketType, nsp: '/' };
  let i = 1;

  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    let count = 0;
    const start = i;
    for (let c = str.charCodeAt(i); c >= CHAR_0 && c <= CHAR_9; c = str.charCodeAt(++i)) {
      // Saturate: anything this long is over any sane limit, and the number must not lose precision.
      if (i - start < MAX_ID_DIGITS) count = count * 10 + (c - CHAR_0);
    }
    if (i === start || str.charCodeAt(i) !== CHAR_DASH || count < 1) {
      return new ProtocolError('INVALID_ATTACHMENTS', 'Illegal attachments');
    }
    if (count > maxAttachments || i - start > MAX_ID_DIGITS) {
      return new ProtocolError('TOO_MANY_ATTACHMENTS', `more than ${maxAttachments} attachments`);
    }
    packet.attachments = count;
    i++;
  }

  // A namespace runs from '/' up to the first ',' or the end of the packet.
  if (str.charCodeAt(i) === CHAR_SLASH) {
    const comma = str.indexOf(',', i);
    const end = comma === -1 ? length : comma;
    packet.nsp = str.slice(i, end);
    i = comma === -1 ? length : comma + 1;
  }

  const idStart = i;
  let id = 0;
  for (let c = str.charCodeAt(i); c >= CHAR_0 && c <= CHAR_9; c = str.charCodeAt(++i)) {
    if (i - idStart >= MAX_ID_DIGITS) return new ProtocolError('INVALID_ACK_ID', 'ack id is too large');
    id = id * 10 + (c - CHAR_0);
  }
  if (i > idStart) {
    if (!Number.isSafeInteger(id)) return new ProtocolError('INVALID_ACK_ID', 'ack id is too large');
    packet.id = id;
  }

  if (i < length) {
    let payload: unknown;
    try {
      payload = JSON.parse(str.slice(i));
    } catch (cause) {
      if (packet.nsp === '/' && looksLikeBareNamespace(str, i)) {
        return new ProtocolError('INVALID_NAMESPACE', 'a namespace must start with "/"', { cause });
      }
      return new ProtocolError('INVALID_JSON', 'socket packet data is not JSON', { cause });
    }
    if (!isPayloadValid(type, payload)) {
      return new ProtocolError('INVALID_PAYLOAD', `invalid payload for socket packet type ${type}`);
    }
    packet.data = payload;
  }
  return packet;
}

// Error path only: tells `2admin,["x"]` (the reference calls it an invalid payload) from broken JSON.
function looksLikeBareNamespace(str: string, from: number): boolean {
  const comma = str.indexOf(',', from);
  if (comma <= from) return false;
  for (let j = from; j < comma; j++) {
    const c = str[j];
    if (c === '[' || c === '{' || c === '"') return false;
  }
  return true;
}

function isPayloadValid(type: number, payload: unknown): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return isPlainObject(payload);
    case PacketType.DISCONNECT:
      return false; // a DISCONNECT carries no data at all
    case PacketType.CONNECT_ERROR:
      return typeof payload === 'string' || isPlainObject(payload);
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(payload)) return false;
      const name: unknown = payload[0];
      return typeof name === 'number' || (typeof name === 'string' && !RESERVED_EVENTS.has(name));
    }
    default: // ACK, BINARY_ACK
      return Array.isArray(payload);
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
