/** The parts of `window.location` the URL parser falls back to. */
export interface LocationLike {
  protocol: string;
  host: string;
}

export interface ParsedUrl {
  /** 'http' | 'https' | 'ws' | 'wss', without the colon. */
  protocol: string;
  host: string;
  port: string;
  /** The namespace: the URL's path ('/' when none). */
  path: string;
  /** The engine's origin: http(s)://host:port (ws and wss mapped to http and https). */
  origin: string;
  /** Key of the Manager cache: one Manager per scheme + host + port + engine path. */
  id: string;
  /** Query parameters of the URL, to pass to the engine. */
  query: Record<string, string>;
}

function currentLocation(): LocationLike | undefined {
  const loc: unknown = Reflect.get(globalThis, 'location');
  return typeof loc === 'object' && loc !== null && typeof Reflect.get(loc, 'host') === 'string'
    ? (loc as LocationLike)
    : undefined;
}

/**
 * Resolves what was given to `io()` as socket.io-client does: nothing means the page's origin, `/path` and
 * `//host` are relative to the page, a bare `host:port` gets the page's scheme (https outside a page).
 *
 * @example
 * url('ws://localhost:3000/admin?token=1', '/socket.io').id; // 'ws://localhost:3000/socket.io'
 */
export function url(uri: string | undefined, path = '', loc: LocationLike | undefined = currentLocation()): ParsedUrl {
  let raw = uri;
  if (raw == null) {
    if (loc === undefined) throw new TypeError('io(): a URL is required outside a browser page');
    raw = `${loc.protocol}//${loc.host}`;
  } else if (raw.startsWith('//')) {
    raw = (loc?.protocol ?? 'https:') + raw;
  } else if (raw.startsWith('/')) {
    if (loc === undefined) throw new TypeError(`io(): cannot resolve "${raw}" without a page location`);
    raw = loc.host + raw;
  }
  if (!/^(https?|wss?):\/\//i.test(raw)) raw = `${loc?.protocol ?? 'https:'}//${raw}`;

  const parsed = new URL(raw);
  const protocol = parsed.protocol.slice(0, -1).toLowerCase();
  const secure = protocol === 'https' || protocol === 'wss';
  // `localhost` and `localhost:80` are the same server, so they must share a Manager.
  const port = parsed.port || (secure ? '443' : '80');
  const host = parsed.hostname; // IPv6 stays in brackets, as the id needs it
  const query: Record<string, string> = {};
  // searchParams is built lazily and costs as much as the parse: skip it when there is no query.
  if (parsed.search) {
    parsed.searchParams.forEach((value, key) => {
      query[key] = value;
    });
  }
  return {
    protocol,
    host,
    port,
    path: parsed.pathname || '/',
    origin: `${secure ? 'https' : 'http'}://${host}:${port}`,
    id: `${protocol}://${host}:${port}${path}`,
    query,
  };
}
