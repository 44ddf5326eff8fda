// The built @switchback/server package as a CommonJS app loads it: socket.io's CommonJS export is itself a
// function, so the classic `require('socket.io')(httpServer)` must work with our package name swapped in.
// This reads the package's own dist (its `exports` map), so it builds protocol and server first.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import { repositoryRoot } from '../../vitest.aliases.js';

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent', '-w', 'packages/protocol', '-w', 'packages/server'], { cwd: repositoryRoot });
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
