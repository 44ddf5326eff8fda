import type { BinaryLike } from './engine-packet.js';
import { fail } from './errors.js';
import type { ProtocolError } from './errors.js';

// Through the platform's btoa/atob (browsers, Node >= 16): no tables in the browser bundle, and fast enough
// for the only user, the 'b' + base64 items of polling payloads.

/**
 * Standard padded base64 of the bytes of `data` (a view's own range only).
 *
 * @example
 * encodeBase64(new Uint8Array([1, 2, 3, 4])); // 'AQIDBA=='
 */
export function encodeBase64(data: BinaryLike): string {
  const view = data as Partial<ArrayBufferView>;
  // An ArrayBuffer has no `buffer` and no `byteOffset`: the whole buffer.
  const bytes = new Uint8Array(view.buffer ?? (data as ArrayBuffer), view.byteOffset, data.byteLength);
  let text = '';
  // Chunks keep the spread under engines' argument limits.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * Decodes base64 of `text.slice(start)` (standard or URL-safe alphabet, padding optional). Whitespace and
 * misplaced padding, which atob alone would skip, are rejected: no conforming peer sends them.
 *
 * @example
 * decodeBase64('AQIDBA=='); // Uint8Array [1, 2, 3, 4]
 */
export function decodeBase64(text: string, start?: number): Uint8Array | ProtocolError {
  const body = text.slice(start).replace(/==?$/, '');
  if (body.length % 4 === 1 || /[^\w+/-]/.test(body)) return fail('INVALID_BASE64');
  const binary = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
