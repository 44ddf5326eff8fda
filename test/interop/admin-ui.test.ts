// @socket.io/admin-ui's server side (`instrument(io)`) on a Switchback server, watched by an admin client
// (socket.io-client, as the hosted admin UI uses) while app clients (ours and socket.io-client) come and
// go. The instrumentation reads Socket.IO internals a drop-in server must keep: `io._nsps`, the
// `new_namespace` event, `nsp.prependListener('connection')`, `socket.client.id`, `socket.conn.transport`
// and its `upgrade` event, the engine's `connection`, `packetCreate` and `packet` events, the adapter's
// `join-room` / `leave-room` events, `socket.data` replaced by a Proxy, `onAny` / `onAnyOutgoing`,
// `fetchSockets()`, `socketsJoin()`, `socketsLeave()` and `disconnectSockets()`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrument } from '@socket.io/admin-ui';
import { io as switchbackIo } from '@switchback/client';
import { Server } from '@switchback/server';
import { io as referenceIo } from 'socket.io-client';
import type { Socket as ReferenceClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../helpers/wait.js';

// "s3cret-admin", bcrypt cost 4 (a test needs no slow hash).
const PASSWORD_HASH = '$2a$04$TWgmQWXIXYUidkJTIww4COpODtSpjN8/lNUa1QOhglJK1kVbAsVWW';

type Instrumented = Parameters<typeof instrument>[0];

interface SerializedSocket {
  id: string;
  clientId: string;
  transport: string;
  nsp: string;
  data: Record<string, unknown>;
  handshake: { address: string; headers: Record<string, unknown>; query: Record<string, unknown>; url: string; secure: boolean };
  rooms: string[];
}

interface ServerStats {
  clientsCount: number;
  pollingClientsCount: number;
  aggregatedEvents: Array<{ type: string; subType?: string; count: number }>;
  namespaces: Array<{ name: string; socketsCount: number }>;
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function instrumentedServer(options: Parameters<typeof instrument>[1]): Promise<{ io: Server; url: string }> {
  const httpServer = createServer();
  const io = new Server(httpServer);
  instrument(io as unknown as Instrumented, options);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => io.close());
  return { io, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
}

function admin(url: string, auth?: Record<string, string>): ReferenceClientSocket {
  const socket = referenceIo(`${url}/admin`, { forceNew: true, reconnection: false, auth });
  cleanup.push(() => socket.disconnect());
  return socket;
}

/** The next `event` on `socket` whose arguments satisfy `match` (admin events interleave). */
function next<T extends unknown[]>(socket: ReferenceClientSocket, event: string, match: (...args: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out waiting for a matching '${event}'`));
    }, 10_000);
    const listener = (...args: unknown[]): void => {
      if (!match(...(args as T))) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(args as T);
    };
    socket.on(event, listener);
  });
}

describe('@socket.io/admin-ui instrumenting a Switchback server', () => {
  it('reports the features of a v4 server, then the sockets already connected', async () => {
    const { url } = await instrumentedServer({ auth: false, mode: 'development' });
    const app = switchbackIo(url, { forceNew: true, reconnection: false });
    cleanup.push(() => app.disconnect());
    await once(app, 'connect');

    const watcher = admin(url);
    const allSockets = once<[SerializedSocket[]]>(watcher, 'all_sockets');
    const [config] = await once<[{ supportedFeatures: string[] }]>(watcher, 'config');
    expect(config.supportedFeatures).toEqual(
      expect.arrayContaining(['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT']),
    );
    const [sockets] = await allSockets;
    const appEntry = sockets.find((entry) => entry.nsp === '/');
    expect(appEntry).toMatchObject({ id: app.id, transport: 'websocket', rooms: [app.id] });
    expect(appEntry?.handshake.query).toMatchObject({ EIO: '4', transport: 'websocket' });
    expect(appEntry?.handshake.address).toMatch(/127\.0\.0\.1/);
    expect(sockets.find((entry) => entry.nsp === '/admin')?.id).toBe(watcher.id);
  });

  it('streams what app sockets do: connect, rooms, data, upgrade, events both ways, disconnect', async () => {
    const { io, url } = await instrumentedServer({ auth: false, mode: 'development' });
    io.on('connection', (socket) => {
      socket.on('hello', (text: string, ack: (reply: string) => void) => ack(`hi ${text}`));
    });
    const watcher = admin(url);
    await once(watcher, 'connect');

    // socket.io-client's default: polling, then the upgrade to WebSocket.
    const connected = next<[SerializedSocket]>(watcher, 'socket_connected', (entry) => entry.nsp === '/');
    const ownRoom = next<[string, string, string]>(watcher, 'room_joined', (nsp) => nsp === '/');
    const upgraded = next<[{ nsp: string; transport?: string }]>(
      watcher,
      'socket_updated',
      (update) => update.nsp === '/' && update.transport !== undefined,
    );
    const app = referenceIo(url, { forceNew: true, reconnection: false });
    cleanup.push(() => app.disconnect());
    const [serverSocket] = await once<[import('@switchback/server').Socket]>(io, 'connection');
    const [entry] = await connected;
    expect(entry).toMatchObject({ id: serverSocket.id, nsp: '/', transport: 'polling', rooms: [serverSocket.id] });
    expect(entry.clientId).toHaveLength(12);
    expect(await ownRoom).toEqual(['/', serverSocket.id, serverSocket.id, expect.any(String)]);
    const [update] = await upgraded;
    expect(update).toEqual({ id: serverSocket.id, nsp: '/', transport: 'websocket' });

    // socket.data became the instrumentation's Proxy: the app's writes are reported.
    const dataUpdate = next<[{ data?: Record<string, unknown> }]>(watcher, 'socket_updated', (u) => u.data !== undefined);
    (serverSocket.data as Record<string, unknown>)['user'] = 'ada';
    expect((await dataUpdate)[0].data).toEqual({ user: 'ada' });

    const received = next<[string, string, unknown[]]>(watcher, 'event_received', () => true);
    const sent = next<[string, string, unknown[]]>(watcher, 'event_sent', () => true);
    expect(await app.emitWithAck('hello', 'admin')).toBe('hi admin');
    expect((await received).slice(0, 3)).toEqual(['/', serverSocket.id, ['hello', 'admin']]);
    serverSocket.emit('news', 1);
    expect((await sent).slice(0, 3)).toEqual(['/', serverSocket.id, ['news', 1]]);

    const joined = next<[string, string, string]>(watcher, 'room_joined', (_nsp, room) => room === 'lobby');
    const left = next<[string, string, string]>(watcher, 'room_left', (_nsp, room) => room === 'lobby');
    serverSocket.join('lobby');
    expect((await joined).slice(0, 3)).toEqual(['/', 'lobby', serverSocket.id]);
    serverSocket.leave('lobby');
    expect((await left).slice(0, 3)).toEqual(['/', 'lobby', serverSocket.id]);

    const gone = next<[string, string, string]>(watcher, 'socket_disconnected', (_nsp, id) => id === serverSocket.id);
    app.disconnect();
    expect((await gone).slice(0, 3)).toEqual(['/', serverSocket.id, 'client namespace disconnect']);
  });

  it("carries out the admin's commands: emit, join, leave and disconnect", async () => {
    const { io, url } = await instrumentedServer({ auth: false, mode: 'development' });
    const watcher = admin(url);
    await once(watcher, 'connect');
    const app = switchbackIo(url, { forceNew: true, reconnection: false });
    cleanup.push(() => app.disconnect());
    const [serverSocket] = await once<[import('@switchback/server').Socket]>(io, 'connection');
    await next(watcher, 'room_joined', (_nsp: string, room: string) => room === serverSocket.id);

    const greeted = once<[string]>(app, 'greeting');
    watcher.emit('emit', '/', serverSocket.id, 'greeting', 'from admin');
    expect((await greeted)[0]).toBe('from admin');

    const joined = next(watcher, 'room_joined', (_nsp: string, room: string) => room === 'vip');
    watcher.emit('join', '/', 'vip', serverSocket.id);
    await joined;
    expect(serverSocket.rooms.has('vip')).toBe(true);

    const left = next(watcher, 'room_left', (_nsp: string, room: string) => room === 'vip');
    watcher.emit('leave', '/', 'vip', serverSocket.id);
    await left;
    expect(serverSocket.rooms.has('vip')).toBe(false);

    const kicked = once<[string]>(app, 'disconnect');
    watcher.emit('_disconnect', '/', false, serverSocket.id);
    expect((await kicked)[0]).toBe('io server disconnect');
  });

  it('counts sessions, polling sessions and packets in server_stats', async () => {
    const { io, url } = await instrumentedServer({ auth: false, mode: 'production' });
    io.on('connection', (socket) => socket.on('ping', (ack: () => void) => ack()));
    const watcher = admin(url); // polling, then WebSocket
    await once(watcher, 'connect');
    const app = switchbackIo(url, { forceNew: true, reconnection: false, transports: ['polling'], upgrade: false });
    cleanup.push(() => app.disconnect());
    await once(app, 'connect');
    await app.emitWithAck('ping');

    // Emitted every 2 s; the first one after both sessions are counted.
    const [stats] = await next<[ServerStats]>(watcher, 'server_stats', (s) => s.clientsCount === 2);
    expect(stats.pollingClientsCount).toBe(1);
    expect(stats.namespaces).toEqual(
      expect.arrayContaining([
        { name: '/', socketsCount: 1 },
        { name: '/admin', socketsCount: 1 },
      ]),
    );
    const total = (type: string): number =>
      stats.aggregatedEvents.filter((event) => event.type === type).reduce((sum, event) => sum + event.count, 0);
    expect(total('rawConnection')).toBe(2);
    expect(total('packetsIn')).toBeGreaterThanOrEqual(3); // two CONNECTs and the ping
    expect(total('bytesIn')).toBeGreaterThan(0);
    expect(total('packetsOut')).toBeGreaterThanOrEqual(3); // two CONNECT answers and the ack
  });

  it('basic auth: refuses wrong credentials, admits right ones and then their session id', async () => {
    const { url } = await instrumentedServer({ auth: { type: 'basic', username: 'admin', password: PASSWORD_HASH } });

    const anonymous = admin(url);
    const [refused] = await once<[Error]>(anonymous, 'connect_error');
    expect(refused.message).toBe('invalid credentials');
    const wrong = admin(url, { username: 'admin', password: 'guess' });
    expect((await once<[Error]>(wrong, 'connect_error'))[0].message).toBe('invalid credentials');

    const right = admin(url, { username: 'admin', password: 's3cret-admin' });
    const [sessionId] = await once<[string]>(right, 'session');
    expect(sessionId).toMatch(/^[0-9a-f]{16}$/);
    const resumed = admin(url, { sessionId });
    await once(resumed, 'connect');
    const forged = admin(url, { sessionId: 'f'.repeat(16) });
    expect((await once<[Error]>(forged, 'connect_error'))[0].message).toBe('invalid credentials');
  });
});
