import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineSocket } from './session.js';
import { RawWebSocket, decode, handshake, poll, push, startServer, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function nextConnection(s: TestServer): Promise<EngineSocket> {
  return new Promise((resolve) => s.engine.once('connection', resolve));
}

function closeOf(socket: EngineSocket): Promise<string> {
  return new Promise((resolve) => socket.once('close', (reason) => resolve(reason)));
}

async function openPacket(ws: RawWebSocket): Promise<{ sid: string; upgrades: string[] }> {
  const frame = await ws.next();
  expect(typeof frame).toBe('string');
  expect(String(frame)[0]).toBe('0');
  return JSON.parse(String(frame).slice(1)) as { sid: string; upgrades: string[] };
}

/** Sends a raw HTTP upgrade and returns everything the server wrote before closing. */
function rawUpgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
}

describe('websocket handshake', () => {
  it('sends the open packet as first frame with no upgrades, then messages both ways', async () => {
    server = await startServer({ pingInterval: 10_000 });
    const connected = nextConnection(server);
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    const open = await openPacket(ws);
    expect(open.upgrades).toEqual([]);
    const socket = await connected;
    expect(socket.id).toBe(open.sid);
    expect(socket.transport.name).toBe('websocket');

    const received: Array<string | Buffer> = [];
    const both = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        received.push(data);
        if (received.length === 2) resolve();
      }),
    );
    ws.send('4hi');
    ws.send(Buffer.from([9, 8]));
    await both;
    expect(received).toEqual(['hi', Buffer.from([9, 8])]);

    socket.send('text').send(new Uint8Array([1, 2]));
    expect(await ws.next()).toBe('4text');
    expect(await ws.next()).toEqual(Buffer.from([1, 2]));
  });

  it('pings, and closes with ping timeout when no pong arrives', async () => {
    server = await startServer({ pingInterval: 30, pingTimeout: 40 });
    const connected = nextConnection(server);
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    await openPacket(ws);
    const socket = await connected;
    expect(await ws.next()).toBe('2');
    ws.send('3');
    expect(await ws.next()).toBe('2');
    expect(await closeOf(socket)).toBe('ping timeout');
    await ws.closed;
    expect(server.engine.clientsCount).toBe(0);
  });

  it.each([
    { name: 'garbage text frame', frame: 'zzz', reason: 'parse error' },
    { name: 'empty text frame', frame: '', reason: 'parse error' },
    { name: 'oversized frame', frame: `4${'x'.repeat(600)}`, reason: 'transport error' },
  ])('$name ends that session cleanly', async ({ frame, reason }) => {
    server = await startServer({ maxHttpBufferSize: 500 });
    const connected = nextConnection(server);
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    await openPacket(ws);
    const socket = await connected;
    ws.send(frame);
    expect(await closeOf(socket)).toBe(reason);
    await ws.closed;
    expect(server.engine.clientsCount).toBe(0);

    const other = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    await openPacket(other);
    other.ws.close();
    await other.closed;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.engine.clientsCount).toBe(0);
  });

  it('refuses bad upgrades with a raw 400 and leaves other paths to other listeners', async () => {
    let otherUpgrades = 0;
    server = await startServer({}, (http) =>
      http.on('upgrade', (req, socket) => {
        if (req.url !== '/elsewhere') return;
        otherUpgrades++;
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      }),
    );
    const bad = await rawUpgrade(server.port, '/engine.io/?EIO=4&transport=websocket&sid=unknown');
    expect(bad).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bad).toMatch(/Session ID unknown$/);
    expect(await rawUpgrade(server.port, '/engine.io/?EIO=3&transport=websocket')).toMatch(
      /Unsupported protocol version$/,
    );
    expect(await rawUpgrade(server.port, '/elsewhere')).toMatch(/^HTTP\/1\.1 404/);
    expect(otherUpgrades).toBe(1);
  });
});

/** A polling session (a server with `options`) and a WebSocket opened to upgrade it, not probed yet. */
async function pollingWithCandidate(
  options: Parameters<typeof startServer>[0],
): Promise<{ s: TestServer; sid: string; socket: EngineSocket; ws: RawWebSocket }> {
  const s = await startServer(options);
  server = s;
  const connected = nextConnection(s);
  const { sid } = await handshake(s);
  const socket = await connected;
  const ws = await RawWebSocket.open(wsUrl(s, `EIO=4&transport=websocket&sid=${sid}`));
  return { s, sid, socket, ws };
}

describe('upgrade from polling', () => {
  it('probes, releases the held GET with a noop, switches, and keeps every message in order', async () => {
    server = await startServer({ pingInterval: 10_000 });
    const connected = nextConnection(server);
    const { sid, upgrades } = await handshake(server);
    expect(upgrades).toEqual(['websocket']);
    const socket = await connected;
    const received: Array<string | Buffer> = [];
    socket.on('message', (data) => received.push(data));
    const events: string[] = [];
    socket.on('upgrading', (t) => events.push(`upgrading:${t.name}`));
    socket.on('upgrade', (t) => events.push(`upgrade:${t.name}`));

    // Messages before the upgrade, over polling.
    socket.send('p1');
    expect(decode((await poll(server, sid)).body)).toEqual([{ type: 'message', data: 'p1' }]);
    const held = poll(server, sid);

    const ws = await RawWebSocket.open(wsUrl(server, `EIO=4&transport=websocket&sid=${sid}`));
    ws.send('2probe');
    expect(await ws.next()).toBe('3probe');
    expect(decode((await held).body)).toEqual([{ type: 'noop' }]);
    expect(events).toEqual(['upgrading:websocket']);

    // Sent while the client pauses polling: buffered in the session, delivered over the new transport.
    socket.send('during1').send('during2');
    await push(server, sid, '4c1');
    ws.send('5');
    const upgraded = await new Promise((resolve) => socket.once('upgrade', resolve));
    expect(upgraded).toBe(socket.transport);
    expect(socket.upgraded).toBe(true);
    expect(socket.transport.name).toBe('websocket');
    socket.send('after');
    expect([await ws.next(), await ws.next(), await ws.next()]).toEqual(['4during1', '4during2', '4after']);

    ws.send('4c2');
    await new Promise<void>((resolve) => socket.once('message', () => resolve()));
    expect(received).toEqual(['c1', 'c2']);
    expect(events).toEqual(['upgrading:websocket', 'upgrade:websocket']);

    // Polling requests of an upgraded session are refused (transport mismatch).
    const late = await poll(server, sid);
    expect(late.status).toBe(400);
    expect(JSON.parse(late.body)).toEqual({ code: 3, message: 'Bad request' });

    // A second WebSocket for the same session is closed.
    const second = await RawWebSocket.open(wsUrl(server, `EIO=4&transport=websocket&sid=${sid}`));
    await second.closed;
    expect(socket.readyState).toBe('open');
  });

  it('a GET that arrives after the probe is answered with a noop at once (the client waits for it)', async () => {
    // Long hold and heartbeat: nothing but the GET's arrival can answer it within the test's time.
    const { s, sid, socket, ws } = await pollingWithCandidate({ pingInterval: 30_000, pollHoldTimeout: 30_000 });
    ws.send('2probe');
    expect(await ws.next()).toBe('3probe');
    expect(decode((await poll(s, sid)).body)).toEqual([{ type: 'noop' }]);
    ws.send('5');
    await new Promise((resolve) => socket.once('upgrade', resolve));
    expect(socket.transport.name).toBe('websocket');
  });

  it('a probe that never completes times out and the session keeps polling', async () => {
    const { s, sid, socket, ws } = await pollingWithCandidate({ upgradeTimeout: 50, pingInterval: 10_000 });
    // Dropped (1006: no close frame), not closed with a handshake a stalled peer would never answer.
    expect(await ws.closed).toEqual({ code: 1006 });
    expect(socket.transport.name).toBe('polling');
    const held = poll(s, sid);
    socket.send('still polling');
    expect(decode((await held).body)).toEqual([{ type: 'message', data: 'still polling' }]);
  });

  it('a packet other than the probe abandons the candidate', async () => {
    const { socket, ws } = await pollingWithCandidate({ pingInterval: 10_000 });
    ws.send('4sneaky');
    await ws.closed;
    expect(socket.readyState).toBe('open');
    expect(socket.transport.name).toBe('polling');
  });

  it('closing the session during the upgrade closes the candidate too', async () => {
    const { s, socket, ws } = await pollingWithCandidate({ pingInterval: 10_000 });
    ws.send('2probe');
    expect(await ws.next()).toBe('3probe');
    socket.close(true);
    await ws.closed;
    expect(s.engine.clientsCount).toBe(0);
  });
});
