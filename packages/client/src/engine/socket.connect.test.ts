import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import type { Socket as ServerSocket } from 'engine.io';
import { Socket } from './socket.js';
import type { SocketOptions, WebSocketConstructorLike } from './types.js';
import { InMemoryFallbackMemory } from './fallback-memory.js';
import { startEngineServer } from './test-support/engine-server.js';
import type { TestEngineServer } from './test-support/engine-server.js';
// The repository's one stalling TCP proxy (also used by the integration and e2e tests).
import { startTcpProxy } from '../../../../test/helpers/tcp-proxy.js';
import { waitFor } from './test-support/wait.js';

const WS: WebSocketConstructorLike = WsWebSocket;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(options: Parameters<typeof startEngineServer>[0] = {}): Promise<TestEngineServer> {
  const s = await startEngineServer(options);
  cleanups.push(() => s.close());
  return s;
}

function client(url: string, opts: SocketOptions = {}): Socket {
  const socket = new Socket(url, { fallbackMemory: new InMemoryFallbackMemory(), ...opts });
  cleanups.push(() => {
    socket.close();
  });
  return socket;
}

/** Opens and proves the round trip with an echo, the way the socket layer's CONNECT would. */
async function echoOnce(socket: Socket, payload = 'ping-me'): Promise<void> {
  if (socket.readyState !== 'open') await waitFor(socket, 'open');
  const reply = waitFor(socket, 'message');
  socket.send(payload);
  expect(await reply).toBe(payload);
}

function echo(serverSocket: ServerSocket): void {
  serverSocket.on('message', (data) => serverSocket.send(data));
}

describe('transport choice against the real engine.io server', () => {
  it('connects over WebSocket directly by default (no polling handshake)', async () => {
    const s = await server();
    const methods: string[] = [];
    s.engine.on('initial_headers', (_headers, req) => methods.push(String(req.url)));
    s.engine.on('connection', echo);
    const socket = client(s.url, { WebSocket: WS });
    await echoOnce(socket);
    expect(socket.transport.name).toBe('websocket');
    expect(methods).toHaveLength(1);
    expect(methods[0]).toContain('transport=websocket');
  });

  it.each([
    { timestampRequests: undefined, websocket: false, polling: true },
    { timestampRequests: true, websocket: true, polling: true },
    { timestampRequests: false, websocket: false, polling: false },
  ])('cache buster with timestampRequests $timestampRequests: WebSocket $websocket, polling $polling', async (c) => {
    const s = await server();
    const urls: string[] = [];
    s.engine.on('initial_headers', (_headers, req) => urls.push(String(req.url)));
    s.engine.on('connection', echo);
    const stamp = (transport: string): boolean | undefined => {
      const url = urls.find((u) => u.includes(`transport=${transport}`));
      return url === undefined ? undefined : new URL(url, 'http://x').searchParams.has('t');
    };
    await echoOnce(client(s.url, { WebSocket: WS, timestampRequests: c.timestampRequests }));
    await echoOnce(client(s.url, { WebSocket: WS, transports: ['polling'], timestampRequests: c.timestampRequests }));
    expect(stamp('websocket')).toBe(c.websocket);
    expect(stamp('polling')).toBe(c.polling);
  });

  it('forced polling stays on polling', async () => {
    const s = await server();
    s.engine.on('connection', echo);
    const socket = client(s.url, { WebSocket: WS, transports: ['polling'] });
    const upgrades: unknown[] = [];
    socket.on('upgrading', (t) => upgrades.push(t));
    await echoOnce(socket);
    expect(socket.transport.name).toBe('polling');
    expect(upgrades).toEqual([]);
  });

  it('forced websocket works', async () => {
    const s = await server();
    s.engine.on('connection', echo);
    const socket = client(s.url, { WebSocket: WS, transports: ['websocket'] });
    await echoOnce(socket);
    expect(socket.transport.name).toBe('websocket');
  });

  it("['polling', 'websocket'] does the polling handshake, then upgrades", async () => {
    const s = await server();
    s.engine.on('connection', echo);
    const socket = client(s.url, { WebSocket: WS, transports: ['polling', 'websocket'] });
    await waitFor(socket, 'open');
    expect(socket.transport.name).toBe('polling');
    await waitFor(socket, 'upgrade');
    expect(socket.transport.name).toBe('websocket');
    await echoOnce(socket);
  });

  it('a server with transports [polling] refuses the upgrade: stays on polling', async () => {
    const s = await server({ transports: ['polling'] });
    s.engine.on('connection', echo);
    const socket = client(s.url, { WebSocket: WS });
    await echoOnce(socket);
    expect(socket.transport.name).toBe('polling');
  });

  it('falls back to polling within webSocketTimeout + 1 s behind a proxy that stalls after the 101', async () => {
    const s = await server();
    s.engine.on('connection', echo);
    const proxy = await startTcpProxy(s.port, { kind: 'stall-after-101' });
    cleanups.push(() => proxy.close());
    const memory = new InMemoryFallbackMemory();
    const started = Date.now();
    const socket = client(proxy.url, { WebSocket: WS, webSocketTimeout: 500, fallbackMemory: memory });
    await echoOnce(socket);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(socket.transport.name).toBe('polling');
    expect(proxy.upgrades).toBe(1);
    expect(memory.get(`http://127.0.0.1:${proxy.port}/engine.io/`)).toBe('polling');
  });

  it('fails over transparently when the proxy passes the open packet and then stalls', async () => {
    const s = await server();
    s.engine.on('connection', echo);
    const proxy = await startTcpProxy(s.port, { kind: 'stall-after-frames', frames: 1 });
    cleanups.push(() => proxy.close());
    const socket = client(proxy.url, { WebSocket: WS, webSocketTimeout: 500 });
    const opens: number[] = [];
    const closes: string[] = [];
    socket.on('open', () => opens.push(Date.now()));
    socket.on('close', (reason) => closes.push(reason));
    await waitFor(socket, 'open');
    expect(socket.transport.name).toBe('websocket');
    const firstId = socket.id;
    const received: unknown[] = [];
    socket.on('message', (data) => received.push(data));
    socket.send('first');
    socket.send('second');
    await new Promise<void>((resolve) => {
      socket.on('message', () => {
        if (received.length === 2) resolve();
      });
    });
    expect(received).toEqual(['first', 'second']);
    expect(socket.transport.name).toBe('polling');
    expect(socket.id).not.toBe(firstId);
    expect(opens).toHaveLength(1);
    expect(closes).toEqual([]);
  });

  it('a stalled upgrade probe leaves the session on polling, still working (upgradeError)', async () => {
    const s = await server();
    s.engine.on('connection', echo);
    const proxy = await startTcpProxy(s.port, { kind: 'stall-after-101' });
    cleanups.push(() => proxy.close());
    const memory = new InMemoryFallbackMemory();
    const key = `http://127.0.0.1:${proxy.port}/engine.io/`;
    memory.set(key, 'polling', 60_000);
    const socket = client(proxy.url, { WebSocket: WS, webSocketTimeout: 300, fallbackMemory: memory });
    const upgradeError = waitFor(socket, 'upgradeError');
    await waitFor(socket, 'open');
    expect(socket.transport.name).toBe('polling');
    const err = await upgradeError;
    expect(err).toBeInstanceOf(Error);
    expect(socket.transport.name).toBe('polling');
    expect(socket.upgrading).toBe(false);
    await echoOnce(socket, 'after failed probe');
    expect(memory.get(key)).toBe('polling');
  });

  it.each<[string, SocketOptions['transports']]>([
    ['websocket', ['websocket']],
    ['polling', ['polling']],
  ])('close() over %s flushes pending writes, then closes cleanly', async (_name, transports) => {
    const s = await server();
    const serverSocket = s.nextConnection();
    const socket = client(s.url, { WebSocket: WS, transports });
    await waitFor(socket, 'open');
    const ss = await serverSocket;
    const got: unknown[] = [];
    ss.on('message', (data: unknown) => got.push(data));
    const serverClosed = new Promise<string>((resolve) => ss.on('close', (reason: string) => resolve(reason)));
    const written: string[] = [];
    socket.send('last words', () => written.push('cb'));
    const closeEvents: string[] = [];
    socket.on('close', (reason) => closeEvents.push(reason));
    socket.close();
    await serverClosed;
    expect(got).toEqual(['last words']);
    expect(written).toEqual(['cb']);
    expect(closeEvents).toEqual(['forced close']);
  });

  it.each<[string, SocketOptions['transports']]>([
    ['websocket', ['websocket']],
    ['polling', ['polling']],
  ])('sends extraHeaders and query over %s', async (_name, transports) => {
    const s = await server();
    const serverSocket = s.nextConnection();
    const socket = client(`${s.url}?fromUri=1`, { WebSocket: WS, transports, extraHeaders: { 'x-switchback': 'yes' }, query: { token: 'abc' } });
    await waitFor(socket, 'open');
    const ss = await serverSocket;
    expect(ss.request.headers['x-switchback']).toBe('yes');
    expect(ss.request.url).toContain('token=abc');
    expect(ss.request.url).toContain('fromUri=1');
  });
});
