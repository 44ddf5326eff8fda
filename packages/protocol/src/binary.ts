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

function hasBinaryIn(value: unknown, fromToJSON: boolean): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (hasBinaryIn(value[i], false)) return true;
    }
    return false;
  }
  if (isBinary(value)) return true;
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  // The reference follows toJSON once: the object it returns is searched without calling its own toJSON.
  if (typeof toJSON === 'function' && !fromToJSON) {
    return hasBinaryIn(toJSON.call(value), true);
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasBinaryIn((value as Record<string, unknown>)[key], false)) return true;
  }
  return false;
}

/**
 * Copies `data`, replacing every binary value with a numbered placeholder; the binaries are appended to
 * `attachments` in placeholder order. Dates are left for JSON.stringify, as the reference does.
 */
export function deconstructData(data: unknown, attachments: BinaryLike[]): unknown {
  return deconstructIn(data, attachments, false);
}

function deconstructIn(data: unknown, attachments: BinaryLike[], fromToJSON: boolean): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (isBinary(data)) {
    const placeholder: Placeholder = { _placeholder: true, num: attachments.length };
    // A Blob is only ever here in browsers, whose engine client sends Blobs as they are.
    attachments.push(data as BinaryLike);
    return placeholder;
  }
  if (Array.isArray(data)) {
    const copy: unknown[] = new Array(data.length);
    for (let i = 0; i < data.length; i++) copy[i] = deconstructIn(data[i], attachments, false);
    return copy;
  }
  if (data instanceof Date) return data;
  const toJSON: unknown = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function' && !fromToJSON) {
    return deconstructIn(toJSON.call(data), attachments, true);
  }
  const copy: Record<string, unknown> = {};
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = deconstructIn((data as Record<string, unknown>)[key], attachments, false);
    // defineProperty, not assignment: an own "__proto__" key must stay a key, not become the prototype.
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      copy[key] = value;
    }
  }
  return copy;
}

function isPlaceholderShaped(value: object): value is { _placeholder: true; num?: unknown } {
  return (value as { _placeholder?: unknown })._placeholder === true;
}

/**
 * Puts attachments back in place of their placeholders, in place (the data is freshly parsed JSON that
 * nobody else holds). Iterative, because a hostile peer can nest JSON deeper than the call stack.
 * A placeholder whose `num` is not an index of `attachments` fails with INVALID_ATTACHMENTS.
 */
export function reconstructData(data: unknown, attachments: readonly unknown[]): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (isPlaceholderShaped(data)) return attachmentAt(data.num, attachments);
  const stack: object[] = [data];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const child: unknown = container[i];
        if (typeof child !== 'object' || child === null) continue;
        if (isPlaceholderShaped(child)) {
          const attachment = attachmentAt(child.num, attachments);
          if (attachment instanceof ProtocolError) return attachment;
          container[i] = attachment;
        } else {
          stack.push(child);
        }
      }
      continue;
    }
    const record = container as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const child = record[key];
      if (typeof child !== 'object' || child === null) continue;
      if (isPlaceholderShaped(child)) {
        const attachment = attachmentAt(child.num, attachments);
        if (attachment instanceof ProtocolError) return attachment;
        // The key is an own data property (JSON.parse made it), so assignment cannot reach a setter.
        record[key] = attachment;
      } else {
        stack.push(child);
      }
    }
  }
  return data;
}

function attachmentAt(num: unknown, attachments: readonly unknown[]): unknown {
  if (typeof num === 'number' && Number.isInteger(num) && num >= 0 && num < attachments.length) {
    return attachments[num];
  }
  return new ProtocolError('INVALID_ATTACHMENTS', `placeholder ${JSON.stringify(num)} names no attachment`);
}
