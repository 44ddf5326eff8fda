import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Clients } from '../helpers/clients.js';
import { eioUrl, handshake, poll, push, rawWebSocket, request, socketIoSession } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

const MAX = 10_000; // maxHttpBufferSize for this suite, small so oversize cases stay cheap

let server: TestServer;
const clients = new Clients();
const crashes: unknown[] = [];
const onCrash = (err: unknown): void => {
  crashes.push(err);
};

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  server = await startServer({ maxHttpBufferSize: MAX, pingInterval: 1_000, pingTimeout: 1_000 });
  server.io.on('connection', (socket) => {
    socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack(value));
  });
});
afterAll(async () => {
  clients.closeAll();
  await server.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

// After every case: nothing crashed, a healthy client still works, and no session leaked.
afterEach(async () => {
  const healthy = await clients.connect(server.url, { transports: ['polling'] });
  expect(await healthy.emitWithAck('echo', 'still fine')).toBe('still fine');
  healthy.disconnect();
  await until(() => server.io.engine.clientsCount === 0, 'every session is closed');
  expect(crashes).toEqual([]);
});

const json = (body: string): unknown => JSON.parse(body);

describe('bad input over raw HTTP', () => {
  const cases: Array<{ name: string; send: () => Promise<{ status: number; body: string; headers: Headers }>; status: number; body?: unknown }> = [
    {
      name: 'unknown transport',
      send: () => request(eioUrl(server.url, { transport: 'carrier-pigeon' })),
      status: 400,
      body: { code: 0, message: 'Transport unknown' },
    },
    {
      name: 'unknown session id',
      send: () => request(eioUrl(server.url, { sid: 'AAAAAAAAAAAAAAAAAAAA' })),
      status: 400,
      body: { code: 1, message: 'Session ID unknown' },
    },
    {
      name: 'handshake with POST',
      send: () => request(eioUrl(server.url), { method: 'POST', body: '4hello' }),
      status: 400,
      body: { code: 2, message: 'Bad handshake method' },
    },
    {
      name: 'websocket handshake without upgrade',
      send: () => request(eioUrl(server.url, { transport: 'websocket' })),
      status: 400,
      body: { code: 3, message: 'Bad request' },
    },
    {
      name: 'Engine.IO v3',
      send: () => request(eioUrl(server.url, { EIO: '3' })),
      status: 400,
      body: { code: 5, message: 'Unsupported protocol version' },
    },
    {
      name: 'missing EIO',
      send: () => request(`${server.url}/socket.io/?transport=polling`),
      status: 400,
      body: { code: 5, message: 'Unsupported protocol version' },
    },
  ];
  it.each(cases)('$name → $status', async ({ send, status, body }) => {
    const res = await send();
    expect(res.status).toBe(status);
    if (body !== undefined) expect(json(res.body)).toEqual(body);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('oversized POST → 413 and the session is closed', async () => {
    const { sid } = await handshake(server.url);
    const res = await push(server.url, sid, `4${'x'.repeat(MAX + 1)}`);
    expect(res.status).toBe(413);
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('%s on a session → 400 "Bad request", the session goes on', async (method) => {
    const sid = await socketIoSession(server.url);
    const res = await request(eioUrl(server.url, { sid }), { method, body: '4hello' });
    expect(res.status).toBe(400);
    expect(json(res.body)).toEqual({ code: 3, message: 'Bad request' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The session still carries packets both ways.
    expect((await push(server.url, sid, '421["echo","after"]')).status).toBe(200);
    expect((await poll(server.url, sid)).body).toBe('431["after"]');
    await push(server.url, sid, '1');
  });

  it('overlapping GET → 400 and the session is closed', async () => {
    const { sid } = await handshake(server.url);
    const held = poll(server.url, sid);
    await until(() => server.io.engine.clients.get(sid) !== undefined, 'the session exists');
    const second = await poll(server.url, sid);
    expect(second.status).toBe(400);
    await held;
    await until(() => !server.io.engine.clients.has(sid), 'the session is closed');
  });

  it.each([
    ['not a packet type', '9nonsense'],
    ['empty packet in a payload', '4a\x1e\x1e4b'],
    ['invalid base64', 'b@@@@'],
  ])('malformed payload (%s) closes the session with a parse error', async (_name, body) => {
    const sid = await socketIoSession(server.url);
    const closed = new Promise<string>((resolve) => {
      const socket = server.io.engine.clients.get(sid);
      if (!socket) throw new Error('no session');
      socket.once('close', (reason: string) => resolve(reason));
    });
    await push(server.url, sid, body);
    expect(await closed).toBe('parse error');
    const after = await poll(server.url, sid);
    expect(after.status).toBe(400);
  });

  it.each([
    ['invalid ack id', '43abc[]'],
    ['EVENT without an array', '42"just a string"'],
    ['EVENT with an empty array', '42[]'],
    ['reserved event name', '42["disconnect"]'],
    ['invalid JSON', '42["a",'],
    ['binary attachment count too large', '451000-["x",{"_placeholder":true,"num":0}]'],
  ])('malformed Socket.IO packet (%s) closes the session', async (_name, body) => {
    const sid = await socketIoSession(server.url);
    await push(server.url, sid, body);
    await until(() => !server.io.engine.clients.has(sid), 'the session is closed');
  });

  it('unknown namespace → CONNECT_ERROR "Invalid namespace", session kept', async () => {
    const { sid } = await handshake(server.url);
    await push(server.url, sid, '40/nowhere,');
    const reply = await poll(server.url, sid);
    expect(reply.body).toBe('44/nowhere,{"message":"Invalid namespace"}');
    await push(server.url, sid, '1');
  });

  it('an ACK for an unknown id is ignored', async () => {
    const sid = await socketIoSession(server.url);
    await push(server.url, sid, '3999["nobody asked"]');
    await push(server.url, sid, '421["echo","x"]');
    const reply = await poll(server.url, sid);
    expect(reply.body).toBe('431["x"]');
    await push(server.url, sid, '1');
  });
});

describe('bad input over raw WebSocket', () => {
  it('text garbage closes the session', async () => {
    const ws = await rawWebSocket(server.url);
    expect(String(await ws.next()).startsWith('0{')).toBe(true);
    ws.ws.send('40');
    expect(String(await ws.next()).startsWith('40{')).toBe(true);
    ws.ws.send('nonsense');
    await ws.closed;
  });

  it('an unexpected binary frame closes the session', async () => {
    const ws = await rawWebSocket(server.url);
    await ws.next();
    ws.ws.send('40');
    await ws.next();
    ws.ws.send(Buffer.from([1, 2, 3]));
    await ws.closed;
  });

  it('an oversized frame closes the WebSocket', async () => {
    const ws = await rawWebSocket(server.url);
    await ws.next();
    ws.ws.send(`4${'x'.repeat(MAX + 10)}`);
    const code = await ws.closed;
    expect([1006, 1009]).toContain(code);
  });

  it('an unknown sid on upgrade is refused', async () => {
    await expect(rawWebSocket(server.url, { sid: 'AAAAAAAAAAAAAAAAAAAA' })).rejects.toThrow();
  });
});
