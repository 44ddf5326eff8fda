// The built packages as a CommonJS app loads them: socket.io's CommonJS export is itself a function, so the
// classic `require('socket.io')(httpServer)` must work with our package name swapped in, and
// socket.io-client's is io() itself (`const io = require('socket.io-client'); io(url)`). This reads the
// packages' own dist (their `exports` maps), so it builds them first.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import { repositoryRoot } from '../../vitest.aliases.js';

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent', '-w', 'packages/protocol', '-w', 'packages/server', '-w', 'packages/client'], {
    cwd: repositoryRoot,
  });
}, 120_000);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface CjsServer {
  on(ev: 'connection', fn: (socket: { emit(ev: string, ...args: unknown[]): void }) => void): void;
  close(fn?: () => void): void;
}
type CjsEntry = ((srv: unknown, opts?: unknown) => CjsServer) & Record<string, unknown>;

describe('the CommonJS entry of @switchback/server', () => {
  const load = (): CjsEntry => createRequire(import.meta.url)('@switchback/server') as CjsEntry;

  it("is socket.io's: a function that creates a Server, with the named exports on it", async () => {
    const entry = load();
    expect(typeof entry).toBe('function');
    for (const name of ['Server', 'Namespace', 'Socket', 'BroadcastOperator', 'InMemoryAdapter']) expect(typeof entry[name]).toBe('function');

    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const server = entry(http, { transports: ['websocket'] });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    expect(server).toBeInstanceOf(entry['Server'] as new () => unknown);
    server.on('connection', (socket) => socket.emit('hello', 'cjs'));

    const client: ClientSocket = ioClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true });
    cleanups.push(() => void client.disconnect());
    const [greeting] = await new Promise<unknown[]>((resolve) => client.once('hello', (...args: unknown[]) => resolve(args)));
    expect(greeting).toBe('cjs');
  });
});

interface CjsClientSocket {
  once(ev: string, fn: (...args: unknown[]) => void): void;
  disconnect(): void;
  io: { engine: { transport: { name: string } } };
}
type CjsClientEntry = ((url: string, opts?: unknown) => CjsClientSocket) & Record<string, unknown>;

describe('the CommonJS entry of @switchback/client', () => {
  const require = createRequire(import.meta.url);

  it("is socket.io-client's: io() itself, with the named exports on it, over both transports", async () => {
    const io = require('@switchback/client') as CjsClientEntry;
    expect(typeof io).toBe('function');
    for (const name of ['io', 'connect', 'default']) expect(io[name]).toBe(io);
    for (const name of ['Manager', 'Socket', 'Backoff']) expect(typeof io[name]).toBe('function');
    expect(io['protocol']).toBe(5);
    const engine = require('@switchback/client/engine') as Record<string, unknown>;
    expect(typeof engine['Socket']).toBe('function');

    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const server = (require('@switchback/server') as CjsEntry)(http);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on('connection', (socket) => socket.emit('hello', 'from cjs'));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    // The Node platform modules (`ws`, node:http) are reached through the CommonJS build's own imports map.
    for (const [transports, expected] of [[undefined, 'websocket'], [['polling'], 'polling']] as const) {
      const socket = io(url, { forceNew: true, reconnection: false, transports });
      cleanups.push(() => socket.disconnect());
      const [greeting] = await new Promise<unknown[]>((resolve) => socket.once('hello', (...args) => resolve(args)));
      expect(greeting).toBe('from cjs');
      expect(socket.io.engine.transport.name).toBe(expected);
    }
  });

  it('resolves the /engine subpaths for resolvers without exports maps (TypeScript node10)', () => {
    for (const pkg of ['server', 'client']) {
      const dir = join(repositoryRoot, 'packages', pkg);
      const stub = JSON.parse(readFileSync(join(dir, 'engine', 'package.json'), 'utf8')) as Record<string, string>;
      for (const field of ['main', 'module', 'types']) expect(existsSync(join(dir, 'engine', stub[field] ?? 'missing')), `${pkg} ${field}`).toBe(true);
      const files = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { files: string[] }).files;
      expect(files).toContain('engine');
    }
  });
});
