// engine.io-client's `parse` (its parseuri): the parts of a URI under the names that code written
// against engine.io-client reads. Not on the io() path (the client resolves URLs with `URL`).

/** The parts of a URI; absent parts are ''. */
export interface ParsedUri {
  source: string;
  protocol: string;
  authority: string;
  userInfo: string;
  user: string;
  password: string;
  host: string;
  port: string;
  relative: string;
  path: string;
  directory: string;
  file: string;
  query: string;
  anchor: string;
  /** The path's segments, without empty ones at either end (`//` counts as one `/`). */
  pathNames: string[];
  /** The query's `key=value` pairs, not decoded; pairs without a key are left out. */
  queryKey: Record<string, string>;
  /** Set when the host was a bracketed IPv6 address (`host` is then without the brackets). */
  ipv6uri?: true;
}

/**
 * Splits `source` the way engine.io-client's `parse` does: a scheme is recognized only for http, https,
 * ws and wss followed by `//`; without one the authority starts at once (`localhost:3000/x`). A last
 * path segment with an extension (`name.ext`) is the `file`, everything before it the `directory`. The
 * port is digits only.
 * Throws the string 'URI too long' past 8,000 characters, as engine.io-client.
 */
export function parse(source: string): ParsedUri {
  if (source.length > 8000) throw 'URI too long';
  const scheme = /^(https?|wss?):\/\//.exec(source);
  const protocol = scheme?.[1] ?? '';
  const start = scheme ? scheme[0].length : 0;
  const rest = source.slice(start);
  // [user[:password]@]host[:port], the port digits only; an IPv6 host keeps its colons: bracketed, or bare
  // (lower-case hex groups, at most eight: a ninth is the port, as engine.io-client reads it).
  const auth = /^(?:([^:@/?#[\]]*)(?::([^:@/?#[\]]*))?@)?(\[[^\]/?#]*\]|(?:[a-f0-9]{0,4}:){2,7}[a-f0-9]{0,4}|[^:/?#[\]]*)(?::(\d*))?/.exec(rest) as RegExpExecArray;
  const [matched, user = '', password, bracketed = ''] = auth;
  const port = auth[4] ?? '';
  const ipv6 = bracketed.startsWith('[');
  const host = ipv6 ? bracketed.slice(1, -1) : bracketed;
  const userInfo = password === undefined ? user : `${user}:${password}`;
  const authority = ipv6 ? matched.replace(bracketed, host) : matched;
  const relative = rest.slice(matched.length);

  const hash = relative.indexOf('#');
  const beforeHash = hash < 0 ? relative : relative.slice(0, hash);
  const anchor = hash < 0 ? '' : relative.slice(hash + 1);
  const mark = beforeHash.indexOf('?');
  const path = mark < 0 ? beforeHash : beforeHash.slice(0, mark);
  const query = mark < 0 ? '' : beforeHash.slice(mark + 1);
  // The file: the last segment when it ends in an extension. Right after the path's leading slash the
  // extension must come after the segment's first character (`/.env` is a directory, `/a.js` a file).
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  const file = slash < 0 || /\.[^.]+$/.test(slash === 0 ? last.slice(1) : last) ? last : '';

  const queryKey: Record<string, string> = {};
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key) queryKey[key] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  const parsed: ParsedUri = {
    source,
    protocol,
    authority,
    userInfo,
    user,
    password: password ?? '',
    host,
    port,
    relative,
    path,
    directory: path.slice(0, path.length - file.length),
    file,
    query,
    anchor,
    pathNames: path.split(/\/+/).filter((name) => name !== ''),
    queryKey,
  };
  if (ipv6) parsed.ipv6uri = true;
  return parsed;
}
