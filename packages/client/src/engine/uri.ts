import type { SocketOptions } from './types.js';

/** Where to connect, resolved from the uri and/or host/port/secure options. */
export interface Endpoint {
  /** `http(s)://host:port/path/` */
  readonly baseUrl: string;
  /** `http(s)://host:port`, the fallback memory key's first half. */
  readonly origin: string;
  /** Always with a trailing slash, as the reference server expects. */
  readonly path: string;
  /** Query from the uri merged with options.query (options win), plus EIO=4. */
  readonly query: Record<string, string>;
}

function currentLocation(): URL | undefined {
  const location: unknown = Reflect.get(globalThis, 'location');
  if (typeof location !== 'object' || location === null) return undefined;
  const href: unknown = Reflect.get(location, 'href');
  return typeof href === 'string' ? new URL(href) : undefined;
}

export function resolveEndpoint(uri: string | undefined, opts: SocketOptions): Endpoint {
  // The page only matters for a relative uri or none: skip its parse for an absolute one.
  const page = uri !== undefined && /^[a-z][\w+.-]*:/i.test(uri) ? undefined : currentLocation();
  const parsed = uri === undefined ? undefined : new URL(uri, page?.href ?? 'http://localhost');
  const secure = opts.secure ?? (parsed !== undefined ? /^(https|wss):$/.test(parsed.protocol) : page?.protocol === 'https:');
  const hostname = parsed?.hostname ?? opts.hostname ?? opts.host ?? page?.hostname ?? 'localhost';
  const port = String(opts.port ?? (parsed?.port || undefined) ?? (parsed === undefined ? page?.port || undefined : undefined) ?? (secure ? '443' : '80'));
  const scheme = secure ? 'https' : 'http';
  const defaultPort = secure ? '443' : '80';
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  const origin = port === defaultPort ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
  const path = `${(opts.path ?? '/engine.io').replace(/\/$/, '')}/`;
  const query: Record<string, string> = {};
  if (parsed?.search) {
    parsed.searchParams.forEach((value, key) => {
      query[key] = value;
    });
  }
  Object.assign(query, opts.query);
  query['EIO'] = '4';
  return { baseUrl: `${origin}${path}`, origin, path, query };
}
