/** The `cookie` option: the session id cookie set on the handshake (for sticky load balancers). */
export interface CookieOptions {
  name?: string;
  path?: string | false;
  domain?: string;
  /** Defaults to true unless `path` is false (engine.io's rule); any truthy value means true. */
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none' | boolean;
  maxAge?: number;
  expires?: Date;
}

export type ResolvedCookieOptions = CookieOptions & { name: string };

/** engine.io's defaults: `io`, path `/`, HttpOnly (unless `path: false`), SameSite=Lax. */
export function resolveCookieOptions(option: boolean | CookieOptions | undefined): ResolvedCookieOptions | false {
  if (option === undefined || option === false) return false;
  const given = option === true ? {} : option;
  return { name: 'io', path: '/', httpOnly: given.path !== false, sameSite: 'lax', ...given };
}

const TOKEN = /^[\u0021\u0023-\u002B\u002D-\u003A\u003C-\u005B\u005D-\u007E]+$/;

/** Serializes one Set-Cookie value. */
export function serializeCookie(value: string, options: ResolvedCookieOptions): string {
  if (!TOKEN.test(options.name)) throw new TypeError(`invalid cookie name: ${options.name}`);
  const parts = [`${options.name}=${encodeURIComponent(value)}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
  if (options.domain !== undefined) parts.push(`Domain=${options.domain}`);
  if (typeof options.path === 'string') parts.push(`Path=${options.path}`);
  if (options.expires !== undefined) parts.push(`Expires=${options.expires.toUTCString()}`);
  // Plain JS callers pass non-booleans; engine.io (via the `cookie` package) treats them as truthy.
  if (Boolean(options.httpOnly)) parts.push('HttpOnly');
  if (options.secure === true) parts.push('Secure');
  const sameSite = options.sameSite === true ? 'strict' : options.sameSite;
  if (typeof sameSite === 'string') parts.push(`SameSite=${sameSite[0]?.toUpperCase()}${sameSite.slice(1)}`);
  return parts.join('; ');
}
