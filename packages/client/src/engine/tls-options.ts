import type { TlsOptions } from './types.js';

const TLS_KEYS = ['pfx', 'key', 'passphrase', 'cert', 'ca', 'ciphers', 'rejectUnauthorized'] as const;

/**
 * The TLS options set in `opts` (engine.io-client's names, which are also node:https's and ws's), or
 * undefined when there are none.
 */
export function tlsOptionsOf(opts: TlsOptions): TlsOptions | undefined {
  let tls: Record<string, unknown> | undefined;
  for (const key of TLS_KEYS) if (opts[key] !== undefined) (tls ??= {})[key] = opts[key];
  return tls as TlsOptions | undefined;
}
