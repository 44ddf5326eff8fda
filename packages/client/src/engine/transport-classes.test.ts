import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnginePacket } from '@switchback/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import {
  EngineError,
  NodeWebSocket,
  NodeXHR,
  Polling,
  Socket,
  Transport,
  TransportError,
  WebSocketTransport,
  WebTransport,
  installTimerFunctions,
  nextTick,
  transports,
} from './index.js';
import { WebTransport as ClientWebTransport } from '../index.js';
import type { TransportOptions } from './index.js';
import { startEngineServer } from './test-support/engine-server.js';
import { waitFor } from './test-support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const base: TransportOptions = { path: '/engine.io', hostname: 'localhost', timestampRequests: false };

describe("engine.io-client's transport classes", () => {
  it('are exported under its names, and a class is named as its transport', () => {
    expect(transports.polling).toBe(Polling);
    expect(transports.websocket).toBe(WebSocketTransport);
    expect(NodeXHR).toBe(Polling);
    expect(NodeWebSocket).toBe(WebSocketTransport);
    expect(new Polling(base)).toBeInstanceOf(Transport);
    expect(Polling.prototype.name).toBe('polling');
    expect(WebSocketTransport.prototype.name).toBe('websocket');
  });

  it.each([
    [{ query: { sid: 'test' } }, 'polling', 'http://localhost/engine.io?sid=test'],
    [{ port: 80 }, 'polling', 'http://localhost/engine.io'],
    [{ port: 3000 }, 'polling', 'http://localhost:3000/engine.io'],
    [{ secure: true, port: '443' }, 'polling', 'https://localhost/engine.io'],
    [{ secure: true, port: 8443 }, 'polling', 'https://localhost:8443/engine.io'],
    [{ hostname: '::1', port: 8080 }, 'polling', 'http://[::1]:8080/engine.io'],
    [{ forceBase64: true }, 'polling', 'http://localhost/engine.io?b64=1'],
    [{ forceBase64: true, query: { sid: 'x' } }, 'polling', 'http://localhost/engine.io?sid=x'],
    [{ query: { transport: 'websocket' } }, 'websocket', 'ws://localhost/engine.io?transport=websocket'],
    [{ secure: true, query: {} }, 'websocket', 'wss://localhost/engine.io'],
    [{ hostname: '::1', port: 80 }, 'websocket', 'ws://[::1]/engine.io'],
    [{ query: { 'a b': 'c&d' } }, 'websocket', 'ws://localhost/engine.io?a%20b=c%26d'],
  ] as const)('uri() of %o over %s is %s', (extra, name, expected) => {
    const transport = new transports[name]({ ...base, ...extra });
    expect(transport.uri()).toBe(expected);
  });

  it('stamps polling URIs by default and WebSocket URIs only when asked', () => {
    expect(new Polling({ path: '/engine.io', hostname: 'localhost', timestampParam: 't' }).uri()).toMatch(/^http:\/\/localhost\/engine\.io\?t=[0-9a-z]+$/);
    expect(new WebSocketTransport({ path: '/engine.io', hostname: 'localhost' }).uri()).toBe('ws://localhost/engine.io');
    expect(new WebSocketTransport({ path: '/engine.io', hostname: 'localhost', timestampRequests: true, timestampParam: 'woot' }).uri()).toMatch(
      /^ws:\/\/localhost\/engine\.io\?woot=[0-9a-z]+$/,
    );
  });

  it('keeps the options object it was given', () => {
    const opts = { ...base, extraHeaders: { 'X-Token': 'abc' } };
    expect(new WebSocketTransport(opts).opts).toBe(opts);
  });

  it('doOpen() of a standalone polling transport handshakes, and its GETs then carry the session id', async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    const urls: string[] = [];
    s.http.prependListener('request', (req) => urls.push(req.url ?? ''));
    const polling = new Polling({ hostname: '127.0.0.1', port: s.port, path: '/engine.io' });
    cleanups.push(() => void polling.close());
    const packets: EnginePacket[] = [];
    polling.on('packet', (packet) => packets.push(packet));
    const opened = new Promise<void>((resolve) => polling.once('open', resolve));
    const connection = s.nextConnection();
    polling.doOpen();
    await opened;
    const server = await connection;
    const message = new Promise<EnginePacket>((resolve) => polling.on('packet', (packet) => packet.type === 'message' && resolve(packet)));
    server.send('hello');
    expect(await message).toMatchObject({ type: 'message', data: 'hello' });
    expect(packets[0]?.type).toBe('open');
    expect(urls[0]).toMatch(/transport=polling/);
    expect(urls[0]).not.toMatch(/sid=/);
    const sid = (server as unknown as { id: string }).id;
    expect(urls.length).toBeGreaterThan(1);
    expect(urls.slice(1).every((url) => url.includes(`sid=${sid}`))).toBe(true);
  });

  it('doOpen() goes through the `agent` option, over either transport', async () => {
    for (const Class of [Polling, WebSocketTransport]) {
      const http = createServer();
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
      const { port } = http.address() as AddressInfo;
      let requested: (value: string) => void = () => {};
      const through = new Promise<string>((resolve) => (requested = resolve));
      // A stand-in agent that only records the request and ends it.
      const agent = {
        addRequest(req: { path: string; destroy(): void }) {
          requested(req.path);
          req.destroy();
        },
      };
      const transport = new Class({ hostname: '127.0.0.1', port, path: '/engine.io', agent });
      transport.on('error', () => {});
      cleanups.push(() => void transport.close());
      transport.doOpen();
      expect(await through).toMatch(new RegExp(`^/engine\\.io/\\?EIO=4&transport=${transport.name}`));
    }
  });

  it("a Socket's `transports` takes the classes for their names", async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    for (const [Class, name] of [
      [NodeXHR, 'polling'],
      [NodeWebSocket, 'websocket'],
    ] as const) {
      const options = { transports: [Class], fallbackMemory: false as const };
      const socket = new Socket(s.url, options);
      cleanups.push(() => void socket.close());
      await waitFor(socket, 'open');
      expect(socket.transport.name).toBe(name);
      // Not rewritten in the caller's options.
      expect(options.transports).toEqual([Class]);
    }
  });

  it("skips 'webtransport' in `transports`, as a name or as the class: the next entry is tried first", async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    expect(ClientWebTransport).toBe(WebTransport);
    expect(transports.webtransport).toBe(WebTransport);
    for (const list of [['webtransport', 'websocket', 'polling'], [WebTransport, NodeWebSocket, NodeXHR]] as const) {
      const socket = new Socket(s.url, { transports: [...list], fallbackMemory: false });
      cleanups.push(() => void socket.close());
      await waitFor(socket, 'open');
      expect(socket.transport.name).toBe('websocket');
    }
    const socket = new Socket(s.url, { transports: ['webtransport'], fallbackMemory: false });
    cleanups.push(() => void socket.close());
    const err = await waitFor(socket, 'error');
    expect(err).toBe('No transports available');
  });

  it('a WebTransport opened on its own fails with an error that says why', async () => {
    const transport = new WebTransport(base);
    expect(transport.name).toBe('webtransport');
    const failed = new Promise<Error>((resolve) => transport.once('error', resolve));
    transport.doOpen();
    const err = await failed;
    expect(err.message).toBe('WebTransport is not supported');
    expect(err).toBeInstanceOf(TransportError);
  });

  it("TransportError takes engine.io-client's arguments, and our engine's transport failures are instances of it", async () => {
    const made = new TransportError('xhr poll error', 400, { status: 400 });
    expect(made).toBeInstanceOf(Error);
    expect(made).toBeInstanceOf(TransportError);
    expect(made).toMatchObject({ name: 'TransportError', type: 'TransportError', message: 'xhr poll error', description: 400, context: { status: 400 } });
    // A refused connection: nothing listens on the port any more.
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    await new Promise<void>((resolve) => http.close(() => resolve()));
    const socket = new Socket(`http://127.0.0.1:${port}`, { transports: ['polling'], fallbackMemory: false });
    cleanups.push(() => void socket.close());
    const err = await waitFor(socket, 'error');
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toBeInstanceOf(TransportError);
    expect(new EngineError('probe error', { code: 'PROBE_ERROR', type: 'UpgradeError' })).not.toBeInstanceOf(TransportError);
    expect(new Error('other')).not.toBeInstanceOf(TransportError);
  });

  it("installTimerFunctions and nextTick are engine.io-client's helpers", async () => {
    const native: Record<string, unknown> = {};
    const current: Record<string, unknown> = {};
    vi.useFakeTimers();
    try {
      installTimerFunctions(native, { useNativeTimers: true });
      installTimerFunctions(current, {});
      let fired = 0;
      (current['setTimeoutFn'] as typeof setTimeout)(() => (fired += 1), 10);
      vi.advanceTimersByTime(10);
      expect(fired).toBe(1);
      // The native timers are the ones from before the fake timers were installed.
      const handle = (native['setTimeoutFn'] as typeof setTimeout)(() => (fired += 1), 10);
      vi.advanceTimersByTime(10);
      expect(fired).toBe(1);
      (native['clearTimeoutFn'] as typeof clearTimeout)(handle);
    } finally {
      vi.useRealTimers();
    }
    const order: string[] = [];
    const ran = new Promise<void>((resolve) =>
      nextTick(() => {
        order.push('tick');
        resolve();
      }),
    );
    order.push('sync');
    await ran;
    expect(order).toEqual(['sync', 'tick']);
  });
});
