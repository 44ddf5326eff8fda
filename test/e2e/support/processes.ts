import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT = 'run `bash scripts/e2e-deps.sh` as root, or `apt-get install -y chromium nginx squid`';

/** The absolute path of a required binary; a missing one fails the test and says what to install. */
export function requireBinary(name: string, candidates: readonly string[], installHint = INSTALL_HINT): string {
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  throw new Error(`${name} is required by these tests but was not found (looked in ${candidates.join(', ')}): ${installHint}`);
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the child to bind). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `switchback-e2e-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ChildService {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** SIGTERM by PID, SIGKILL if it has not exited after `graceMs`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartServiceOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly port: number;
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  /** Extra files whose tail is shown when the service fails to start (its own error log). */
  readonly diagnostics?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly graceMs?: number;
}

function tail(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(-2000);
  } catch {
    return '(none)';
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

// Children still running when the test process exits (a crash, a killed worker) are stopped by PID, so
// no nginx or squid outlives the run; afterEach is the normal path.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns a foreground service and resolves once its port accepts TCP connections. */
export async function startService(options: StartServiceOptions): Promise<ChildService> {
  const out = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, { stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const pid = child.pid;
  live.add(child);
  child.once('exit', () => live.delete(child));
  const exit = exited(child);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 3000);
    await exit;
    clearTimeout(timer);
  };
  const describe = (): string =>
    [options.logFile, ...(options.diagnostics ?? [])].map((file) => `--- ${file}\n${tail(file)}`).join('\n');
  if (pid === undefined) {
    await new Promise((resolve) => child.once('error', resolve));
    throw new Error(`${options.name} did not start (${options.command}):\n${describe()}`);
  }
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  while (!(await canConnect(options.port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited (code ${child.exitCode}, signal ${child.signalCode}) before listening on ${options.port}:\n${describe()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} did not listen on 127.0.0.1:${options.port} in time:\n${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { name: options.name, pid, port: options.port, stop };
}
