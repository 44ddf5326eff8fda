// `serveClient` (socket.io's option, on by default there): the browser client is handed out under the
// server's path with socket.io's file names, so `<script src="/socket.io/socket.io.js">` then `io()`
// keeps working after a move to Switchback. The files are the installed @switchback/client package's
// dist/browser build (packages/client/scripts/bundle.mjs); nothing is read before the first request.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, deflate, gzip } from 'node:zlib';
import { applyCors } from './engine/cors.js';
import type { CorsOptions } from './engine/cors.js';

/** The package whose dist/browser files are served. */
export const CLIENT_PACKAGE = '@switchback/client';

// URL name under the path → file in dist/browser. socket.io's names first; the bundles' own names too,
// because their `//# sourceMappingURL=switchback.js.map` comments resolve next to the served file.
const FILES: ReadonlyMap<string, string> = new Map(
  ['.js', '.js.map', '.min.js', '.min.js.map', '.esm.min.js', '.esm.min.js.map', '.msgpack.min.js', '.msgpack.min.js.map'].flatMap((suffix) => [
    [`socket.io${suffix}`, `switchback${suffix}`],
    [`switchback${suffix}`, `switchback${suffix}`],
  ]),
);
export type ClientFileErrorCode = 'CLIENT_NOT_INSTALLED' | 'CLIENT_NOT_BUILT';

/** Why a client file could not be served: answered as a 404 with this message, never thrown at the caller. */
export class ClientFileError extends Error {
  readonly code: ClientFileErrorCode;
  readonly status = 404;

  constructor(code: ClientFileErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientFileError';
    this.code = code;
  }
}

/** Where the browser files are and the version that tags them (the ETag, as socket.io's). */
export interface ClientPackage {
  readonly dir: string;
  readonly version: string;
}

export interface ClientFilesOptions {
  /** Finds the client package; undefined when it is not installed. Default: resolve @switchback/client. */
  readonly locate?: () => Promise<ClientPackage | undefined>;
  /** Told once per ClientFiles when the files cannot be served. Default console.warn. */
  readonly warn?: (err: ClientFileError) => void;
}

/** Per request: the server's path (socket.io's `path` option) and its `cors` option. */
export interface ServeClientOptions {
  readonly path: string;
  readonly cors?: CorsOptions | undefined;
}

type Coding = 'br' | 'gzip' | 'deflate';
const CODINGS: readonly Coding[] = ['br', 'gzip', 'deflate'];

const compressors: Readonly<Record<Coding, (body: Buffer) => Promise<Buffer>>> = {
  // Done once per file and kept: the slowest, smallest settings are worth it.
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: {
        [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
        [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  gzip: (body) => promisify(gzip)(body, { level: zlibConstants.Z_BEST_COMPRESSION }),
  deflate: (body) => promisify(deflate)(body, { level: zlibConstants.Z_BEST_COMPRESSION }),
};

/** One file, read on its first request; each encoding compressed on its first request. */
interface CachedFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly encoded: Map<Coding, Promise<Buffer>>;
}

/**
 * Answers the client file requests under a server's path, from memory after the first one.
 *
 * @example
 * const files = new ClientFiles();
 * engine.attach(httpServer);
 * files.mount(httpServer, { path: '/socket.io' });
 */
export class ClientFiles {
  readonly #locate: () => Promise<ClientPackage | undefined>;
  readonly #warn: (err: ClientFileError) => void;
  #package: Promise<ClientPackage | undefined> | undefined;
  readonly #files = new Map<string, Promise<CachedFile>>();
  #warned = false;

  constructor(options: ClientFilesOptions = {}) {
    this.#locate = options.locate ?? locateInstalledClient;
    this.#warn = options.warn ?? ((err) => console.warn(`[switchback] serveClient: ${err.message}`));
  }

  /**
   * Handles `req` when it asks for a client file under `options.path` (query ignored) with GET or HEAD
   * (or a CORS preflight when `cors` is set); returns false, without touching `res`, otherwise.
   */
  serve(req: IncomingMessage, res: ServerResponse, options: ServeClientOptions): boolean {
    const name = clientFileName(requestUrl(req), options.path);
    if (name === undefined) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && !(method === 'OPTIONS' && options.cors !== undefined)) return false;
    this.#answer(name, req, res, options.cors).catch((err: unknown) => answerFailure(res, err));
    return true;
  }

  /**
   * Puts the client files in front of every 'request' listener `server` has now (the engine's
   * included), so they are answered before the engine sees their path; other requests go on to those.
   */
  mount(server: HttpServer, options: ServeClientOptions): void {
    const previous = server.listeners('request').slice();
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.serve(req, res, options)) return;
      for (const listener of previous) Reflect.apply(listener, server, [req, res]);
    });
  }

  async #answer(name: string, req: IncomingMessage, res: ServerResponse, cors: CorsOptions | undefined): Promise<void> {
    // As socket.io: the CORS headers first, so a page on another origin may load the script as a module.
    if (cors !== undefined && (await applyCors(cors, req, res)) === 'preflight-answered') return;
    const fileName = FILES.get(name) as string; // clientFileName() let only these names through
    const file = await this.#file(fileName).catch((err: unknown) => {
      if (!(err instanceof ClientFileError)) throw err;
      if (!this.#warned) {
        this.#warned = true;
        this.#warn(err);
      }
      answerNotFound(res, err);
      return undefined;
    });
    if (file === undefined) return;
    res.setHeader('Cache-Control', 'public, max-age=0');
    res.setHeader('ETag', file.etag);
    res.setHeader('Vary', appendVary(res.getHeader('Vary'), 'Accept-Encoding'));
    if (matchesEtag(req.headers['if-none-match'], file.etag)) {
      res.writeHead(304).end();
      return;
    }
    const coding = negotiateEncoding(req.headers['accept-encoding']);
    const body = coding === undefined ? file.body : await encoded(file, coding);
    res.setHeader('Content-Type', file.type);
    res.setHeader('Content-Length', body.length);
    if (coding !== undefined) res.setHeader('Content-Encoding', coding);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  #file(fileName: string): Promise<CachedFile> {
    let file = this.#files.get(fileName);
    if (file === undefined) {
      file = this.#load(fileName);
      // A failed read is not kept: installing or building the client then works without a restart.
      file.catch(() => this.#files.delete(fileName));
      this.#files.set(fileName, file);
    }
    return file;
  }

  async #load(fileName: string): Promise<CachedFile> {
    this.#package ??= this.#locate();
    const pkg = await this.#package;
    if (pkg === undefined) {
      this.#package = undefined;
      throw new ClientFileError(
        'CLIENT_NOT_INSTALLED',
        `${CLIENT_PACKAGE} is not installed, so the browser client files (socket.io.js, ...) answer 404: ` +
          `install it next to @switchback/server (npm install ${CLIENT_PACKAGE}), or set serveClient: false`,
      );
    }
    const path = join(pkg.dir, fileName);
    const body = await readFile(path).catch((cause: unknown) => {
      throw new ClientFileError('CLIENT_NOT_BUILT', `${CLIENT_PACKAGE} has no ${path}: build it (npm run build in the client package)`, {
        cause,
      });
    });
    const type = fileName.endsWith('.map') ? 'application/json; charset=utf-8' : 'application/javascript; charset=utf-8';
    // Per RFC 9110 §8.8.3 an entity tag is quoted.
    return { body, type, etag: `"${pkg.version}"`, encoded: new Map() };
  }
}

let defaultFiles: ClientFiles | undefined;

/**
 * What `serveClient` does for a request: serves the client file it asks for under `options.path` and
 * returns true, or returns false (and leaves `res` alone) when it is not such a request.
 *
 * @example
 * if (serveClient && serveClientFile(req, res, { path: '/socket.io', cors })) return;
 */
export function serveClientFile(req: IncomingMessage, res: ServerResponse, options: ServeClientOptions): boolean {
  defaultFiles ??= new ClientFiles();
  return defaultFiles.serve(req, res, options);
}

/**
 * socket.io's `attachServe` with the shared ClientFiles: the client files in front of `server`'s
 * request listeners. Call it after the engine attached.
 *
 * @example
 * engine.attach(httpServer);
 * mountClientFiles(httpServer, { path: '/socket.io', cors });
 */
export function mountClientFiles(server: HttpServer, options: ServeClientOptions): void {
  defaultFiles ??= new ClientFiles();
  defaultFiles.mount(server, options);
}

/** The client file name `url` asks for under `path`, or undefined when it asks for something else. */
export function clientFileName(url: string, path: string): string | undefined {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!url.startsWith(prefix)) return undefined;
  const query = url.indexOf('?');
  const name = url.slice(prefix.length, query === -1 ? url.length : query);
  return FILES.has(name) ? name : undefined;
}

/**
 * The content coding to answer with for an Accept-Encoding header, undefined for none: the highest
 * q-value wins, ties go to the client's order, then to ours (br, gzip, deflate), as socket.io's
 * `accepts` does. `*` stands for every coding not named.
 */
export function negotiateEncoding(header: string | string[] | undefined): Coding | undefined {
  if (header === undefined) return undefined;
  const listed = new Map<string, { q: number; order: number }>();
  (Array.isArray(header) ? header.join(',') : header).split(',').forEach((part, order) => {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding === '') return;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!listed.has(coding)) listed.set(coding, { q: Number.isFinite(q) ? q : 0, order });
  });
  let best: { coding: Coding; q: number; order: number } | undefined;
  for (const coding of CODINGS) {
    const entry = listed.get(coding) ?? listed.get('*');
    if (entry === undefined || entry.q <= 0) continue;
    if (best === undefined || entry.q > best.q || (entry.q === best.q && entry.order < best.order)) {
      best = { coding, ...entry };
    }
  }
  return best?.coding;
}

function encoded(file: CachedFile, coding: Coding): Promise<Buffer> {
  let body = file.encoded.get(coding);
  if (body === undefined) {
    body = compressors[coding](file.body);
    body.catch(() => file.encoded.delete(coding));
    file.encoded.set(coding, body);
  }
  return body;
}

/** If-None-Match against our strong tag: weak comparison (RFC 9110 §13.1.2), so W/"v" matches too. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

function appendVary(current: number | string | string[] | undefined, field: string): string {
  const existing = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  if (existing.split(/\s*,\s*/).includes(field)) return existing;
  return existing === '' ? field : `${existing}, ${field}`;
}

/** Express hands middlewares a URL relative to the mount point; the full one is in `originalUrl`. */
function requestUrl(req: IncomingMessage): string {
  const original: unknown = Reflect.get(req, 'originalUrl');
  return typeof original === 'string' ? original : (req.url ?? '');
}

function answerNotFound(res: ServerResponse, err: ClientFileError): void {
  if (res.headersSent) return;
  res.writeHead(err.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${err.message}\n`);
}

/** An unexpected failure (a compressor error): 500 if nothing was sent yet, else cut the response. */
function answerFailure(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  res.removeHeader('Content-Encoding');
  res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error while serving the client file\n');
}

/** The installed @switchback/client, resolved from this file as Node resolves an import of it. */
export async function locateInstalledClient(): Promise<ClientPackage | undefined> {
  let manifest: string;
  try {
    manifest = ownRequire().resolve(`${CLIENT_PACKAGE}/package.json`);
  } catch {
    return undefined;
  }
  const parsed: unknown = JSON.parse(await readFile(manifest, 'utf8'));
  const version: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'version') : undefined;
  return { dir: join(dirname(manifest), 'dist', 'browser'), version: typeof version === 'string' ? version : '0.0.0' };
}

/**
 * A require() resolving from this file. This source is compiled twice, to ESM and to CommonJS
 * (tsconfig.cjs.json), and `import.meta.url` is a syntax error in the CommonJS output. So CommonJS uses
 * its module-scoped `require`, and ESM reads its own file name from V8's structured stack trace.
 */
function ownRequire(): NodeJS.Require {
  if (typeof require === 'function') return require;
  return createRequire(ownFileName() ?? join(process.cwd(), 'noop.js'));
}

function ownFileName(): string | undefined {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_err, frames) => frames;
    const frames = new Error().stack as unknown as readonly NodeJS.CallSite[] | undefined;
    return frames?.[0]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}
