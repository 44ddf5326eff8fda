// The real socket.io-client (4.8) against this Server, over each transport setup.
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { io as ioc } from 'socket.io-client';
import type { ManagerOptions, Socket as ClientSocket, SocketOptions } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from './server.js';
import type { Socket } from './socket.js';

interface Ctx {
  io: Server;
  http: HttpServer;
  url: string;
  clients: ClientSocket[];
}

const contexts: Ctx[] = [];

afterEach(async () => {
  for (const ctx of contexts.splice(0)) {
    for (const c of ctx.clients) c.disconnect();
    await ctx.io.close();
  }
});

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function start(style: 'attach' | 'express' = 'attach'): Promise<Ctx> {
  let io: Server;
  const http = createServer();
  if (style === 'attach') {
    io = new Server(http);
  } else {
    io = new Server();
    const app = express();
    app.use((req, res, next) => {
      res.setHeader('x-app-chain', 'yes');
      next();
    });
    app.use(io.middleware());
    app.get('/hello', (_req, res) => void res.send('world'));
    http.on('request', app);
    io.attachUpgrade(http);
  }
  const ctx: Ctx = { io, http, url: await listen(http), clients: [] };
  contexts.push(ctx);
  return ctx;
}

type Transports = Array<'polling' | 'websocket'>;

function client(ctx: Ctx, transports: Transports, nsp = '', opts: Partial<ManagerOptions & SocketOptions> = {}): ClientSocket {
  const socket = ioc(`${ctx.url}${nsp}`, { forceNew: true, reconnection: false, transports, ...opts });
  ctx.clients.push(socket);
  return socket;
}

function once<T extends unknown[]>(emitter: { once(ev: string, fn: (...args: T) => void): unknown }, ev: string): Promise<T> {
  return new Promise((resolve) => emitter.once(ev, (...args: T) => resolve(args)));
}

const setups: Array<[string, Transports]> = [
  ['polling', ['polling']],
  ['websocket', ['websocket']],
  ['polling + upgrade', ['polling', 'websocket']],
];

describe.each(setups)('socket.io-client over %s', (_name, transports) => {
  it('connects with auth and exchanges acks both ways', async () => {
    const ctx = await start();
    const serverSide = once<[Socket]>(ctx.io, 'connection');
    const c = client(ctx, transports, '', { auth: { token: 't1' }, query: { q: '1' } });
    const [socket] = await serverSide;
    await once(c, 'connect');
    expect(c.id).toBe(socket.id);
    expect(socket.handshake.auth).toEqual({ token: 't1' });
    expect(socket.handshake.query['q']).toBe('1');

    socket.on('double', (n: number, ack: (r: number) => void) => ack(n * 2));
    await expect(c.emitWithAck('double', 21)).resolves.toBe(42);

    c.on('ask', (q: string, ack: (a: string) => void) => ack(`${q}!`));
    await expect(socket.timeout(2000).emitWithAck('ask', 'hey')).resolves.toBe('hey!');
    if (transports.length === 2 && socket.conn.transport.name !== 'websocket') {
      await once(socket.conn, 'upgrade');
    }
    expect(socket.conn.transport.name).toBe(transports.length === 2 ? 'websocket' : transports[0]);
  });

  it('broadcasts to rooms and namespaces', async () => {
    const ctx = await start();
    ctx.io.of('/admin');
    ctx.io.on('connection', (s) => {
      s.on('join', (room: string, ack: () => void) => {
        void s.join(room);
        ack();
      });
    });
    const a = client(ctx, transports);
    const b = client(ctx, transports);
    const admin = client(ctx, transports, '/admin');
    await Promise.all([once(a, 'connect'), once(b, 'connect'), once(admin, 'connect')]);
    await a.emitWithAck('join', 'r1');
    const gotA = once<[string]>(a, 'news');
    const gotAdmin = once<[string]>(admin, 'adm');
    let bGotNews = false;
    b.on('news', () => (bGotNews = true));
    ctx.io.to('r1').emit('news', 'for r1');
    ctx.io.of('/admin').emit('adm', 'admins');
    expect(await gotA).toEqual(['for r1']);
    expect(await gotAdmin).toEqual(['admins']);
    // b is not in r1; a round trip on b proves nothing for it was in flight.
    const pong = once<[string]>(b, 'all');
    ctx.io.emit('all', 'x');
    await pong;
    expect(bGotNews).toBe(false);
  });

  it('reports middleware refusal with message and data', async () => {
    const ctx = await start();
    ctx.io.of('/private').use((_s, next) => next(Object.assign(new Error('not authorized'), { data: { code: 42 } })));
    const c = client(ctx, transports, '/private');
    const [err] = await once<[Error & { data?: unknown }]>(c, 'connect_error');
    expect(err.message).toBe('not authorized');
    expect(err.data).toEqual({ code: 42 });
    const unknown = client(ctx, transports, '/nowhere');
    const [err2] = await once<[Error]>(unknown, 'connect_error');
    expect(err2.message).toBe('Invalid namespace');
  });

  it('carries binary nested in arguments both ways', async () => {
    const ctx = await start();
    ctx.io.on('connection', (s) => {
      s.on('echo', (payload: { bytes: Buffer; list: Buffer[] }, ack: (r: unknown) => void) => {
        expect(Buffer.isBuffer(payload.bytes)).toBe(true);
        ack({ got: [...payload.bytes], sizes: payload.list.map((b) => b.length), back: Buffer.from([7, 7]) });
      });
    });
    const c = client(ctx, transports);
    await once(c, 'connect');
    const answer = (await c.emitWithAck('echo', {
      bytes: Buffer.from([1, 2, 3]),
      list: [Buffer.alloc(5), Buffer.alloc(1000)],
    })) as { got: number[]; sizes: number[]; back: ArrayBuffer | Buffer };
    expect(answer.got).toEqual([1, 2, 3]);
    expect(answer.sizes).toEqual([5, 1000]);
    expect([...new Uint8Array(answer.back as ArrayBuffer)]).toEqual([7, 7]);
  });

  it('reports server disconnect and client disconnect reasons', async () => {
    const ctx = await start();
    const serverSide = once<[Socket]>(ctx.io, 'connection');
    const c = client(ctx, transports);
    const [socket] = await serverSide;
    await once(c, 'connect');
    const clientReason = once<[string]>(c, 'disconnect');
    socket.disconnect();
    expect((await clientReason)[0]).toBe('io server disconnect');

    const second = once<[Socket]>(ctx.io, 'connection');
    const reconnected = once(c, 'connect');
    c.connect();
    const [socket2] = await second;
    await reconnected;
    const serverReason = once<[string]>(socket2, 'disconnect');
    c.disconnect();
    expect((await serverReason)[0]).toBe('client namespace disconnect');
  });
});

describe('Express style (io.middleware() + io.attachUpgrade())', () => {
  it('serves polling through the app chain and upgrades to websocket', async () => {
    const ctx = await start('express');
    const res = await fetch(`${ctx.url}/hello`);
    expect(await res.text()).toBe('world');
    const hs = await fetch(`${ctx.url}/socket.io/?EIO=4&transport=polling`);
    expect(hs.headers.get('x-app-chain')).toBe('yes');
    expect((await hs.text()).startsWith('0{')).toBe(true);

    const serverSide = once<[Socket]>(ctx.io, 'connection');
    const c = client(ctx, ['polling', 'websocket']);
    const [socket] = await serverSide;
    if (socket.conn.transport.name !== 'websocket') await once(socket.conn, 'upgrade');
    socket.on('ping2', (ack: (v: string) => void) => ack('pong2'));
    await expect(c.emitWithAck('ping2')).resolves.toBe('pong2');
  });
});
