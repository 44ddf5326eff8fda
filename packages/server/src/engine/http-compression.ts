// engine.io's `httpCompression`: polling answers of at least `threshold` bytes are gzip- or
// deflate-encoded when the request accepts it. The body is already whole in memory, so it is compressed
// in one call on the zlib thread pool rather than through a stream.
import { deflate, gzip } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';
import type { ServerResponse } from 'node:http';

export interface HttpCompressionOptions extends ZlibOptions {
  /** Smallest body, in bytes, that is compressed. Default 1024. */
  threshold?: number;
}

export interface ResolvedHttpCompression {
  readonly threshold: number;
  readonly zlib: ZlibOptions;
}

export type HttpEncoding = 'gzip' | 'deflate';

/** `true` (or nothing) is engine.io's default, `{ threshold: 1024 }`; `false` turns compression off. */
export function resolveHttpCompression(option: boolean | HttpCompressionOptions | undefined): ResolvedHttpCompression | false {
  if (option === false) return false;
  const { threshold = 1024, ...zlib } = option === true || option === undefined ? {} : option;
  return { threshold, zlib };
}

/**
 * The encoding to answer with for an `Accept-Encoding` header: gzip or deflate, whichever has the
 * higher quality (gzip on a tie, as the reference's `accepts`); `*` stands for either when it is not
 * named. None when neither is acceptable (absent header, `identity` only, `q=0`).
 *
 * @example
 * negotiateEncoding('gzip, deflate, br'); // 'gzip'
 * negotiateEncoding('deflate;q=1, gzip;q=0.5'); // 'deflate'
 */
export function negotiateEncoding(header: string | undefined): HttpEncoding | undefined {
  if (header === undefined || header === '') return undefined;
  let gzipQ: number | undefined;
  let deflateQ: number | undefined;
  let anyQ: number | undefined;
  for (const entry of header.split(',')) {
    const [rawName = '', ...params] = entry.split(';');
    const name = rawName.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') q = Number(value?.trim());
    }
    if (!(q >= 0 && q <= 1)) continue; // a malformed quality counts as not given at all
    if (name === 'gzip' || name === 'x-gzip') gzipQ = Math.max(gzipQ ?? 0, q);
    else if (name === 'deflate') deflateQ = Math.max(deflateQ ?? 0, q);
    else if (name === '*') anyQ = Math.max(anyQ ?? 0, q);
  }
  const g = gzipQ ?? anyQ ?? 0;
  const d = deflateQ ?? anyQ ?? 0;
  if (g > 0 && g >= d) return 'gzip';
  return d > 0 ? 'deflate' : undefined;
}

/**
 * Compresses `body`; the callback gets the encoded bytes or the error, always asynchronously (zlib
 * throws at once on invalid options such as `level: 42`).
 */
export function compressBody(
  body: string | Buffer,
  encoding: HttpEncoding,
  zlib: ZlibOptions,
  done: (err: Error | null, encoded: Buffer) => void,
): void {
  try {
    (encoding === 'gzip' ? gzip : deflate)(body, zlib, done);
  } catch (err) {
    process.nextTick(done, err instanceof Error ? err : new Error(String(err)), Buffer.alloc(0));
  }
}

export interface CompressedAnswer {
  readonly res: ServerResponse;
  readonly body: string | Buffer;
  readonly encoding: HttpEncoding;
  readonly zlib: ZlibOptions;
  /** The answer's headers, given the encoding ones (the transport adds its own and runs the hooks). */
  readonly headers: (encodingHeaders: Record<string, string>) => Record<string, string>;
}

/**
 * Answers `res` with the compressed body, or 500 when compression fails; `done` runs once the answer is
 * written (or when there was nothing left to answer), whatever happened.
 */
export function writeCompressed(answer: CompressedAnswer, done: () => void): void {
  compressBody(answer.body, answer.encoding, answer.zlib, (err, encoded) => {
    const res = answer.res;
    // Answered meanwhile (server close refuses every pending request) or gone: nothing to write.
    if (!res.writableEnded && !res.destroyed) {
      if (err === null) {
        res.writeHead(
          200,
          answer.headers({ 'Content-Encoding': answer.encoding, 'Content-Length': String(encoded.length), Vary: 'Accept-Encoding' }),
        );
        res.end(encoded);
      } else {
        // engine.io ends such an answer without its body and goes on as if it was sent (the batch is
        // lost, later packets go out on the next GET); a 500 tells the client it got nothing.
        res.writeHead(500);
        res.end();
      }
    }
    done();
  });
}
