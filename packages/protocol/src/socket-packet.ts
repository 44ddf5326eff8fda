import { hasBinary, isArray, isBinary, isObject, isString, placeholders, reconstructData } from './binary.js';
import type { BinaryLike } from './engine-packet.js';
import { ProtocolError, fail, failType } from './errors.js';

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
  /** Passed to JSON.parse for every packet's data, as socket.io-parser's `new Decoder({ reviver })`. */
  reviver?: JsonReviver;
}

/** A JSON.parse reviver. */
export type JsonReviver = (this: unknown, key: string, value: unknown) => unknown;
/** A JSON.stringify replacer function; for binary packets it sees the placeholders, as in socket.io-parser. */
export type JsonReplacer = (this: unknown, key: string, value: unknown) => unknown;

/**
 * Event names neither side may emit: they mean something to the socket layer itself (socket.io's list).
 * Decoders refuse them from a peer; both socket layers refuse them from the app.
 */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = new Set<string | symbol>(
  'connect connect_error disconnect disconnecting newListener removeListener'.split(' '),
);

/**
 * Encodes one socket packet into the items to send as engine message packets. EVENT and ACK whose data
 * holds binary anywhere become BINARY_EVENT / BINARY_ACK: the string with `{"_placeholder":true,"num":N}`
 * first, then each attachment as given. A BINARY_* packet without binary is sent as its plain type.
 * Throws, as socket.io-parser does, for data JSON.stringify rejects (cycles, BigInt) and for a namespace
 * with a comma (the decoder would end the namespace there): a ProtocolError 'INVALID_NAMESPACE' whose
 * message is the reference's, `invalid namespace: must not contain a comma`. `replacer` is passed to
 * JSON.stringify, as socket.io-parser's `new Encoder(replacer)`.
 *
 * @example
 * encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['chat', 'hi'] }); // ['2["chat","hi"]']
 */
export function encodeSocketPacket(packet: SocketPacket, replacer?: JsonReplacer): Array<string | BinaryLike> {
  const { nsp, id, data } = packet;
  let prefix = '';
  if (nsp && nsp !== '/') {
    if (nsp.includes(',')) throw new ProtocolError('INVALID_NAMESPACE', 'invalid namespace: must not contain a comma');
    prefix = nsp + ',';
  }
  let type: number = packet.type;
  if (type > 4 /* CONNECT_ERROR */) type -= 3; // BINARY_* go as EVENT / ACK unless they hold binary
  const attachments: BinaryLike[] = [];
  // EVENT or ACK: the placeholder replacer only when there is binary to find, as plain stringify is much
  // faster and this is every emit.
  const replace = (type === 2 || type === 3) && hasBinary(data) ? placeholders(attachments, replacer) : replacer;
  const json = data == null ? '' : (JSON.stringify(data, replace) ?? '');
  const count = attachments.length;
  return [
    `${count ? `${type + 3}${count}-` : type}${prefix}${id ?? ''}${json}`,
    ...attachments,
  ];
}

/**
 * Turns the engine messages of one connection back into socket packets, holding a binary packet until its
 * attachments have arrived. Follows socket.io-parser 4.2's rules, returning errors instead of throwing.
 * After an error any half-received binary packet is dropped.
 *
 * @example
 * const decoder = new SocketPacketDecoder();
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]'); // undefined: waiting for 1 attachment
 * decoder.add(bytes); // { type: 2, nsp: '/', data: ['file', bytes] }
 */
export class SocketPacketDecoder {
  readonly #maxAttachments: number;
  readonly #reviver: JsonReviver | undefined;
  /** The binary packet waiting for attachments (already typed EVENT / ACK), and those received so far. */
  #pending: SocketPacket | undefined;
  #received: unknown[] = [];

  constructor(options?: SocketPacketDecoderOptions) {
    this.#maxAttachments = options?.maxAttachments ?? 10;
    this.#reviver = options?.reviver;
  }

  /** The decoded packet, `undefined` while a binary packet waits for attachments, or the error. */
  add(chunk: string | BinaryLike): SocketPacket | ProtocolError | undefined {
    const pending = this.#pending;
    // Whatever comes, the pending packet is done with, unless this is an attachment it still waits for.
    this.#pending = undefined;
    if (pending && isBinary(chunk)) {
      const received = this.#received;
      if (received.push(chunk) < (pending.attachments as number)) {
        this.#pending = pending;
        return undefined;
      }
      // Binary packets are EVENT / ACK, whose data is an array (or absent): no placeholder at the top. Before
      // the delete, which turns the packet into a slower dictionary-mode object.
      const error = reconstructData(pending.data, received);
      delete pending.attachments;
      return error ?? pending;
    }
    // Messages in socket.io-parser's wording, which its suite and apps match on; the codes are ours.
    if (typeof chunk !== 'string') {
      return isBinary(chunk)
        ? new ProtocolError('UNEXPECTED_BINARY', 'got binary data when not reconstructing a packet')
        : new ProtocolError('INVALID_DATA', 'Unknown type: ' + String(chunk));
    }
    if (pending) return new ProtocolError('INVALID_ATTACHMENTS', 'got plaintext data when reconstructing a packet');
    const packet = decodeSocketString(chunk, this.#maxAttachments, this.#reviver);
    // A count is at least 1, and a ProtocolError has none: both are returned as they are.
    if (!(packet as SocketPacket).attachments) return packet;
    this.#pending = packet as SocketPacket;
    this.#received = [];
    return undefined;
  }

  /** Drops a half-received binary packet (the connection closed or the session moved on). */
  reset(): void {
    this.#pending = undefined;
  }
}

/**
 * `<type>[<attachments>-][<nsp>,][<ackId>][JSON]`. A BINARY_* packet comes back typed EVENT / ACK, with
 * `attachments` set and placeholders still in `data`.
 */
export function decodeSocketString(str: string, maxAttachments: number, reviver?: JsonReviver): SocketPacket | ProtocolError {
  // Char codes, not one-character strings, on this hot path: '0'..'9' are 48..57, '/' is 47.
  let type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) return str ? new ProtocolError('UNKNOWN_PACKET_TYPE', 'unknown packet type ' + Number(str[0])) : failType(str);
  const packet: SocketPacket = { type: type as PacketType, nsp: '/' };
  let i = 1;
  if (type > 4 /* CONNECT_ERROR */) {
    // BINARY_EVENT / BINARY_ACK: `<count>-`; only the first 16 digits count (more cannot be a safe integer
    // anyway), and more digits is over any limit.
    i = digitsEnd(str, 1);
    const count = Number(str.slice(1, Math.min(i, 17)));
    // socket.io-parser's wording, which apps and its test suite match on.
    if (str[i] !== '-' || !(count >= 1)) return new ProtocolError('INVALID_ATTACHMENTS', 'Illegal attachments');
    if (count > maxAttachments || i > 17) return fail('TOO_MANY_ATTACHMENTS');
    packet.attachments = count;
    packet.type = (type -= 3) as PacketType;
    i++;
  }
  // A namespace runs from '/' up to the first ',' or the end of the packet.
  if (str.charCodeAt(i) === 47) {
    const comma = str.indexOf(',', i);
    const end = comma === -1 ? str.length : comma;
    packet.nsp = str.slice(i, end);
    i = end + 1;
  }
  // The ack id is summed as it is read (measurably faster than Number() of a slice, and acks are hot too);
  // `(c - 48)` first, so that no intermediate sum goes past 2^53 and rounds.
  const idStart = i;
  let id = 0;
  for (let c = str.charCodeAt(i); c >= 48 && c <= 57; c = str.charCodeAt(++i)) id = id * 10 + (c - 48);
  if (i > idStart) {
    // Past 16 digits, or past 2^53 - 1 (which the sum, even rounded, then stays above): not an ack id.
    if (i - idStart > 16 || !Number.isSafeInteger(id)) return fail('INVALID_ACK_ID');
    packet.id = id;
  }
  if (i < str.length) {
    const text = str.slice(i);
    let payload: unknown;
    try {
      payload = JSON.parse(text, reviver);
    } catch {
      // `2admin,["x"]` rather than broken JSON; either way socket.io-parser's message is 'invalid payload'.
      return new ProtocolError(packet.nsp === '/' && /^[^[{",]+,/.test(text) ? 'INVALID_NAMESPACE' : 'INVALID_JSON', 'invalid payload');
    }
    if (!isPayloadValid(type, payload)) return fail('INVALID_PAYLOAD');
    packet.data = payload;
  }
  return packet;
}

/** Index of the first non-digit at or after `i`. */
function digitsEnd(str: string, i: number): number {
  for (let c = str.charCodeAt(i); c >= 48 && c <= 57; c = str.charCodeAt(++i));
  return i;
}

/** `type` is CONNECT..CONNECT_ERROR: binary types arrive here as EVENT / ACK. */
function isPayloadValid(type: number, payload: unknown): boolean {
  if (!isArray(payload)) {
    // CONNECT takes an object; CONNECT_ERROR an object or a string; a DISCONNECT carries no data at all.
    return type === 0 ? isObject(payload) : type === 4 && (isObject(payload) || isString(payload));
  }
  if (type !== 2 /* EVENT */) return type === 3 /* ACK */;
  const name: unknown = payload[0];
  return (typeof name === 'string' || typeof name === 'number') && !RESERVED_EVENTS.has(name as string);
}

/**
 * Whether `packet` is one socket.io would send: a string namespace without a comma, an integer ack id if
 * any, and data of the shape its type takes (socket.io-parser's `isPacketValid`; BINARY_* types are not
 * valid here, as there).
 *
 * @example
 * isPacketValid({ type: PacketType.EVENT, nsp: '/', data: ['chat'] }); // true
 */
export function isPacketValid(packet: SocketPacket): boolean {
  const { type, nsp, id, data } = packet;
  return (
    isString(nsp) &&
    !nsp.includes(',') &&
    (id === undefined || Number.isInteger(id)) &&
    (data === undefined ? type < 2 : isPayloadValid(type, data))
  );
}
