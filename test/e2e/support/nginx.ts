import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir, removeDir, requireBinary, startService } from './processes.js';

export interface NginxOptions {
  /** The app server behind nginx. */
  readonly upstreamPort: number;
  /**
   * Forward `Upgrade`/`Connection` (the documented WebSocket setup). Without it nginx drops both
   * hop-by-hop headers: the classic misconfiguration that leaves only long polling working.
   */
  readonly forwardUpgrade: boolean;
  /** proxy_read_timeout in seconds (nginx default 60). */
  readonly readTimeoutSeconds?: number;
}

export interface Nginx extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  /** The access log so far, one line per request: `STATUS METHOD URI`. */
  accessLog(): Promise<string[]>;
  close(): Promise<void>;
}

/** The WebSocket lines a user adds to their nginx location (also quoted in README-behind-proxies.md). */
export const NGINX_UPGRADE_LINES = `
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;`;

function config(dir: string, port: number, options: NginxOptions): string {
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  return `
${user}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  log_format e2e '$status $request_method $request_uri';
  access_log ${dir}/access.log e2e;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${options.upstreamPort};${options.forwardUpgrade ? NGINX_UPGRADE_LINES : ''}
      proxy_read_timeout ${options.readTimeoutSeconds ?? 60}s;
    }
  }
}
`;
}

/** Starts a private nginx on a free 127.0.0.1 port with its own config and temp dir; stops it by PID. */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = requireBinary('nginx', ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']);
  const dir = await makeTempDir('nginx');
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, config(dir, port, options));
  let service;
  try {
    service = await startService({
      name: 'nginx',
      command: binary,
      args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'],
      port,
      logFile: join(dir, 'stdout.log'),
      diagnostics: [join(dir, 'error.log')],
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
    url: `http://127.0.0.1:${port}`,
    pid: service.pid,
    dir,
    accessLog: async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    close,
    [Symbol.asyncDispose]: close,
  };
}
