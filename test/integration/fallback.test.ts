import { afterEach, describe, expect, it } from 'vitest';
import { Clients, once } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const WEBSOCKET_TIMEOUT = 800;

describe('transport fallback', () => {
  const clients = new Clients();
  let server: TestServer | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    clients.closeAll();
    await proxy?.close();
    await server?.close();
    server = undefined;
    proxy = undefined;
  });

  it('connects over polling when the server refuses WebSocket', async () => {
    server = await startServer({ transports: ['polling'] });
    server.io.on('connection', (socket) => socket.on('ping-me', (ack: (v: string) => void) => ack('pong')));
    const socket = await clients.connect(server.url, { webSocketTimeout: WEBSOCKET_TIMEOUT });
    expect(socket.io.engine.transport.name).toBe('polling');
    expect(await socket.emitWithAck('ping-me')).toBe('pong');
  });

  it('falls back to polling within webSocketTimeout + 1 s when a proxy passes the 101 and stalls', async () => {
    server = await startServer();
    server.io.on('connection', (socket) => socket.on('ping-me', (ack: (v: string) => void) => ack('pong')));
    proxy = await startTcpProxy(server.port, { kind: 'stall-after-101' });
    const started = Date.now();
    const socket = await clients.connect(proxy.url, { webSocketTimeout: WEBSOCKET_TIMEOUT });
    const elapsed = Date.now() - started;
    expect(socket.io.engine.transport.name).toBe('polling');
    expect(proxy.upgrades).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThan(WEBSOCKET_TIMEOUT + 1000);
    expect(await socket.emitWithAck('ping-me')).toBe('pong');
  });

  it('with the default webSocketTimeout (3 s), leaves a WebSocket whose 101 is followed by nothing in about 0.5 s', async () => {
    server = await startServer();
    server.io.on('connection', (socket) => socket.on('ping-me', (ack: (v: string) => void) => ack('pong')));
    proxy = await startTcpProxy(server.port, { kind: 'stall-after-101' });
    const started = Date.now();
    const socket = await clients.connect(proxy.url);
    const elapsed = Date.now() - started;
    expect(socket.io.engine.transport.name).toBe('polling');
    expect(proxy.upgrades).toBeGreaterThanOrEqual(1);
    // The open packet is awaited max(500 ms, twice the handshake) after the 101, not the whole 3 s.
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(2000);
    expect(await socket.emitWithAck('ping-me')).toBe('pong');
  });

  it('ends on polling and stays there when a proxy passes the first frames and then stalls', async () => {
    // pingInterval + pingTimeout is short so each stalled WebSocket dies quickly of a heartbeat timeout.
    server = await startServer({ pingInterval: 300, pingTimeout: 300 });
    let connections = 0;
    server.io.on('connection', (socket) => {
      connections += 1;
      socket.on('ping-me', (ack: (v: string) => void) => ack('pong'));
    });
    // frame 1: the open packet; frame 2: the CONNECT answer. Everything after that is dropped.
    proxy = await startTcpProxy(server.port, { kind: 'stall-after-frames', frames: 2 });
    const socket = clients.open(proxy.url, {
      webSocketTimeout: WEBSOCKET_TIMEOUT,
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    const transports: string[] = [];
    socket.on('connect', () => transports.push(socket.io.engine.transport.name));
    await new Promise<void>((resolve) => {
      socket.on('connect', () => {
        if (socket.io.engine.transport.name === 'polling') resolve();
      });
    });
    // at most two failed WebSocket attempts, and no background upgrade into the same trap
    expect(proxy.upgrades).toBeLessThanOrEqual(2);
    expect(transports.filter((name) => name === 'websocket').length).toBeLessThanOrEqual(2);
    // stays on polling through several heartbeats
    const disconnects: string[] = [];
    socket.on('disconnect', (reason: string) => disconnects.push(reason));
    for (let i = 0; i < 5; i += 1) await once(socket.io.engine, 'ping', 5_000);
    expect(disconnects).toEqual([]);
    expect(proxy.upgrades).toBeLessThanOrEqual(2);
    expect(socket.io.engine.transport.name).toBe('polling');
    expect(await socket.emitWithAck('ping-me')).toBe('pong');
    expect(connections).toBeGreaterThanOrEqual(1);
  });

  it('uses polling when no WebSocket constructor exists', async () => {
    server = await startServer();
    const socket = await clients.connect(server.url, { WebSocket: null });
    expect(socket.io.engine.transport.name).toBe('polling');
  });
});
