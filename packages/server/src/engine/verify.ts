import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EngineErrorCode, EngineRequestError } from './errors.js';
import { useQueryAccessor } from './session-request.js';
import type { TransportName } from './transport.js';

export type EngineMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
export type AllowRequest = (req: IncomingMessage, fn: (err: string | null | undefined, ok: boolean) => void) => void;

/** What request checks need to know of the server. */
export interface VerifyContext {
  readonly transports: readonly TransportName[];
  readonly allowRequest: AllowRequest | undefined;
  /** The transport name of the session `sid`, undefined when there is no such session. */
  sessionTransport(sid: string): TransportName | undefined;
  /** Whether Engine.IO v3 handshakes are accepted (the `allowEIO3` option). */
  readonly allowEIO3: boolean;
  /** The protocol revision of the session `sid` (asked only when v3 sessions may exist). */
  sessionProtocol(sid: string): 3 | 4 | undefined;
}

/** A refusal, or undefined when the request may proceed. */
export type Verdict = EngineRequestError | undefined;

/**
 * engine.io's `verify()`: transport, Origin header, session / handshake rules, allowRequest, protocol
 * version, in the reference's order. Synchronous unless an allowRequest is set (then a promise that
 * never rejects): the default WebSocket handshake is answered in the tick it arrived.
 */
export function verifyRequest(
  ctx: VerifyContext,
  req: IncomingMessage,
  upgrade: boolean,
  query: EngineQuery = queryOf(req),
): Verdict | Promise<Verdict> {
  const transport = query.transport;
  if (transport === null || !isTransportName(transport) || !ctx.transports.includes(transport)) {
    return new EngineRequestError(EngineErrorCode.UNKNOWN_TRANSPORT, { transport });
  }
  const origin = req.headers.origin;
  if (origin !== undefined && INVALID_HEADER_CHAR.test(origin)) {
    return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'INVALID_ORIGIN', origin });
  }
  if (upgrade && transport !== 'websocket') {
    return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport });
  }
  const sid = query.sid;
  if (sid !== null) {
    const previousTransport = ctx.sessionTransport(sid);
    if (previousTransport === undefined) return new EngineRequestError(EngineErrorCode.UNKNOWN_SID, { sid });
    // After an upgrade, polling requests of that session are refused here.
    if (!upgrade && previousTransport !== transport) {
      return new EngineRequestError(EngineErrorCode.BAD_REQUEST, {
        name: 'TRANSPORT_MISMATCH',
        transport,
        previousTransport,
      });
    }
    // A missing or other EIO means v3 (engine.io's rule); it must be the session's revision.
    if (query.EIO === '4' ? ctx.allowEIO3 && ctx.sessionProtocol(sid) === 3 : !ctx.allowEIO3 || ctx.sessionProtocol(sid) !== 3) {
      return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'PROTOCOL_MISMATCH' });
    }
    return undefined;
  }
  if (req.method !== 'GET') {
    return new EngineRequestError(EngineErrorCode.BAD_HANDSHAKE_METHOD, { method: req.method });
  }
  if (transport === 'websocket' && !upgrade) {
    return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'TRANSPORT_HANDSHAKE_ERROR' });
  }
  if (ctx.allowRequest === undefined) return verifyHandshakeProtocol(query, ctx.allowEIO3, req);
  return runAllowRequest(ctx.allowRequest, req).then((refusal) => refusal ?? verifyHandshakeProtocol(query, ctx.allowEIO3, req));
}

function verifyHandshakeProtocol(query: EngineQuery, allowEIO3: boolean, req: IncomingMessage): Verdict {
  // A missing EIO means v3 (engine.io's rule), supported only with allowEIO3, and then not over JSONP.
  if (query.EIO !== '4' && allowEIO3) {
    return isJsonp(req) ? new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'JSONP_NOT_SUPPORTED' }) : undefined;
  }
  if (query.EIO !== '4') {
    // engine.io reports the version it assumed: 3 for anything but "4".
    return new EngineRequestError(EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION, { protocol: 3 });
  }
  return undefined;
}

function runAllowRequest(allow: AllowRequest, req: IncomingMessage): Promise<Verdict> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: string | null | undefined, ok: boolean): void => {
      if (settled) return;
      settled = true;
      resolve(ok ? undefined : new EngineRequestError(EngineErrorCode.FORBIDDEN, { message: err ?? undefined }));
    };
    try {
      allow(req, done);
    } catch (error) {
      done(error instanceof Error ? error.message : undefined, false);
    }
  });
}

/** Runs the `use()` chain in order; resolves with the refusal when one fails (400, as engine.io). */
export async function runMiddlewares(
  middlewares: readonly EngineMiddleware[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<EngineRequestError | undefined> {
  try {
    for (const middleware of middlewares) await runMiddleware(middleware, req, res);
    return undefined;
  } catch (error) {
    return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE', error });
  }
}

function runMiddleware(middleware: EngineMiddleware, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (err?: unknown): void => {
      if (err === undefined || err === null) resolve();
      else reject(err);
    };
    try {
      const result: unknown = middleware(req, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (error) {
      next(error);
    }
  });
}

/**
 * The response object middlewares get on an upgrade: headers they set are added to the 101 answer;
 * end() refuses the upgrade (as engine.io's WebSocketResponse). It writes nothing itself: ws writes
 * the 101.
 */
export class UpgradeResponse extends ServerResponse {
  readonly #socket: Duplex;
  #ended = false;
  readonly #onSocketClose = (): void => {
    this.emit('close');
  };

  constructor(req: IncomingMessage, socket: Duplex) {
    super(req);
    this.#socket = socket;
    // Loggers (pino-http) wait for 'close' of the response; it ends with the connection.
    socket.on('close', this.#onSocketClose); // emitted once; on() spares once()'s wrapper
  }

  /**
   * The upgrade went through: unless someone waits for this response's 'close', stop listening to the
   * connection, so the session does not keep this object alive (heap per idle WebSocket session).
   */
  release(): void {
    if (this.listenerCount('close') === 0) this.#socket.off('close', this.#onSocketClose);
  }

  /** A middleware ended this response: the upgrade is refused. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Called by the server once the middlewares ran, as engine.io does, so that what hooks into it
   * (express-session sets its cookie from an on-headers wrapper of writeHead) lands in the 101.
   * Writes nothing and ignores its arguments (as engine.io's): ws writes the 101, from the headers
   * set on this response, and setHeader() keeps working afterwards.
   */
  override writeHead(..._args: unknown[]): this {
    return this;
  }

  override end(..._args: unknown[]): this {
    this.#ended = true;
    this.emit('finish');
    this.#socket.destroy();
    return this;
  }
}

/**
 * The three parameters the engine reads from a query string, as `URLSearchParams#get` gives them
 * (the first occurrence, decoded; null when absent).
 */
export interface EngineQuery {
  readonly transport: string | null;
  readonly sid: string | null;
  readonly EIO: string | null;
}

/**
 * The engine's parameters of a request's query string. A hand-written scan: `URLSearchParams` costs
 * about as much as the rest of a handshake's checks together, and the engine reads only these three.
 * A query where a name, or the value of one of these three, has `%` or `+` (which need decoding) goes
 * through URLSearchParams, so the values are the same; other parameters' values (our client's
 * `sbconnect=%2F`) are skipped without decoding.
 */
export function queryOf(req: IncomingMessage): EngineQuery {
  const url = req.url ?? '';
  const start = url.indexOf('?');
  if (start === -1) return NO_QUERY;
  // (A second '?' right after the first is dropped by URLSearchParams: also its path.)
  if (url.charCodeAt(start + 1) === 63) return decodedQuery(url.slice(start + 1));
  const found: { transport: string | null; sid: string | null; EIO: string | null } = { transport: null, sid: null, EIO: null };
  let at = start + 1;
  const end = url.length;
  while (at <= end) {
    let next = url.indexOf('&', at);
    if (next === -1) next = end;
    const eq = url.indexOf('=', at);
    const nameEnd = eq === -1 || eq > next ? next : eq;
    const valueStart = nameEnd === next ? next : nameEnd + 1;
    // An encoded name may decode to one of ours.
    if (hasEncoding(url, at, nameEnd)) return decodedQuery(url.slice(start + 1));
    // Only the names the engine reads (whose length tells them apart), first occurrence of each.
    const name = engineParameter(url, at, nameEnd - at);
    if (name !== undefined && found[name] === null) {
      if (hasEncoding(url, valueStart, next)) return decodedQuery(url.slice(start + 1));
      found[name] = url.slice(valueStart, next);
    }
    at = next + 1;
  }
  return found;
}

/** Which of the engine's parameters the name of `length` at `at` is, if any. */
function engineParameter(url: string, at: number, length: number): keyof EngineQuery | undefined {
  if (length === 3) return url.startsWith('sid', at) ? 'sid' : url.startsWith('EIO', at) ? 'EIO' : undefined;
  return length === 9 && url.startsWith('transport', at) ? 'transport' : undefined;
}

const NO_QUERY: EngineQuery = Object.freeze({ transport: null, sid: null, EIO: null });

/** Whether `text` has a `%` or `+` between `from` and `to`. */
function hasEncoding(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 37 || code === 43) return true;
  }
  return false;
}

function decodedQuery(search: string): EngineQuery {
  const params = new URLSearchParams(search);
  return { transport: params.get('transport'), sid: params.get('sid'), EIO: params.get('EIO') };
}

/** The query string of a request, parsed now (not cached). */
export function parseQuery(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '';
  const index = url.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : url.slice(index + 1));
}

/**
 * engine.io's `req._query` (the parsed query string), which apps and middlewares read. Parsed on first
 * read: the accessor is the same for every request, so V8 keeps it in the shared hidden class and an
 * unread `_query` costs a request nothing (heap per idle session keeps the handshake request).
 */
export function exposeQuery(req: IncomingMessage): void {
  if (Reflect.has(req, '_query')) return;
  Object.defineProperty(req, '_query', QUERY_ACCESSOR);
}

const QUERY_ACCESSOR: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: IncomingMessage): Record<string, string> {
    const query = Object.fromEntries(parseQuery(this));
    setQuery(this, query);
    return query;
  },
  set(this: IncomingMessage, value: unknown): void {
    setQuery(this, value);
  },
};

// A session's deferred request (see DeferredRequest) gets the same accessor back when it is built.
useQueryAccessor(exposeQuery, (descriptor) => descriptor.get === QUERY_ACCESSOR.get && descriptor.set === QUERY_ACCESSOR.set);

function setQuery(req: IncomingMessage, value: unknown): void {
  Object.defineProperty(req, '_query', { value, writable: true, enumerable: true, configurable: true });
}

/** A JSONP polling request (`j` in the query), which v3 clients use where XHR is missing. */
function isJsonp(req: IncomingMessage): boolean {
  return parseQuery(req).has('j');
}

function isTransportName(value: string): value is TransportName {
  return value === 'polling' || value === 'websocket';
}

// Characters Node refuses in header values (engine.io checks Origin the same way).
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
