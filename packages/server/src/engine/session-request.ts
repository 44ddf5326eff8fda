// What a session keeps of the request that opened it: `socket.request` lives as long as the session,
// but its stream state and event tables are dead once the handshake was answered.
import { IncomingMessage } from 'node:http';

/**
 * Own properties Node gives every request (as of Node 20) that only matter while it is parsed or
 * streamed; they do not survive the handshake. Node's other own properties (socket, httpVersion*,
 * complete, rawHeaders, upgrade, url, method) and anything the application put there (`engine.use()`
 * middleware: `req.session`, `req.user`, ...) are kept.
 */
const DROPPED: ReadonlySet<PropertyKey> = new Set([
  '_events',
  '_eventsCount',
  '_readableState',
  '_maxListeners',
  'rawTrailers',
  'joinDuplicateHeaders',
  'aborted',
  'statusCode',
  'statusMessage',
  'client',
  '_consuming',
  '_dumped',
  // An upgrade request's, null once Node handed the connection over.
  'parser',
]);

/**
 * Node's symbol-keyed state that only matters while the request is parsed or streamed (8 bytes a
 * field). `kHeaders` (the parsed headers behind `req.headers`, see lazyHeaders) and `kHeadersCount` are kept.
 */
const NODE_SYMBOLS_LEFT_OUT: ReadonlySet<string> = new Set(['shapeMode', 'kCapture', 'kTrailers', 'kTrailersCount']);

const HTTP_1_1 = '1.1';

/** `rawTrailers` of every kept request (a handshake has no body, hence no trailers). */
const NO_TRAILERS: string[] = [];
Object.freeze(NO_TRAILERS);

/**
 * A lighter stand-in for a handshake request that has been answered: an IncomingMessage (same
 * prototype: `headers`, `connection`, `instanceof` work) with the same method, url, httpVersion,
 * headers, rawHeaders, socket and every property middleware added, but without the Readable state and
 * event tables (~400 bytes per idle session). Symbol-keyed properties (Node keeps the parsed headers
 * under one) are copied as they are.
 *
 * Not the same object: code that keyed a WeakMap by the request in a middleware must use a property
 * on the request instead (as `req.session` does).
 */
export function compactRequest(req: IncomingMessage): IncomingMessage {
  // Node builds `req.headers` on first read; make sure the parsed headers are there to be copied.
  shareHeaderStrings(req);
  const copy = Object.create(IncomingMessage.prototype) as IncomingMessage;
  let headersKey: symbol | undefined;
  let headersCountKey: symbol | undefined;
  for (const key of Reflect.ownKeys(req)) {
    if (typeof key === 'string' && DROPPED.has(key)) continue;
    if (typeof key === 'symbol') {
      if (key.description === 'kHeaders') headersKey = key;
      if (key.description === 'kHeadersCount') headersCountKey = key;
      if (key.description !== undefined && NODE_SYMBOLS_LEFT_OUT.has(key.description)) continue;
    }
    const descriptor = Reflect.getOwnPropertyDescriptor(req, key);
    if (descriptor === undefined) continue;
    // Node builds this string per request; one constant for the usual value.
    if (key === 'httpVersion' && descriptor.value === HTTP_1_1) descriptor.value = HTTP_1_1;
    Reflect.defineProperty(copy, key, descriptor);
  }
  Reflect.defineProperty(copy, 'rawTrailers', { value: NO_TRAILERS, writable: true, enumerable: true, configurable: true });
  if (headersKey !== undefined && headersCountKey !== undefined) lazyHeaders(copy, req.headers, headersKey, headersCountKey);
  return copy;
}

/**
 * What a session keeps of its handshake request until `socket.request` is first read (most apps
 * never read it after the handshake): the values the compact copy would hold, without the copy (its
 * object and property array, ~140 bytes per idle session, and the work of defining its properties
 * during the handshake). Only for a request with Node's own properties alone and its parsed headers
 * what Node rebuilds from rawHeaders; any other request is copied at once (compactRequest).
 */
export class DeferredRequest {
  /** The copy's property keys, in the request's order (one array shared by requests of one shape). */
  readonly #shape: ReadonlyArray<string | symbol>;
  readonly #socket: unknown;
  readonly #url: unknown;
  readonly #rawHeaders: unknown;
  readonly #method: unknown;
  /** complete, upgrade and the HTTP version (see BIT_*), as one small integer. */
  readonly #bits: number;

  constructor(shape: ReadonlyArray<string | symbol>, socket: unknown, url: unknown, rawHeaders: unknown, method: unknown, bits: number) {
    this.#shape = shape;
    this.#socket = socket;
    this.#url = url;
    this.#rawHeaders = rawHeaders;
    this.#method = method;
    this.#bits = bits;
  }

  /** The request's url, as the copy will have it. */
  get url(): string | undefined {
    return this.#url as string | undefined;
  }

  /** The compact copy compactRequest() would have made of the request. */
  build(): IncomingMessage {
    const copy = Object.create(IncomingMessage.prototype) as IncomingMessage;
    const v11 = (this.#bits & BIT_HTTP_1_0) === 0;
    for (const key of this.#shape) {
      let value: unknown;
      if (typeof key === 'symbol') {
        // kHeaders (empty: the headers getter rebuilds them from rawHeaders) or kHeadersCount.
        value = key.description === 'kHeaders' ? null : (this.#rawHeaders as string[]).length;
      } else if (key === '_query') {
        exposeLazyQuery(copy);
        continue;
      } else {
        value = this.#value(key, v11);
      }
      Reflect.defineProperty(copy, key, { value, writable: true, enumerable: true, configurable: true });
    }
    Reflect.defineProperty(copy, 'rawTrailers', { value: NO_TRAILERS, writable: true, enumerable: true, configurable: true });
    return copy;
  }

  #value(key: string, v11: boolean): unknown {
    switch (key) {
      case 'socket':
        return this.#socket;
      case 'url':
        return this.#url;
      case 'rawHeaders':
        // A shared list is frozen and belongs to many sessions: this request gets its own array.
        return (this.#bits & BIT_SHARED_LIST) === 0 ? this.#rawHeaders : (this.#rawHeaders as string[]).slice();
      case 'method':
        return this.#method;
      case 'httpVersion':
        return v11 ? HTTP_1_1 : HTTP_1_0;
      case 'httpVersionMajor':
        return 1;
      case 'httpVersionMinor':
        return v11 ? 1 : 0;
      case 'complete':
        return (this.#bits & BIT_COMPLETE) !== 0;
      default:
        // 'upgrade': the only other key a deferred request has (see PLAIN_KEYS).
        return (this.#bits & BIT_UPGRADE) !== 0;
    }
  }
}

const BIT_COMPLETE = 1;
const BIT_UPGRADE = 2;
const BIT_HTTP_1_0 = 4;
/** rawHeaders is a shared list (see sharedList). */
const BIT_SHARED_LIST = 8;
const HTTP_1_0 = '1.0';

/** Node's own string keys a deferred request may have (besides `_query`), each a plain data property. */
const PLAIN_KEYS: ReadonlySet<string> = new Set([
  'socket',
  'httpVersionMajor',
  'httpVersionMinor',
  'httpVersion',
  'complete',
  'rawHeaders',
  'upgrade',
  'url',
  'method',
]);

let lastShape: ReadonlyArray<string | symbol> = [];

/** `keys`, or the equal array a previous request had (shared). */
function sharedShape(keys: Array<string | symbol>): ReadonlyArray<string | symbol> {
  const last = lastShape;
  if (last.length === keys.length && last.every((key, i) => key === keys[i])) return last;
  lastShape = Object.freeze(keys);
  return lastShape;
}

/** Set by verify.ts (engine.io's lazy `req._query`): the accessor a copy gets back. */
let exposeLazyQuery: (req: IncomingMessage) => void = () => undefined;
let isLazyQuery: (descriptor: PropertyDescriptor) => boolean = () => false;

/** @internal verify.ts hands its `_query` accessor over (no import cycle). */
export function useQueryAccessor(expose: (req: IncomingMessage) => void, isAccessor: (descriptor: PropertyDescriptor) => boolean): void {
  exposeLazyQuery = expose;
  isLazyQuery = isAccessor;
}

/**
 * What the session keeps of its answered handshake request: a DeferredRequest when the request
 * qualifies (see there), else the compact copy.
 */
export function deferRequest(req: IncomingMessage): IncomingMessage | DeferredRequest {
  const shareable = shareHeaderStrings(req);
  const keys: Array<string | symbol> = [];
  let bits = 0;
  let headersKey: symbol | undefined;
  let headersCountKey: symbol | undefined;
  for (const key of Reflect.ownKeys(req)) {
    if (typeof key === 'string' && DROPPED.has(key)) continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(req, key);
    if (descriptor === undefined) continue;
    if (typeof key === 'symbol') {
      if (key.description !== undefined && NODE_SYMBOLS_LEFT_OUT.has(key.description)) continue;
      if (key.description === 'kHeaders') headersKey = key;
      else if (key.description === 'kHeadersCount') headersCountKey = key;
      else return compactRequest(req);
      if (!isPlainData(descriptor)) return compactRequest(req);
    } else if (key === '_query') {
      if (!isLazyQuery(descriptor)) return compactRequest(req);
    } else {
      if (!PLAIN_KEYS.has(key) || !isPlainData(descriptor)) return compactRequest(req);
      const value: unknown = descriptor.value;
      if (key === 'complete' && value === true) bits |= BIT_COMPLETE;
      else if (key === 'upgrade' && value === true) bits |= BIT_UPGRADE;
      else if ((key === 'complete' || key === 'upgrade') && value !== false) return compactRequest(req);
      else if (key === 'httpVersion' && value === HTTP_1_0) bits |= BIT_HTTP_1_0;
      else if (key === 'httpVersion' && value !== HTTP_1_1) return compactRequest(req);
      else if (key === 'httpVersionMajor' && value !== 1) return compactRequest(req);
    }
    keys.push(key);
  }
  if (headersKey === undefined || headersCountKey === undefined) return compactRequest(req);
  if (req.httpVersionMinor !== ((bits & BIT_HTTP_1_0) === 0 ? 1 : 0)) return compactRequest(req);
  if (typeof req.url !== 'string' || typeof req.method !== 'string') return compactRequest(req);
  if (Reflect.get(req, headersCountKey) !== req.rawHeaders.length) return compactRequest(req);
  // The parsed headers must be what Node rebuilds from rawHeaders (nothing changed them).
  const probe = Object.create(IncomingMessage.prototype) as IncomingMessage;
  Reflect.defineProperty(probe, 'rawHeaders', { value: req.rawHeaders });
  Reflect.defineProperty(probe, headersCountKey, { value: req.rawHeaders.length });
  Reflect.defineProperty(probe, headersKey, { value: null, writable: true });
  if (!sameHeaders(probe.headers, req.headers)) return compactRequest(req);
  const list = shareable ? sharedList(req.rawHeaders) : undefined;
  if (list !== undefined) bits |= BIT_SHARED_LIST;
  return new DeferredRequest(sharedShape(keys), req.socket, req.url, list ?? req.rawHeaders, req.method, bits);
}

function isPlainData(descriptor: PropertyDescriptor): boolean {
  return descriptor.get === undefined && descriptor.set === undefined && descriptor.writable === true && descriptor.enumerable === true && descriptor.configurable === true;
}

/**
 * Drops the copy's parsed headers when Node's `headers` getter builds the same object again from
 * `rawHeaders` (it does so when its field is empty, as on a fresh request): most apps never read
 * `socket.request.headers` after the handshake, so an idle session keeps only the raw list. Headers a
 * middleware changed are kept as they are.
 */
function lazyHeaders(copy: IncomingMessage, headers: IncomingMessage['headers'], headersKey: symbol, countKey: symbol): void {
  // The getter reads as many raw entries as this count says.
  if (Reflect.get(copy, countKey) !== copy.rawHeaders.length) return;
  // Emptied, the getter rebuilds the headers from rawHeaders (and caches them there): compare that
  // rebuild with what the request had, then empty the field again or put the request's own back.
  Reflect.set(copy, headersKey, null);
  if (sameHeaders(copy.headers, headers)) Reflect.set(copy, headersKey, null);
  else Reflect.set(copy, headersKey, headers);
}

function sameHeaders(a: IncomingMessage['headers'], b: IncomingMessage['headers']): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((value, i) => value !== y[i])) return false;
    } else if (x !== y) return false;
  }
  return true;
}

/**
 * Header names, and values that are the same for many clients, as one string per distinct text:
 * every session from the same kind of client then shares them (equal strings are indistinguishable,
 * so rewriting the arrays in place changes nothing an application can see).
 */
const sharedStrings = new Map<string, string>();
const SHARED_STRINGS_MAX = 1024;
const SHARED_STRING_MAX_LENGTH = 256;
/** Headers whose values repeat across clients (unlike keys, cookies, ids and credentials). */
const SHARED_VALUE_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'upgrade',
  'origin',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'pragma',
  'content-type',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-fetch-dest',
  'sec-fetch-mode',
  'sec-fetch-site',
]);

function shared(text: string): string {
  const known = sharedStrings.get(text);
  if (known !== undefined) return known;
  if (sharedStrings.size < SHARED_STRINGS_MAX && text.length <= SHARED_STRING_MAX_LENGTH) sharedStrings.set(text, text);
  return text;
}

/** Rewrites the header strings of `req` to their shared copies (see sharedStrings). */
export function shareHeaderStrings(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  const headers = req.headers;
  let all = true;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    raw[i] = shared(name);
    const lower = name.toLowerCase();
    if (!SHARED_VALUE_HEADERS.has(lower)) {
      all = false;
      continue;
    }
    const value = raw[i + 1] ?? '';
    const common = shared(value);
    raw[i + 1] = common;
    if (headers[lower] === value) headers[lower] = common;
  }
  return all;
}

/**
 * Header lists made only of headers whose values repeat across clients (see SHARED_VALUE_HEADERS),
 * one frozen array per distinct list: clients of the same kind without cookies or credentials (Node
 * clients, devices, cookie-less pages over polling) then share their handshake's rawHeaders too. A
 * deferred request hands out a copy of it (see DeferredRequest.build).
 */
const sharedLists = new Map<string, readonly string[]>();
const SHARED_LISTS_MAX = 256;

function sharedList(raw: string[]): readonly string[] | undefined {
  // Header names and values never contain a line feed (Node refuses them), so the key is unambiguous.
  const key = raw.join('\n');
  const known = sharedLists.get(key);
  if (known !== undefined || sharedLists.size >= SHARED_LISTS_MAX) return known;
  const list = Object.freeze(raw.slice());
  sharedLists.set(key, list);
  return list;
}
