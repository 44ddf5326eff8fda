import { afterEach, describe, expect, it } from 'vitest';
import { Clients, once } from '../helpers/clients.js';
import { handshake, poll, rawWebSocket } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

let server: TestServer | undefined;
const clients = new Clients();
afterEach(async () => {
  clients.closeAll();
  await server?.close();
  server = undefined;
});

describe('heartbeat', () => {
  it('closes a polling session that stops answering pings after pingInterval + pingTimeout', async () => {
    server = await startServer({ pingInterval: 200, pingTimeout: 200 });
    let started = 0;
    server.io.engine.once('connection', () => {
      started = Date.now();
    });
    const { sid } = await handshake(server.url);
    const session = server.io.engine.clients.get(sid);
    if (!session) throw new Error('no session');
    const [reason] = await once<[string]>(session, 'close', 5_000);
    expect(reason).toBe('ping timeout');
    // the first ping goes out after pingInterval, the close follows pingTimeout later (timer slack aside)
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect((await poll(server.url, sid)).status).toBe(400);
  });

  it('closes a WebSocket session that stops answering pings', async () => {
    server = await startServer({ pingInterval: 200, pingTimeout: 200 });
    const ws = await rawWebSocket(server.url);
    expect(String(await ws.next()).startsWith('0{')).toBe(true);
    expect(await ws.next()).toBe('2'); // a ping, never answered
    await ws.closed;
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('keeps a session alive that answers pings', async () => {
    server = await startServer({ pingInterval: 100, pingTimeout: 100 });
    const socket = await clients.connect(server.url);
    const disconnects: string[] = [];
    socket.on('disconnect', (reason: string) => disconnects.push(reason));
    for (let i = 0; i < 5; i += 1) await once(socket.io.engine, 'ping');
    expect(disconnects).toEqual([]);
  });
});

describe.each(['websocket', 'polling'] as const)('cleanup over %s', (transport) => {
  it('returns to zero sessions after 1,000 clients connect and leave', async () => {
    server = await startServer();
    const io = server.io;
    let peak = 0;
    io.on('connection', () => {
      peak = Math.max(peak, io.engine.clientsCount);
    });
    const url = server.url;
    for (let batch = 0; batch < 10; batch += 1) {
      const sockets = await Promise.all(
        Array.from({ length: 100 }, () => clients.connect(url, { transports: [transport] })),
      );
      for (const socket of sockets) socket.disconnect();
    }
    await until(() => io.engine.clientsCount === 0, 'every session is gone', 15_000);
    expect(peak).toBeGreaterThan(1);
    expect(io.of('/').sockets.size).toBe(0);
  }, 60_000);
});
