// The client against the reference `socket.io` 4.8 server over real sockets on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import type { ExtendedError as ServerError, ServerOptions } from 'socket.io';
import { NodeXHR, WebSocket, XHR, io } from './index.js';
import type { Socket } from './socket.js';

interface RefServer {
  io: Server;
  port: number;
  close: () => Promise<void>;
}

async function startRef(port = 0, options: Partial<ServerOptions> = {}): Promise<RefServer> {
  const http = createServer();
  const server = new Server(http, options);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  let closed = false;
  return {
    io: server,
    port: (http.address() as AddressInfo).port,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        void server.close(() => resolve());
      });
      http.closeAllConnections();
    },
  };
}

function next<T extends unknown[] = unknown[]>(emitter: { once(ev: string, fn: (...args: T) => void): unknown }, ev: string): Promise<T> {
  return new Promise((resolve) => emitter.once(ev, (...args: T) => resolve(args)));
}

const servers: RefServer[] = [];
const clients: Socket[] = [];

async function serve(port?: number, options?: Partial<ServerOptions>): Promise<RefServer> {
  const server = await startRef(port, options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.io.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const modes = [
  { name: 'forced websocket', transports: ['websocket'] as Array<'websocket' | 'polling'>, expected: 'websocket' },
  { name: 'forced polling', transports: ['polling'] as Array<'websocket' | 'polling'>, expected: 'polling' },
  { name: 'default', transports: undefined, expected: 'websocket' },
];

describe("socket.io-client's `transports: [XHR, WebSocket]` (engine.io-client's classes)", () => {
  it.each([
    [[XHR], 'polling'],
    [[NodeXHR, WebSocket], 'polling'],
    [[WebSocket, XHR], 'websocket'],
  ] as const)('%#: connects to the socket.io server over %s', async (classes, name) => {
    const ref = await serve();
    const socket = io(`http://127.0.0.1:${ref.port}`, { forceNew: true, transports: [...classes], upgrade: false });
    clients.push(socket);
    await next(socket, 'connect');
    expect(socket.io.engine.transport.name).toBe(name);
  });
});

describe.each(modes)('against the socket.io server, $name', ({ transports, expected }) => {
  function connect(url: string, opts: Parameters<typeof io>[1] = {}): Socket {
    const socket = io(url, { forceNew: true, transports, reconnectionDelay: 50, reconnectionDelayMax: 100, ...opts });
    clients.push(socket);
    return socket;
  }

  it('connects with auth, on the expected transport', async () => {
    const ref = await serve();
    ref.io.use((s, next) => (s.handshake.auth['token'] === 'secret' ? next() : next(new Error('bad token'))));
    const serverSide = next<[import('socket.io').Socket]>(ref.io, 'connection');
    const socket = connect(`http://127.0.0.1:${ref.port}`, { auth: { token: 'secret' } });
    await next(socket, 'connect');
    const [peer] = await serverSide;
    expect(socket.id).toBe(peer.id);
    expect(socket.io.engine.transport.name).toBe(expected);
    expect(peer.conn.transport.name).toBe(socket.io.engine.transport.name);
  });

  it('emits with acks both ways', async () => {
    const ref = await serve();
    ref.io.on('connection', (peer) => {
      peer.on('sum', (a: number, b: number, cb: (r: number) => void) => cb(a + b));
    });
    const socket = connect(`http://127.0.0.1:${ref.port}`);
    socket.on('ask', (q: string, cb: (a: string) => void) => cb(`${q}!`));
    const [peer] = await Promise.all([next<[import('socket.io').Socket]>(ref.io, 'connection').then(([p]) => p), next(socket, 'connect')]);
    await expect(socket.emitWithAck('sum', 2, 3)).resolves.toBe(5);
    await expect(peer.timeout(2000).emitWithAck('ask', 'hey')).resolves.toBe('hey!');
  });

  it('multiplexes namespaces and reports middleware refusals with message and data', async () => {
    const ref = await serve();
    ref.io.of('/admin').on('connection', (peer) => peer.emit('welcome', peer.nsp.name));
    ref.io.of('/private').use((_s, next) => {
      const err: ServerError = new Error('not allowed');
      err.data = { code: 403, reason: 'role' };
      next(err);
    });
    const url = `http://127.0.0.1:${ref.port}`;
    const root = io(url, { transports });
    const admin = io(`${url}/admin`, { transports });
    const denied = io(`${url}/private`, { transports });
    clients.push(root, admin, denied);
    expect(admin.io).toBe(root.io);
    const welcomed = next<[string]>(admin, 'welcome');
    const refused = next<[Error & { data?: unknown }]>(denied, 'connect_error');
    const [welcome] = await welcomed;
    expect(welcome).toBe('/admin');
    const [err] = await refused;
    expect(err.message).toBe('not allowed');
    expect(err.data).toEqual({ code: 403, reason: 'role' });
    expect(denied.active).toBe(false);
    if (!root.connected) await next(root, 'connect');
    expect(ref.io.engine.clientsCount).toBe(1);
  });

  it('carries nested binary both ways', async () => {
    const ref = await serve();
    ref.io.on('connection', (peer) => {
      peer.on('upload', (payload: { name: string; parts: Buffer[] }, cb: (r: unknown) => void) => {
        cb({ sizes: payload.parts.map((p) => p.length), echo: { deep: [Buffer.concat(payload.parts)] } });
      });
    });
    const socket = connect(`http://127.0.0.1:${ref.port}`);
    await next(socket, 'connect');
    const answer = (await socket.emitWithAck('upload', {
      name: 'f',
      parts: [new Uint8Array([1, 2]), new Uint8Array([3, 4, 5]).buffer],
    })) as { sizes: number[]; echo: { deep: [ArrayBuffer | Uint8Array] } };
    expect(answer.sizes).toEqual([2, 3]);
    expect([...new Uint8Array(answer.echo.deep[0])]).toEqual([1, 2, 3, 4, 5]);
  });

  it('reconnects after the server restarts on the same port and delivers the emits buffered while down', async () => {
    const first = await serve();
    const port = first.port;
    const socket = connect(`http://127.0.0.1:${port}`);
    await next(socket, 'connect');
    const down = next<[string]>(socket, 'disconnect');
    await first.close();
    const [reason] = await down;
    // polling sees the refused GET as an error, as socket.io-client does
    expect(reason).toBe(transports?.[0] === 'polling' ? 'transport error' : 'transport close');
    expect(socket.active).toBe(true);
    socket.emit('queued', 1);
    socket.emit('queued', 2, { nested: new Uint8Array([9]) });
    const acked = socket.emitWithAck('queued', 3);

    const second = await serve(port);
    const received: unknown[][] = [];
    second.io.on('connection', (peer) => {
      peer.on('queued', (...args: unknown[]) => {
        const last = args[args.length - 1];
        if (typeof last === 'function') (last as (v: string) => void)('got 3');
        received.push(args.filter((a) => typeof a !== 'function'));
      });
    });
    const reconnect = next<[number]>(socket.io, 'reconnect');
    await next(socket, 'connect');
    const [attempt] = await reconnect;
    expect(attempt).toBeGreaterThanOrEqual(1);
    await expect(acked).resolves.toBe('got 3');
    expect(received).toEqual([[1], [2, { nested: Buffer.from([9]) }], [3]]);
  });

  it('reconnects every namespace with a fresh auth after a restart, dropping volatile emits', async () => {
    const first = await serve();
    first.io.of('/admin');
    const port = first.port;
    const url = `http://127.0.0.1:${port}`;
    let n = 0;
    const auth = (cb: (data: object) => void): void => cb({ n: ++n });
    const root = io(url, { transports, reconnectionDelay: 50, reconnectionDelayMax: 100, auth });
    const admin = root.io.socket('/admin', { auth });
    clients.push(root, admin);
    await Promise.all([next(root, 'connect'), next(admin, 'connect')]);
    const down = Promise.all([next(root, 'disconnect'), next(admin, 'disconnect')]);
    await first.close();
    await down;
    root.volatile.emit('seen', 'volatile');
    admin.emit('seen', 'buffered');

    const second = await serve(port);
    const seen: string[] = [];
    const auths: unknown[] = [];
    for (const nsp of [second.io.of('/'), second.io.of('/admin')]) {
      nsp.on('connection', (peer) => {
        auths.push(peer.handshake.auth);
        peer.on('seen', (what: string) => seen.push(`${peer.nsp.name}:${what}`));
        peer.on('sync', (cb: () => void) => cb());
      });
    }
    await Promise.all([next(root, 'connect'), next(admin, 'connect')]);
    // an acknowledged round trip on each namespace: everything sent before it has arrived
    await Promise.all([root.emitWithAck('sync'), admin.emitWithAck('sync')]);
    expect(seen).toEqual(['/admin:buffered']);
    expect(auths).toEqual([{ n: 3 }, { n: 4 }]);
    expect(admin.io).toBe(root.io);
  });

  it('does not reconnect after the server disconnects the socket', async () => {
    const ref = await serve();
    ref.io.on('connection', (peer) => peer.on('kick-me', () => peer.disconnect(true)));
    const socket = connect(`http://127.0.0.1:${ref.port}`);
    await next(socket, 'connect');
    socket.emit('kick-me');
    const [reason] = await next<[string]>(socket, 'disconnect');
    expect(reason).toBe('io server disconnect');
    expect(socket.active).toBe(false);
    expect(socket.io._readyState).toBe('closed');
  });

  it('recovers the session (connection state recovery) after the connection drops', async () => {
    const ref = await serve(undefined, { connectionStateRecovery: {} });
    ref.io.on('connection', (peer) => {
      if (!peer.recovered) peer.join('room');
    });
    const socket = connect(`http://127.0.0.1:${ref.port}`);
    await next(socket, 'connect');
    const firstId = socket.id;
    expect(socket.recovered).toBe(false);
    const got: string[] = [];
    socket.on('news', (n: string) => got.push(n));
    ref.io.to('room').emit('news', 'one');
    await next(socket, 'news');
    const down = next(socket, 'disconnect');
    socket.io.engine.close(); // drop the connection under the Manager: it reconnects
    await down;
    ref.io.to('room').emit('news', 'missed while down');
    await next(socket, 'connect');
    expect(socket.recovered).toBe(true);
    expect(socket.id).toBe(firstId);
    if (got.length < 2) await next(socket, 'news');
    expect(got).toEqual(['one', 'missed while down']);
  });
});
