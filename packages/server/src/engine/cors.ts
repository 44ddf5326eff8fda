import type { IncomingMessage, ServerResponse } from 'node:http';

type StaticOrigin = boolean | string | RegExp | ReadonlyArray<string | RegExp>;

/** The `cors` package's options (the subset engine.io users rely on). */
export interface CorsOptions {
  /** true reflects the request origin; '*' allows any; string/RegExp/array allow listed origins. */
  origin?:
    | StaticOrigin
    | ((origin: string | undefined, callback: (err: Error | null, origin?: StaticOrigin) => void) => void);
  methods?: string | readonly string[];
  /** Defaults to reflecting Access-Control-Request-Headers. */
  allowedHeaders?: string | readonly string[];
  /** Alias of `allowedHeaders` (the `cors` package accepts both). */
  headers?: string | readonly string[];
  exposedHeaders?: string | readonly string[];
  credentials?: boolean;
  maxAge?: number;
  /** Status of the preflight answer (204). */
  optionsSuccessStatus?: number;
}

export type CorsOutcome = 'preflight-answered' | 'continue';

const DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * Applies CORS headers to a polling response and answers OPTIONS preflights (as the `cors` package
 * that engine.io uses). Only called when the `cors` option is configured: off by default since
 * socket.io#3671. CORS does not apply to WebSocket upgrades; use `allowRequest` to check origins there.
 */
export async function applyCors(options: CorsOptions, req: IncomingMessage, res: ServerResponse): Promise<CorsOutcome> {
  const requestOrigin = req.headers.origin;
  const allowed = await resolveOrigin(options, requestOrigin);
  if (allowed === false) return req.method === 'OPTIONS' ? answerPreflight(options, res) : 'continue';
  setOrigin(res, allowed, requestOrigin);
  if (options.credentials === true) res.setHeader('Access-Control-Allow-Credentials', 'true');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', join(options.methods) ?? DEFAULT_METHODS);
    const configured = options.allowedHeaders ?? options.headers;
    const headers = join(configured) ?? req.headers['access-control-request-headers'];
    if (configured === undefined) appendVary(res, 'Access-Control-Request-Headers');
    if (headers !== undefined && headers !== '') res.setHeader('Access-Control-Allow-Headers', headers);
    if (options.maxAge !== undefined) res.setHeader('Access-Control-Max-Age', String(options.maxAge));
    setExposedHeaders(options, res);
    return answerPreflight(options, res);
  }
  setExposedHeaders(options, res);
  return 'continue';
}

/** Sent on preflights and actual requests alike, as the `cors` package does. */
function setExposedHeaders(options: CorsOptions, res: ServerResponse): void {
  const exposed = join(options.exposedHeaders);
  if (exposed !== undefined && exposed !== '') res.setHeader('Access-Control-Expose-Headers', exposed);
}

function answerPreflight(options: CorsOptions, res: ServerResponse): CorsOutcome {
  res.statusCode = options.optionsSuccessStatus ?? 204;
  // Some user agents choke on a 204 without an explicit length.
  res.setHeader('Content-Length', '0');
  res.end();
  return 'preflight-answered';
}

function resolveOrigin(options: CorsOptions, origin: string | undefined): Promise<StaticOrigin> {
  const configured = options.origin ?? '*';
  if (typeof configured !== 'function') return Promise.resolve(configured);
  return new Promise((resolve) => {
    configured(origin, (err, value) => resolve(err !== null ? false : (value ?? false)));
  });
}

function setOrigin(res: ServerResponse, allowed: Exclude<StaticOrigin, false>, origin: string | undefined): void {
  if (allowed === '*') {
    res.setHeader('Access-Control-Allow-Origin', '*');
    return;
  }
  if (typeof allowed === 'string') {
    res.setHeader('Access-Control-Allow-Origin', allowed);
    appendVary(res, 'Origin');
    return;
  }
  appendVary(res, 'Origin');
  if (origin !== undefined && (allowed === true || matches(allowed, origin))) {
    res.setHeader('Access-Control-Allow-Origin', origin);
  }
}

function matches(allowed: Exclude<StaticOrigin, boolean | string>, origin: string): boolean {
  const list: ReadonlyArray<string | RegExp> = allowed instanceof RegExp ? [allowed] : allowed;
  return list.some((entry) => (typeof entry === 'string' ? entry === origin : entry.test(origin)));
}

function join(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

function appendVary(res: ServerResponse, field: string): void {
  const current = res.getHeader('Vary');
  const existing = typeof current === 'string' ? current : Array.isArray(current) ? current.join(', ') : '';
  if (existing.split(/\s*,\s*/).includes(field)) return;
  res.setHeader('Vary', existing === '' ? field : `${existing}, ${field}`);
}
