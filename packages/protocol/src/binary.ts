import type { BinaryLike } from './engine-packet.js';
import { ProtocolError } from './errors.js';

/** Where attachment N went in the JSON of a BINARY_EVENT / BINARY_ACK. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

const hasBlob = typeof Blob === 'function';

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
 * a `toJSON()` one level down, as socket.io-parser does).
 *
 * @example
 * hasBinary(['file', { body: new Uint8Array(3) }]); // true
 */
export function hasBinary(value: unknown): boolean {
  return hasBinaryIn(value, false);
}

// Plain loops and an explicit flag, not some() or a default parameter: this runs on every emit.
function hasBinaryIn(value: unknown, fromToJSON: boolean): boolean {
  if (!isObject(value)) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinaryIn(value[i], false)) return true;
    return false;
  }
  if (isBinary(value)) return true;
  const toJSON = value['toJSON'];
  // The reference follows toJSON once: the object it returns is searched without calling its own toJSON.
  if (typeof toJSON === 'function' && !fromToJSON) return hasBinaryIn(toJSON.call(value), true);
  for (const key in value) if (Object.hasOwn(value, key) && hasBinaryIn(value[key], false)) return true;
  return false;
}

/**
 * Copies `data`, replacing every binary value with a numbered placeholder; the binaries are appended to
 * `attachments` in placeholder order. Objects with a toJSON (Dates too) are replaced by its result, which is
 * what JSON.stringify would send anyway. `fromToJSON` is internal: the reference follows toJSON once, so the object it returns is copied without calling its own.
 */
export function deconstructData(data: unknown, attachments: BinaryLike[], fromToJSON = false): unknown {
  if (!isObject(data)) return data;
  if (isBinary(data)) {
    // A Blob is only ever here in browsers, whose engine client sends Blobs as they are.
    const placeholder: Placeholder = { _placeholder: true, num: attachments.push(data as unknown as BinaryLike) - 1 };
    return placeholder;
  }
  if (Array.isArray(data)) return Array.from(data, (item) => deconstructData(item, attachments));
  const toJSON = data['toJSON'];
  if (typeof toJSON === 'function' && !fromToJSON) return deconstructData(toJSON.call(data), attachments, true);
  // fromEntries defines properties, not assigns them: an own "__proto__" key stays a key, not the prototype.
  return Object.fromEntries(Object.keys(data).map((key) => [key, deconstructData(data[key], attachments)]));
}

/** Any non-null object (arrays included). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlaceholder(value: unknown): value is { num?: unknown } {
  return isObject(value) && value['_placeholder'] === true;
}

/**
 * Puts attachments back in place of their placeholders, in place (the data is freshly parsed JSON that
 * nobody else holds). Iterative, because a hostile peer can nest JSON deeper than the call stack.
 * A placeholder whose `num` is not an index of `attachments` fails with INVALID_ATTACHMENTS.
 */
export function reconstructData(data: unknown, attachments: readonly unknown[]): unknown {
  if (isPlaceholder(data)) return attachmentAt(data.num, attachments);
  const stack = [data];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    if (!isObject(container)) continue;
    // Keys of an array are its indices; JSON.parse made every key an own data property (no setters).
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

function attachmentAt(num: unknown, attachments: readonly unknown[]): unknown {
  return Number.isInteger(num) && (num as number) >= 0 && (num as number) < attachments.length
    ? attachments[num as number]
    : new ProtocolError('INVALID_ATTACHMENTS');
}
