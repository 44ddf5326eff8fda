import type { BinaryLike } from './engine-packet.js';
import { ProtocolError } from './errors.js';

/** Where attachment N went in the JSON of a BINARY_EVENT / BINARY_ACK. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

const hasBlob = typeof Blob === 'function';
export const { isArray } = Array;

/**
 * True for what socket.io sends as an attachment: ArrayBuffer, any view (Buffer, typed arrays, DataView)
 * and, where the global exists, Blob (File is a Blob).
 *
 * @example
 * isBinary(new Uint8Array(1)); // true
 * isBinary('bytes');           // false
 */
export function isBinary(value: unknown): boolean {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) || (hasBlob && value instanceof Blob);
}

/**
 * True when binary data sits anywhere inside `value` (arrays, own enumerable properties, and the result of
 * a `toJSON()` one level down, as socket.io-parser does). `fromToJSON` is for its own recursion: the
 * reference follows toJSON once, so the object a toJSON returns is searched without calling its own.
 *
 * @example
 * hasBinary(['file', { body: new Uint8Array(3) }]); // true
 */
export function hasBinary(value: unknown, fromToJSON?: boolean): boolean {
  // Plain loops, not some(), and arrays apart (for-in over them measured about 3x slower): every emit.
  if (!isObject(value)) return false;
  if (isArray(value)) {
    for (const item of value) if (hasBinary(item)) return true;
    return false;
  }
  if (isBinary(value)) return true;
  const toJSON = value['toJSON'];
  if (typeof toJSON === 'function' && !fromToJSON) return hasBinary(toJSON.call(value), true);
  for (const key in value) if (Object.hasOwn(value, key) && hasBinary(value[key])) return true;
  return false;
}

/**
 * A JSON.stringify replacer that swaps every binary value for a numbered placeholder, appending the binaries
 * to `attachments` in placeholder order, then hands the result to the app's `replacer`, if any (so that it
 * sees the placeholders, as socket.io-parser's does). Stringify visits what socket.io-parser's deconstructPacket does, in
 * the same order, and follows toJSON the same way, so the text is the reference's; and no copy of the data
 * is built. `this[key]` is the value before its toJSON (a Buffer's toJSON would hide its bytes), `value`
 * the value after it (a toJSON may return binary).
 */
export function placeholders(
  attachments: BinaryLike[],
  replacer?: (this: unknown, key: string, value: unknown) => unknown,
): (this: Record<string, unknown>, key: string, value: unknown) => unknown {
  return function (key, value) {
    for (const candidate of [this[key], value]) {
      // A Blob is only ever here in browsers, whose engine client sends Blobs as they are.
      if (isBinary(candidate)) {
        value = { _placeholder: true, num: attachments.push(candidate as BinaryLike) - 1 } satisfies Placeholder;
        break;
      }
    }
    return replacer ? replacer.call(this, key, value) : value;
  };
}

// Small type guards shared by the codec: `typeof x === 'string'` written once keeps the browser bundle
// smaller. Not on the per-message paths, though: there the inline typeof measured a few percent faster.

/** Any string. */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Any non-null object (arrays included). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Puts attachments back in place of the placeholders anywhere below `holder` (an array or object; anything
 * else holds nothing), in place: freshly parsed JSON that nobody else holds. Iterative, because a hostile
 * peer can nest JSON deeper than the call stack. A placeholder whose `num` is not an index of `attachments`
 * fails with INVALID_ATTACHMENTS.
 */
export function reconstructData(holder: unknown, attachments: readonly unknown[]): ProtocolError | undefined {
  const stack: Array<Record<string, unknown>> = [];
  // A primitive holder is harmless: its keys (a string's indices, if any) hold no objects.
  for (let container = holder as Record<string, unknown> | undefined; container; container = stack.pop()) {
    // Keys of an array are its indices; JSON.parse made every key an own data property (no setters).
    for (const key of Object.keys(container)) {
      const child = container[key];
      if (!isObject(child)) continue;
      if (child['_placeholder'] !== true) {
        stack.push(child);
        continue;
      }
      const num = child['num'];
      // Attachments are never undefined: a fraction, a negative, a string or a missing num finds nothing.
      const attachment = typeof num === 'number' ? attachments[num] : undefined;
      // socket.io-parser's wording (lowercase here, unlike the header count's 'Illegal attachments').
      if (attachment === undefined) return new ProtocolError('INVALID_ATTACHMENTS', 'illegal attachments');
      container[key] = attachment;
    }
  }
  return undefined;
}
