import { chown, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, makeTempDir, removeDir, requireBinary, startService } from './processes.js';

export interface SquidOptions {
  /** squid's read_timeout in seconds (squid default 15 minutes). */
  readonly readTimeoutSeconds?: number;
}

export interface Squid extends AsyncDisposable {
  readonly port: number;
  /** For Chromium's --proxy-server. */
  readonly proxyUrl: string;
  readonly pid: number;
  /** The access log so far, one line per request: `RESULT/STATUS METHOD URL`. */
  accessLog(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A restrictive corporate forward proxy: only 127.0.0.1 destinations, no CONNECT tunnels (Chromium
 * tunnels every ws:// through CONNECT), no protocol upgrades, no Upgrade header.
 */
function config(dir: string, port: number, options: SquidOptions): string {
  return `
http_port 127.0.0.1:${port}
pid_filename ${dir}/squid.pid
logformat e2e %Ss/%>Hs %rm %ru
access_log stdio:${dir}/access.log e2e
cache_log ${dir}/cache.log
coredump_dir ${dir}
cache deny all
strip_query_terms off
pinger_enable off
shutdown_lifetime 1 seconds
${options.readTimeoutSeconds === undefined ? '' : `read_timeout ${options.readTimeoutSeconds} seconds`}
acl lab_dst dstdomain -n 127.0.0.1
acl CONNECT method CONNECT
http_access deny !lab_dst
http_upgrade_request_protocols OTHER deny all
request_header_access Upgrade deny all
http_access deny CONNECT
http_access allow localhost
http_access deny all
`;
}

function proxyIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'proxy'], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', 'proxy'], { encoding: 'utf8' }).trim()),
    };
  } catch {
    return undefined;
  }
}

/** Starts a private squid (-N, foreground) on a free 127.0.0.1 port; stops it by PID. */
export async function startSquid(options: SquidOptions = {}): Promise<Squid> {
  const binary = requireBinary('squid', ['/usr/sbin/squid', '/usr/bin/squid', '/usr/local/sbin/squid']);
  const dir = await makeTempDir('squid');
  const port = await freePort();
  const conf = join(dir, 'squid.conf');
  await writeFile(conf, config(dir, port, options));
  // As root squid drops to the `proxy` user, which must be able to write its logs and pid file.
  const ids = proxyIds();
  if (ids !== undefined) await chown(dir, ids.uid, ids.gid);
  let service;
  try {
    service = await startService({
      name: 'squid',
      command: binary,
      args: ['-N', '-f', conf],
      port,
      logFile: join(dir, 'stdout.log'),
      diagnostics: [join(dir, 'cache.log')],
      graceMs: 5000,
    });
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
  const close = async (): Promise<void> => {
    await service.stop();
    await removeDir(dir);
  };
  return {
    port,
    proxyUrl: `http://127.0.0.1:${port}`,
    pid: service.pid,
    accessLog: async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    close,
    [Symbol.asyncDispose]: close,
  };
}
