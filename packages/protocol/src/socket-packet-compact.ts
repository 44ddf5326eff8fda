import { isBinary } from './binary.js';
import type { BinaryLike } from './engine-packet.js';
import { ProtocolError } from './errors.js';
import type { ProtocolErrorCode } from './errors.js';
import { RESERVED_EVENTS } from './socket-packet.js';
import type { PacketType, SocketPacket, SocketPacketDecoderOptions } from './socket-packet.js';

// The same socket-packet codec as socket-packet.ts + binary.ts, written for bundle size (the browser
// client): same packets, same strings, same error codes (socket-packet-compact.test.ts checks them
// against the full codec); the error messages are just the codes.

function fail(code: ProtocolErrorCode): ProtocolError {
  return new ProtocolError(code, `socket packet: ${code}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): boolean {
  return isObject(value) && !Array.isArray(value);
}

/** hasBinary: arrays, own enumerable keys, and a toJSON() result one level down. */
function hasBinaryIn(value: unknown, viaToJSON = false): boolean {
  if (!isObject(value)) return false;
  if (isBinary(value)) return true;
  if (Array.isArray(value)) return value.some((item) => hasBinaryIn(item));
  const toJSON = value['toJSON'];
  if (typeof toJSON === 'function' && !viaToJSON) return hasBinaryIn(toJSON.call(value), true);
  return Object.keys(value).some((key) => hasBinaryIn(value[key]));
}

/** deconstructData: binaries become numbered placeholders, in order, appended to `out`. */
function deconstruct(value: unknown, out: BinaryLike[], viaToJSON = false): unknown {
  if (!isObject(value) || value instanceof Date) return value;
  if (isBinary(value)) return { _placeholder: true, num: out.push(value as unknown as BinaryLike) - 1 };
  if (Array.isArray(value)) return Array.from(value, (item) => deconstruct(item, out));
  const toJSON = value['toJSON'];
  if (typeof toJSON === 'function' && !viaToJSON) return deconstruct(toJSON.call(value), out, true);
  const copy = {};
  // defineProperty: an own "__proto__" key stays a key.
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, { value: deconstruct(value[key], out), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Same as encodeSocketPacket. */
export function encodeSocketPacketCompact(packet: SocketPacket): Array<string | BinaryLike> {
  let { type, data } = packet;
  const attachments: BinaryLike[] = [];
  if (type === 2 || type === 3 || type === 5 || type === 6) {
    const plain = type > 4 ? type - 3 : type;
    type = (hasBinaryIn(data) ? plain + 3 : plain) as PacketType;
    if (type > 4) data = deconstruct(data, attachments);
  }
  const nsp = packet.nsp && packet.nsp !== '/' ? packet.nsp + ',' : '';
  const json = data == null ? '' : (JSON.stringify(data) ?? '');
  return [`${type}${type > 4 ? attachments.length + '-' : ''}${nsp}${packet.id ?? ''}${json}`, ...attachments];
}

function decodeString(str: string, maxAttachments: number): SocketPacket | ProtocolError {
  if (str === '') return fail('EMPTY_PACKET');
  const type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) return fail('UNKNOWN_PACKET_TYPE');
  const packet: SocketPacket = { type: type as PacketType, nsp: '/' };
  let rest = str.slice(1);
  if (type > 4) {
    const digits = /^(\d+)-/.exec(rest)?.[1];
    // Only the first 16 digits count, as in the full decoder (more cannot be a sane count anyway).
    const count = digits === undefined ? 0 : Number(digits.slice(0, 16));
    if (digits === undefined || count < 1) return fail('INVALID_ATTACHMENTS');
    if (count > maxAttachments || digits.length > 16) return fail('TOO_MANY_ATTACHMENTS');
    packet.attachments = count;
    rest = rest.slice(digits.length + 1);
  }
  if (rest[0] === '/') {
    const comma = rest.indexOf(',');
    packet.nsp = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
  }
  const id = /^\d*/.exec(rest)?.[0] ?? '';
  if (id !== '') {
    if (id.length > 16 || !Number.isSafeInteger(Number(id))) return fail('INVALID_ACK_ID');
    packet.id = Number(id);
    rest = rest.slice(id.length);
  }
  if (rest === '') return packet;
  let payload: unknown;
  try {
    payload = JSON.parse(rest);
  } catch {
    // `2admin,["x"]`: a namespace without its "/", not broken JSON.
    const comma = rest.indexOf(',');
    return fail(packet.nsp === '/' && comma > 0 && !/[[{"]/.test(rest.slice(0, comma)) ? 'INVALID_NAMESPACE' : 'INVALID_JSON');
  }
  const valid =
    type === 0
      ? isPlainObject(payload)
      : type === 1
        ? false
        : type === 4
          ? typeof payload === 'string' || isPlainObject(payload)
          : Array.isArray(payload) &&
            (type === 3 ||
              type === 6 ||
              typeof payload[0] === 'number' ||
              (typeof payload[0] === 'string' && !RESERVED_EVENTS.has(payload[0])));
  if (!valid) return fail('INVALID_PAYLOAD');
  packet.data = payload;
  return packet;
}

function isPlaceholder(value: unknown): value is { num?: unknown } {
  return isObject(value) && value['_placeholder'] === true;
}

function attachmentAt(num: unknown, attachments: readonly unknown[]): unknown {
  return Number.isInteger(num) && (num as number) >= 0 && (num as number) < attachments.length
    ? attachments[num as number]
    : fail('INVALID_ATTACHMENTS');
}

/** reconstructData, in place; iterative, as a hostile peer can nest deeper than the call stack. */
function reconstruct(data: unknown, attachments: readonly unknown[]): unknown {
  if (isPlaceholder(data)) return attachmentAt(data.num, attachments);
  const stack = [data];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    if (!isObject(container)) continue;
    for (const key of Object.keys(container)) {
      const child = container[key];
      if (isPlaceholder(child)) {
        const attachment = attachmentAt(child.num, attachments);
        if (attachment instanceof ProtocolError) return attachment;
        container[key] = attachment;
      } else if (isObject(child)) {
        stack.push(child);
      }
    }
  }
  return data;
}

/** Same as SocketPacketDecoder. */
export class SocketPacketDecoderCompact {
  readonly #max: number;
  #pending: { packet: SocketPacket; attachments: unknown[] } | undefined;

  constructor(options?: SocketPacketDecoderOptions) {
    this.#max = options?.maxAttachments ?? 10;
  }

  add(chunk: string | BinaryLike): SocketPacket | ProtocolError | undefined {
    const pending = this.#pending;
    if (typeof chunk === 'string') {
      this.#pending = undefined;
      if (pending) return fail('INVALID_ATTACHMENTS');
      const packet = decodeString(chunk, this.#max);
      if (packet instanceof ProtocolError || packet.attachments === undefined) return packet;
      packet.type = (packet.type - 3) as PacketType;
      this.#pending = { packet, attachments: [] };
      return undefined;
    }
    if (!isBinary(chunk)) {
      this.#pending = undefined;
      return fail('INVALID_DATA');
    }
    if (!pending) return fail('UNEXPECTED_BINARY');
    const { packet, attachments } = pending;
    if (attachments.push(chunk) < (packet.attachments ?? 0)) return undefined;
    this.#pending = undefined;
    const data = reconstruct(packet.data, attachments);
    if (data instanceof ProtocolError) return data;
    delete packet.attachments;
    if (data !== undefined) packet.data = data;
    return packet;
  }

  reset(): void {
    this.#pending = undefined;
  }
}
