// TLS on real sockets: the Node client's TLS options (engine.io-client's names: `ca`,
// `rejectUnauthorized`, ...) on both transports against an https server whose certificate a private CA
// signed (test/fixtures/tls), and the Server attached to an HTTP/2 server with allowHTTP1, as socket.io
// allows, with our client and socket.io-client.
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { io } from '@switchback/client';
import type { Socket as ClientSocket } from '@switchback/client';
import { Server } from '@switchback/server';
import { io as referenceIo } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../helpers/wait.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const tls = { key: fixture('server-key.pem'), cert: fixture('server.pem') };
const ca = fixture('ca.pem');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function listen(server: ReturnType<typeof createServer> | ReturnType<typeof createSecureServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function track<T extends { disconnect(): unknown }>(socket: T): T {
  cleanups.push(() => void socket.disconnect());
  return socket;
}

/** A Server that greets each connection with the name of its transport. */
function greeter(io: Server): Server {
  io.on('connection', (socket) => socket.emit('hello', socket.conn.transport.name));
  cleanups.push(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  return io;
}

const modes: Array<[string, Array<'websocket' | 'polling'> | undefined]> = [
  ['websocket', ['websocket']],
  ['polling', ['polling']],
  ['the default (WebSocket first)', undefined],
];

/** Every message and code in an error and what it wraps (a WebSocket's error event holds the TLS error). */
function reasons(value: unknown, depth = 0): string[] {
  if (typeof value !== 'object' || value === null || depth > 3) return [];
  const found: string[] = [];
  for (const key of ['message', 'code']) {
    const field = Reflect.get(value, key);
    if (typeof field === 'string') found.push(field);
  }
  for (const key of ['description', 'cause', 'error', 'context']) found.push(...reasons(Reflect.get(value, key), depth + 1));
  return found;
}

describe('the Node client over https', () => {
  it.each(modes)('trusts a private CA given as `ca`: %s', async (_name, transports) => {
    const https = createServer(tls);
    greeter(new Server(https));
    const url = await listen(https);
    const socket = track(io(url, { forceNew: true, reconnection: false, transports, ca }));
    const [transport] = await once<[string]>(socket, 'hello');
    expect(transport).toBe(transports?.[0] ?? 'websocket');
  });

  it.each(modes)('refuses the unknown CA without `ca`, and connects with rejectUnauthorized: false: %s', async (_name, transports) => {
    const https = createServer(tls);
    greeter(new Server(https));
    const url = await listen(https);
    const refused = track(io(url, { forceNew: true, reconnection: false, transports }));
    const [err] = await once<[Error]>(refused, 'connect_error');
    // The TLS failure is kept inside the error (engine.io-client's `description`).
    expect(reasons(err).join(' | ')).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i);

    const trusting = track(io(url, { forceNew: true, reconnection: false, transports, rejectUnauthorized: false }));
    await once(trusting, 'hello');
  });
});

describe('a Server attached to an HTTP/2 server (allowHTTP1)', () => {
  it.each(modes)('serves our client and socket.io-client: %s', async (_name, transports) => {
    const h2 = createSecureServer({ ...tls, allowHTTP1: true });
    const server = greeter(new Server(h2));
    expect(server.httpServer).toBe(h2);
    const url = await listen(h2);
    const ours = track(io(url, { forceNew: true, reconnection: false, transports, ca }));
    const theirs = track(
      referenceIo(url, { forceNew: true, reconnection: false, ca, ...(transports ? { transports } : {}) }) as unknown as ClientSocket,
    );
    const [[ourTransport], [theirTransport]] = await Promise.all([once<[string]>(ours, 'hello'), once<[string]>(theirs, 'hello')]);
    expect(ourTransport).toBe(transports?.[0] ?? 'websocket');
    // socket.io-client starts on polling by default.
    expect(theirTransport).toBe(transports?.[0] ?? 'polling');
  });
});
