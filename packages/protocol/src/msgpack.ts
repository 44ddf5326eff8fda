import type { BinaryLike } from './engine-packet.js';
import { ProtocolError } from './errors.js';

// MessagePack (github.com/msgpack/msgpack/blob/master/spec.md), with the conventions of notepack.io,
// which socket.io-msgpack-parser uses on both ends, so either end may be socket.io's:
// - undefined is fixext 1 of type 0 (d4 00 00);
// - a Date is fixext 8 of type 0: its milliseconds as a big-endian signed 64-bit integer;
// - integers take the smallest int format, other numbers float 64;
// - an object with toJSON() is encoded as what that returns; properties holding functions are left out.
// Binary (ArrayBuffer and every view, Buffer included) is written as bin, which every msgpack decoder reads
// (notepack's Node build writes a non-Buffer as ext type 0, which its browser build cannot read back).

const TWO_32 = 0x1_0000_0000;

class Writer {
  b = new Uint8Array(256);
  v = new DataView(this.b.buffer);
  n = 0;

  /** Room for `size` more bytes; returns where they start. */
  take(size: number): number {
    const at = this.n;
    if (at + size > this.b.length) {
      const next = new Uint8Array(Math.max(this.b.length * 2, at + size));
      next.set(this.b.subarray(0, at));
      this.b = next;
      this.v = new DataView(next.buffer);
    }
    this.n = at + size;
    return at;
  }

  byte(value: number): void {
    const at = this.take(1); // before reading this.b, which take() may replace
    this.b[at] = value;
  }

  /** A format byte then an unsigned length of 1, 2 or 4 bytes. */
  head(format: number, bytes: 1 | 2 | 4, value: number): void {
    const at = this.take(1 + bytes);
    this.b[at] = format;
    if (bytes === 1) this.b[at + 1] = value;
    else if (bytes === 2) this.v.setUint16(at + 1, value);
    else this.v.setUint32(at + 1, value);
  }

  /** A length-prefixed item: the fix format under 16 or 32, else the 8/16/32-bit format of the family. */
  sized(length: number, fix: number, fixLimit: number, f8: number | undefined, f16: number, f32: number): void {
    if (length < fixLimit) this.byte(fix | length);
    else if (f8 !== undefined && length < 0x100) this.head(f8, 1, length);
    else if (length < 0x10000) this.head(f16, 2, length);
    else this.head(f32, 4, length);
  }

  /** `prefix` bytes, then `value` (an integer) as a big-endian 64-bit two's complement. */
  int64(prefix: number[], value: number): void {
    const at = this.take(prefix.length + 8);
    this.b.set(prefix, at);
    this.v.setInt32(at + prefix.length, Math.floor(value / TWO_32));
    this.v.setUint32(at + prefix.length + 4, value >>> 0);
  }
}

function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) length += 1;
    else if (c >= 0xd800 && c < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else length += 2; // 3 bytes (a lone surrogate becomes U+FFFD, as TextEncoder writes it)
  }
  return length;
}

function writeString(w: Writer, text: string): void {
  const length = utf8Length(text);
  w.sized(length, 0xa0, 0x20, 0xd9, 0xda, 0xdb);
  let at = w.take(length);
  const b = w.b;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) b[at++] = c;
    else if (c < 0x800) {
      b[at++] = 0xc0 | (c >> 6);
      b[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        const low = text.charCodeAt(i + 1);
        if (c < 0xdc00 && (low & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
          b[at++] = 0xf0 | (c >> 18);
          b[at++] = 0x80 | ((c >> 12) & 0x3f);
          b[at++] = 0x80 | ((c >> 6) & 0x3f);
          b[at++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      b[at++] = 0xe0 | (c >> 12);
      b[at++] = 0x80 | ((c >> 6) & 0x3f);
      b[at++] = 0x80 | (c & 0x3f);
    }
  }
}

function writeNumber(w: Writer, value: number): void {
  if (!Number.isInteger(value) || value >= 2 ** 64 || value < -(2 ** 63)) {
    const at = w.take(9);
    w.b[at] = 0xcb;
    w.v.setFloat64(at + 1, value);
  } else if (value >= 0) {
    if (value < 0x80) w.byte(value);
    else if (value < 0x100) w.head(0xcc, 1, value);
    else if (value < 0x10000) w.head(0xcd, 2, value);
    else if (value < TWO_32) w.head(0xce, 4, value);
    else w.int64([0xcf], value);
  } else if (value >= -0x20) w.byte(value & 0xff);
  else if (value >= -0x80) w.head(0xd0, 1, value & 0xff);
  else if (value >= -0x8000) w.head(0xd1, 2, value & 0xffff);
  else if (value >= -0x8000_0000) w.head(0xd2, 4, value >>> 0);
  else w.int64([0xd3], value);
}

function write(w: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      return writeString(w, value);
    case 'number':
      return writeNumber(w, value);
    case 'boolean':
      return w.byte(value ? 0xc3 : 0xc2);
    case 'undefined':
      return w.head(0xd4, 2, 0);
    case 'bigint':
      throw new TypeError('msgpack: cannot encode a BigInt');
    case 'object':
      break;
    default:
      // A function or a symbol where a value must be: nil, as JSON.stringify writes null in an array.
      return w.byte(0xc0);
  }
  if (value === null) return w.byte(0xc0);
  if (Array.isArray(value)) {
    w.sized(value.length, 0x90, 0x10, undefined, 0xdc, 0xdd);
    for (const item of value) write(w, item);
    return;
  }
  // An invalid Date (NaN) as the epoch, which notepack writes for it too.
  if (value instanceof Date) return w.int64([0xd7, 0], value.getTime() || 0);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    w.sized(bytes.length, 0, 0, 0xc4, 0xc5, 0xc6);
    const at = w.take(bytes.length);
    w.b.set(bytes, at);
    return;
  }
  const object = value as Record<string, unknown> & { toJSON?: unknown };
  if (typeof object.toJSON === 'function') return write(w, object.toJSON());
  const keys = Object.keys(object);
  let size = 0;
  for (const key of keys) if (kept(object[key])) size++;
  w.sized(size, 0x80, 0x10, undefined, 0xde, 0xdf);
  for (const key of keys) {
    const item = object[key];
    if (!kept(item)) continue;
    writeString(w, key);
    write(w, item);
  }
}

/** Whether an object property is written: functions (and symbols) are left out, as notepack does. */
const kept = (value: unknown): boolean => typeof value !== 'function' && typeof value !== 'symbol';

/**
 * One value as MessagePack bytes (an exact-size Uint8Array).
 *
 * @throws TypeError for a BigInt (as JSON.stringify does), RangeError for a cycle.
 * @example
 * encodeMsgpack({ type: 2, nsp: '/', data: ['hello'] }); // Uint8Array(24) [0x83, 0xa4, ...]
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  // One scratch buffer for every call (it grows to the largest value seen), a fresh one when a toJSON()
  // encodes from inside an encode.
  const w = scratch ?? new Writer();
  scratch = undefined;
  w.n = 0;
  try {
    write(w, value);
    return w.b.slice(0, w.n);
  } finally {
    // A buffer grown past 1 MB is not kept for the next small packet.
    if (w.b.length <= 1 << 20) scratch = w;
  }
}

// Made on the first encode: importing the package runs nothing (bundlers drop the module when unused).
let scratch: Writer | undefined;

/** Thrown inside the reader only; decodeMsgpack returns it as a ProtocolError. */
class Malformed extends Error {}

let utf8: TextDecoder | undefined;

class Reader {
  readonly b: Uint8Array;
  readonly v: DataView;
  n = 0;
  /** A bin's bytes as the input came: Buffer slices from a Buffer, copies as ArrayBuffer from an ArrayBuffer. */
  readonly bin: (start: number, end: number) => unknown;

  constructor(data: BinaryLike) {
    if (data instanceof ArrayBuffer) {
      this.b = new Uint8Array(data);
      this.bin = (start, end) => data.slice(start, end);
    } else {
      const b = (this.b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.bin = data instanceof Uint8Array ? (start, end) => data.subarray(start, end) : (start, end) => b.slice(start, end).buffer;
    }
    this.v = new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  }

  /** Moves past `size` bytes; returns where they start. */
  skip(size: number): number {
    const at = this.n;
    if (at + size > this.b.length) throw new Malformed('unexpected end of data');
    this.n = at + size;
    return at;
  }

  u8(): number {
    return this.b[this.skip(1)] as number;
  }

  u16(): number {
    return this.v.getUint16(this.skip(2));
  }

  u32(): number {
    return this.v.getUint32(this.skip(4));
  }

  /** Big-endian 64-bit; exact up to 2^53, the nearest double above. */
  int64(signed: boolean): number {
    const at = this.skip(8);
    return (signed ? this.v.getInt32(at) : this.v.getUint32(at)) * TWO_32 + this.v.getUint32(at + 4);
  }

  str(length: number): string {
    const at = this.skip(length);
    const b = this.b;
    if (length > 24) return (utf8 ??= new TextDecoder()).decode(b.subarray(at, at + length));
    let text = '';
    for (let i = at; i < at + length; i++) {
      const c = b[i] as number;
      if (c >= 0x80) return (utf8 ??= new TextDecoder()).decode(b.subarray(at, at + length));
      text += String.fromCharCode(c);
    }
    return text;
  }

  /** A count of items, each at least one byte: more than the bytes left cannot be, and is not allocated. */
  count(n: number): number {
    if (n > this.b.length - this.n) throw new Malformed('unexpected end of data');
    return n;
  }

  array(length: number): unknown[] {
    const items = new Array<unknown>(this.count(length));
    for (let i = 0; i < length; i++) items[i] = this.value();
    return items;
  }

  map(size: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (let i = this.count(size); i > 0; i--) {
      const key = String(this.value());
      const value = this.value();
      // As JSON.parse: '__proto__' becomes an own property, never the object's prototype.
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    }
    return object;
  }

  ext(length: number, fixed: boolean): unknown {
    const type = this.v.getInt8(this.skip(1));
    if (type === 0 && fixed && length === 1) return this.skip(1), undefined;
    if (type === 0 && fixed && length === 8) return new Date(this.int64(true));
    const at = this.skip(length);
    // notepack's Node build writes a non-Buffer binary as ext 0: it reads back as an ArrayBuffer there too.
    if (type === 0) return this.b.slice(at, at + length).buffer;
    // The spec's timestamp: seconds (32 bits), nanoseconds and seconds (30 + 34), or both in full.
    if (type === -1 && (length === 4 || length === 8 || length === 12)) {
      const v = this.v;
      if (length === 4) return new Date(v.getUint32(at) * 1000);
      if (length === 8) {
        const high = v.getUint32(at);
        return new Date(((high & 3) * TWO_32 + v.getUint32(at + 4)) * 1000 + (high >>> 2) / 1e6);
      }
      return new Date((v.getInt32(at + 4) * TWO_32 + v.getUint32(at + 8)) * 1000 + v.getUint32(at) / 1e6);
    }
    // Any other extension as notepack gives it: [type, bytes].
    return [type, this.bin(at, at + length)];
  }

  value(): unknown {
    const f = this.u8();
    if (f < 0x80) return f;
    if (f < 0x90) return this.map(f & 0x0f);
    if (f < 0xa0) return this.array(f & 0x0f);
    if (f < 0xc0) return this.str(f & 0x1f);
    if (f >= 0xe0) return f - 0x100;
    switch (f) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        const length = f === 0xc4 ? this.u8() : f === 0xc5 ? this.u16() : this.u32();
        const at = this.skip(length);
        return this.bin(at, at + length);
      }
      case 0xc7:
        return this.ext(this.u8(), false);
      case 0xc8:
        return this.ext(this.u16(), false);
      case 0xc9:
        return this.ext(this.u32(), false);
      case 0xca:
        return this.v.getFloat32(this.skip(4));
      case 0xcb:
        return this.v.getFloat64(this.skip(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return this.int64(false);
      case 0xd0:
        return this.v.getInt8(this.skip(1));
      case 0xd1:
        return this.v.getInt16(this.skip(2));
      case 0xd2:
        return this.v.getInt32(this.skip(4));
      case 0xd3:
        return this.int64(true);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.ext(1 << (f - 0xd4), true);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16());
      case 0xdd:
        return this.array(this.u32());
      case 0xde:
        return this.map(this.u16());
      case 0xdf:
        return this.map(this.u32());
      default:
        throw new Malformed('0xc1 is never used');
    }
  }
}

/**
 * The one value in `data`, or a ProtocolError ('INVALID_MSGPACK') when the bytes are not exactly one
 * MessagePack value (truncated, trailing bytes, the unused 0xc1, nesting deeper than the stack). Never throws.
 * bin comes back as the input's kind: Buffer (or Uint8Array) slices of a view, ArrayBuffer copies of an ArrayBuffer.
 *
 * @example
 * decodeMsgpack(new Uint8Array([0x92, 0x01, 0xa1, 0x61])); // [1, 'a']
 */
export function decodeMsgpack(data: BinaryLike): unknown {
  const reader = new Reader(data);
  try {
    const value = reader.value();
    if (reader.n !== reader.b.length) throw new Malformed(`${reader.b.length - reader.n} bytes after the value`);
    return value;
  } catch (err) {
    // A RangeError is a nesting deeper than the stack: bad input all the same.
    if (!(err instanceof Malformed || err instanceof RangeError)) throw err;
    return new ProtocolError('INVALID_MSGPACK', `invalid msgpack: ${err.message}`);
  }
}
