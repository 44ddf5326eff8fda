import type { SocketOptions } from './types.js';

/** Where to connect, resolved from the uri and/or host/port/secure options. */
export interface Endpoint {
  /**
   * `http(s)://host:port/path/`, the path with a trailing slash as the reference server expects
   * (unless `addTrailingSlash: false`). Also the fallback memory's key (one per origin + path).
   */
  readonly url: string;
  /** Query from the uri merged with options.query (options win), plus EIO=4, encoded. */
  readonly query: string;
  /** engine.io-client's fields: the host without IPv6 brackets, the port as a string, https/wss. */
  readonly hostname: string;
  readonly port: string;
  readonly secure: boolean;
}

/** The path requested: `path` ('/engine.io' by default) with one trailing slash unless `addTrailingSlash: false`. */
export function enginePath(opts: SocketOptions): string {
  return `${(opts.path ?? '/engine.io').replace(/\/$/, '')}${opts.addTrailingSlash === false ? '' : '/'}`;
}

/**
 * A relative uri (or none) is resolved against the page (or `http://localhost`). Without a uri the
 * hostname options apply; `port` and `secure` override the uri's.
 */
export function resolveEndpoint(uri: string | undefined, opts: SocketOptions): Endpoint {
  // A page's location; a stand-in with only hostname/port/protocol (as engine.io-client's Node tests
  // install) counts too, as it does for engine.io-client.
  const loc = (globalThis as { location?: { href?: unknown; protocol?: unknown; hostname?: unknown; port?: unknown } }).location;
  const page =
    typeof loc?.href === 'string'
      ? loc.href
      : typeof loc?.hostname === 'string'
        ? `${loc.protocol === 'https:' ? 'https' : 'http'}://${loc.hostname}${loc.port ? `:${String(loc.port)}` : ''}`
        : 'http://localhost';
  const parsed = new URL(uri ?? '', page);
  const secure = opts.secure ?? /^(https|wss):$/.test(parsed.protocol);
  const named = uri === undefined ? (opts.hostname ?? opts.host) : undefined;
  const hostname = named ?? parsed.hostname;
  const defaultPort = secure ? '443' : '80';
  // Another host named in the options does not take the page's port (engine.io-client's rule).
  const port = String(opts.port ?? ((named === undefined && parsed.port) || defaultPort));
  // The page's own query is not ours.
  const query = new URLSearchParams(uri === undefined ? '' : parsed.search);
  for (const [key, value] of Object.entries(opts.query ?? {})) query.set(key, value);
  query.set('EIO', '4');
  return {
    url: `${secure ? 'https' : 'http'}://${hostname.includes(':') && hostname[0] !== '[' ? `[${hostname}]` : hostname}${port === defaultPort ? '' : `:${port}`}${enginePath(opts)}`,
    query: query.toString(),
    hostname: hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
  };
}
