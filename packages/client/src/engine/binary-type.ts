/**
 * engine.io-client's `binaryType`: how a received binary message is handed to the app. Node defaults
 * to 'nodebuffer' (a Buffer, as socket.io-client gives Node apps), everywhere else to 'arraybuffer'.
 * engine.io-client's 'blob' is not offered: the socket layer decodes attachments synchronously.
 */
export type BinaryType = 'nodebuffer' | 'arraybuffer';

interface BufferConstructorLike {
  from(buffer: ArrayBuffer): Uint8Array;
}

/** Node's Buffer, looked up at run time so browser bundles neither need nor polyfill it. */
function nodeBuffer(): BufferConstructorLike | undefined {
  const g = globalThis as { process?: { versions?: { node?: unknown } }; Buffer?: BufferConstructorLike };
  return typeof g.process?.versions?.node === 'string' ? g.Buffer : undefined;
}

export function defaultBinaryType(): BinaryType {
  return nodeBuffer() === undefined ? 'arraybuffer' : 'nodebuffer';
}

/** The bytes as `binaryType` asks (Buffer shares the ArrayBuffer's memory: no copy). */
export function toBinaryType(data: ArrayBuffer, binaryType: BinaryType): ArrayBuffer | Uint8Array {
  if (binaryType === 'nodebuffer') {
    const buffer = nodeBuffer();
    return buffer === undefined ? data : buffer.from(data);
  }
  return data;
}

/** A received message's data as the app gets it. A bare `4` is an empty text message, not nothing. */
export function decodeMessage(raw: string | ArrayBuffer | ArrayBufferView | undefined, binaryType: BinaryType): string | ArrayBuffer | Uint8Array {
  const data = raw ?? '';
  if (typeof data === 'string') return data;
  return toBinaryType(data instanceof ArrayBuffer ? data : copyToArrayBuffer(data), binaryType);
}

function copyToArrayBuffer(view: ArrayBufferView): ArrayBuffer {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer;
}
