import { ProtocolError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
const INVALID = 255;

// char code -> 6-bit value; the URL-safe '-' and '_' are accepted too, as Buffer.from(…, 'base64') does.
const DECODE_TABLE = new Uint8Array(256).fill(INVALID);
const ENCODE_TABLE = new Uint8Array(64);
for (let i = 0; i < 64; i++) {
  ENCODE_TABLE[i] = ALPHABET.charCodeAt(i);
  DECODE_TABLE[ALPHABET.charCodeAt(i)] = i;
}
// 12 bits -> two ASCII characters as one 16-bit store, laid out for this platform's byte order.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const PAIR_TABLE = new Uint16Array(4096);
for (let i = 0; i < 4096; i++) {
  const first = ENCODE_TABLE[i >>> 6] as number;
  const second = ENCODE_TABLE[i & 63] as number;
  PAIR_TABLE[i] = LITTLE_ENDIAN ? first | (second << 8) : (first << 8) | second;
}
DECODE_TABLE[45] = 62; // '-'
DECODE_TABLE[95] = 63; // '_'

let textDecoder: TextDecoder | undefined;
let textEncoder: TextEncoder | undefined;
// Reused across calls; a multiple of 4 so chunks hold whole quads.
const CHUNK = 8192;
let scratch: Uint8Array | undefined;

/**
 * Standard padded base64 of `bytes`, in plain JS (no Buffer, no btoa) so it runs in any bundle.
 *
 * @example
 * encodeBase64(new Uint8Array([1, 2, 3, 4])); // 'AQIDBA=='
 */
export function encodeBase64(bytes: Uint8Array): string {
  const length = bytes.length;
  const out = new Uint8Array(Math.ceil(length / 3) * 4);
  // Two output characters per store: each 24-bit group is two 12-bit table lookups.
  const pairs = new Uint16Array(out.buffer);
  let o = 0;
  let i = 0;
  for (const end = length - 2; i < end; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    pairs[o++] = PAIR_TABLE[n >>> 12] as number;
    pairs[o++] = PAIR_TABLE[n & 4095] as number;
  }
  o *= 2;
  const rest = length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = ENCODE_TABLE[n >>> 18] as number;
    out[o++] = ENCODE_TABLE[(n >>> 12) & 63] as number;
    out[o++] = rest === 2 ? (ENCODE_TABLE[(n >>> 6) & 63] as number) : PAD;
    out[o++] = PAD;
  }
  // The output is ASCII, for which UTF-8 decoding is the identity; TextDecoder is the fastest way from
  // bytes to a string in both Node and browsers.
  textDecoder ??= new TextDecoder();
  return textDecoder.decode(out);
}

/**
 * Decodes base64 (standard or URL-safe alphabet, padding optional). Whitespace and misplaced padding are
 * rejected rather than skipped: no conforming peer sends them.
 *
 * @example
 * decodeBase64('AQIDBA=='); // Uint8Array [1, 2, 3, 4]
 */
export function decodeBase64(text: string): Uint8Array | ProtocolError {
  return decodeBase64From(text, 0);
}

/** decodeBase64 of `text.slice(start)` without allocating the slice (the 'b' prefix of polling items). */
export function decodeBase64From(text: string, start: number): Uint8Array | ProtocolError {
  let end = text.length;
  if (end > start && text.charCodeAt(end - 1) === PAD) end--;
  if (end > start && text.charCodeAt(end - 1) === PAD) end--;
  const chars = end - start;
  const tail = chars & 3;
  if (tail === 1) return new ProtocolError('INVALID_BASE64', 'base64 text has an impossible length');
  const out = new Uint8Array((chars >>> 2) * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  const full = end - tail;
  // Native TextEncoder.encodeInto turns a chunk of text into bytes far faster than charCodeAt per
  // character; any non-ASCII character shows up as written !== read and is invalid base64 anyway.
  textEncoder ??= new TextEncoder();
  scratch ??= new Uint8Array(CHUNK);
  for (let pos = start; pos < full; pos += CHUNK) {
    const count = Math.min(CHUNK, full - pos);
    const { read, written } = textEncoder.encodeInto(text.slice(pos, pos + count), scratch);
    if (read !== count || written !== count) return invalidCharacter();
    for (let j = 0; j < count; j += 4) {
      const a = DECODE_TABLE[scratch[j] as number] as number;
      const b = DECODE_TABLE[scratch[j + 1] as number] as number;
      const c = DECODE_TABLE[scratch[j + 2] as number] as number;
      const d = DECODE_TABLE[scratch[j + 3] as number] as number;
      // Sextets are < 64 and INVALID is 255: one OR tests all four.
      if ((a | b | c | d) > 63) return invalidCharacter();
      const n = (a << 18) | (b << 12) | (c << 6) | d;
      out[o++] = n >>> 16;
      out[o++] = (n >>> 8) & 255;
      out[o++] = n & 255;
    }
  }
  const i = full;
  if (tail > 0) {
    const a = DECODE_TABLE[text.charCodeAt(i)] ?? INVALID;
    const b = DECODE_TABLE[text.charCodeAt(i + 1)] ?? INVALID;
    const c = tail === 3 ? (DECODE_TABLE[text.charCodeAt(i + 2)] ?? INVALID) : 0;
    if ((a | b | c) > 63) return invalidCharacter();
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >>> 16;
    if (tail === 3) out[o++] = (n >>> 8) & 255;
  }
  return out;
}

function invalidCharacter(): ProtocolError {
  return new ProtocolError('INVALID_BASE64', 'base64 text contains a character outside the alphabet');
}
