// A real Express app around the Server, on Express 4 and 5: io.middleware() serves polling after the app's
// own middleware (body parsers included, which read the POST bodies before we do), io.attachUpgrade() the
// WebSocket, and the app's routes keep working.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@switchback/server';
import express5 from 'express';
import express4 from 'express4';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Clients } from '../helpers/clients.js';
import { eioUrl, handshake, request } from '../helpers/raw.js';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

interface ExpressLike {
  (): {
    use(...handlers: unknown[]): unknown;
    get(path: string, handler: (req: unknown, res: { send(body: string): void }) => void): unknown;
  };
  json(): Middleware;
  urlencoded(options: { extended: boolean }): Middleware;
  text(): Middleware;
  raw(): Middleware;
}

const clients = new Clients();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  clients.closeAll();
  await Promise.all(closers.splice(0).map((close) => close()));
});
let warn: MockInstance<typeof console.warn>;
beforeAll(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

async function startApp(express: ExpressLike, before: Middleware[]): Promise<{ url: string; io: Server }> {
  const app = express();
  for (const middleware of before) app.use(middleware);
  const http = createServer(app as unknown as (req: IncomingMessage, res: ServerResponse) => void);
  const io = new Server({ path: '/socket.io/' });
  app.use(io.middleware());
  io.attachUpgrade(http);
  app.get('/hello', (_req, res) => res.send('from express'));
  io.on('connection', (socket) => {
    socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack(value));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, io };
}

describe.each([
  ['Express 4', express4 as unknown as ExpressLike],
  ['Express 5', express5 as unknown as ExpressLike],
])('%s', (_name, express) => {
  const parsers = (): Middleware[] => [express.json(), express.urlencoded({ extended: false }), express.text(), express.raw()];

  it.each(['polling', 'websocket'] as const)('with body parsers mounted first, %s carries text and binary', async (transport) => {
    const { url } = await startApp(express, parsers());
    expect((await request(`${url}/hello`)).body).toBe('from express');
    const socket = await clients.connect(url, { transports: [transport] });
    expect(socket.io.engine.transport.name).toBe(transport);
    expect(await socket.timeout(2000).emitWithAck('echo', 'text é')).toBe('text é');
    const bytes = (await socket.timeout(2000).emitWithAck('echo', new Uint8Array([1, 2, 250]))) as Uint8Array;
    expect([...bytes]).toEqual([1, 2, 250]);
  });

  it('upgrades from polling to WebSocket through the app', async () => {
    const { url } = await startApp(express, parsers());
    const socket = await clients.connect(url, { transports: ['polling', 'websocket'] });
    await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
    expect(await socket.timeout(2000).emitWithAck('echo', 'after the upgrade')).toBe('after the upgrade');
  });

  it('a body read by a middleware that keeps no text or bytes: 400 Bad request, one warning', async () => {
    const swallow: Middleware = (req, _res, next) => {
      req.resume();
      req.on('end', () => {
        Object.assign(req, { body: { parsed: true } });
        next();
      });
    };
    const { url } = await startApp(express, [swallow]);
    const { sid } = await handshake(url);
    const res = await request(eioUrl(url, { sid }), { method: 'POST', body: '40' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ code: 3, message: 'Bad request' });
    expect((await request(eioUrl(url, { sid }), { method: 'POST', body: '40' })).status).toBe(400);
  });
});

it('warned once in all, saying where the middleware goes', () => {
  expect(warn.mock.calls).toEqual([[expect.stringContaining('mount the middleware before body parsers')]]);
});
