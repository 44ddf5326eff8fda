/** The parts of `window.location` the URL parser falls back to. */
export interface LocationLike {
  protocol: string;
  host: string;
}

export interface ParsedUrl {
  /** The scheme without its colon: 'http', 'https', 'ws' or 'wss'. */
  protocol: string;
  /** The host name; an IPv6 address without its brackets, as socket.io-client gives it. */
  host: string;
  /** The port, the scheme's default when the URL has none ('80' or '443'). */
  port: string;
  /** The namespace: the URL's path ('/' when none). */
  path: string;
  /** The engine's origin: http(s)://host:port (ws and wss mapped to http and https). */
  origin: string;
  /** Key of the Manager cache: one Manager per scheme + host + port + engine path. */
  id: string;
  /** Query parameters of the URL, to pass to the engine; undefined when it has none. */
  query: Record<string, string> | undefined;
}

/**
 * Resolves what was given to `io()` as socket.io-client does: nothing means the page's origin, `/path` and
 * `//host` are relative to the page, a bare `host:port` gets the page's scheme (https outside a page).
 *
 * No regular expression: this runs on the connect path, where a first regex exec costs ~0.1 ms of
 * compilation, more than the native `URL` parse.
 *
 * @example
 * url('ws://localhost:3000/admin?token=1', '/socket.io').id; // 'ws://localhost:3000/socket.io'
 */
export function url(
  uri: string | undefined,
  path = '',
  loc: LocationLike | undefined = (globalThis as { location?: LocationLike }).location,
): ParsedUrl {
  const relative = uri == null || (uri[0] === '/' && uri[1] !== '/');
  if (relative && !loc?.host) throw new TypeError('io(): a URL is required outside a browser page');
  let raw = relative ? loc!.host + (uri ?? '') : uri!;
  const i = raw.indexOf('://');
  if (!(i > 0 && ['http', 'https', 'ws', 'wss'].includes(raw.slice(0, i).toLowerCase()))) {
    raw = (loc?.protocol ?? 'https:') + (raw[0] === '/' ? '' : '//') + raw;
  }
  const { protocol: scheme, hostname: host, port: explicitPort, pathname, search } = new URL(raw);
  const protocol = scheme.slice(0, -1);
  const secure = protocol === 'https' || protocol === 'wss';
  // `localhost` and `localhost:80` are the same server, so they must share a Manager.
  const port = explicitPort || (secure ? '443' : '80');
  return {
    protocol,
    host: host[0] === '[' ? host.slice(1, -1) : host,
    port,
    path: pathname || '/',
    origin: `http${secure ? 's' : ''}://${host}:${port}`,
    id: `${protocol}://${host}:${port}${path}`,
    query: search ? Object.fromEntries(new URLSearchParams(search)) : undefined,
  };
}
