// Engine.IO v3 / Socket.IO v2 clients (socket.io-client 2.x, engine.io-client 3.x, the real packages)
// against Switchback's server with `allowEIO3: true`, over polling only, WebSocket only and polling
// then upgrade; and the refusal without the option.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { attach } from '@switchback/server/engine';
import type { EngineServer, EngineServerOptions, EngineSocket } from '@switchback/server/engine';
import type { Socket as ServerSocket } from '@switchback/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/servers.js';
import { once, until } from '../helpers/wait.js';

// The old clients ship no types: the few members used here, typed at this one boundary.
interface V2Socket {
  readonly id: string;
  readonly connected: boolean;
  readonly io: { readonly engine: { readonly id: string; readonly transport: { readonly name: string } } & Emitter };
  on(event: string, listener: (...args: any[]) => void): V2Socket;
  once(event: string, listener: (...args: any[]) => void): V2Socket;
  off(event: string, listener?: (...args: any[]) => void): V2Socket;
  emit(event: string, ...args: unknown[]): V2Socket;
  close(): void;
}
interface Emitter {
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener?: (...args: any[]) => void): unknown;
}
interface V3EngineSocket extends Emitter {
  readonly id: string;
  readonly readyState: string;
  readonly transport: { readonly name: string };
  send(data: string | Buffer | ArrayBuffer): void;
  close(): void;
}

const require = createRequire(import.meta.url);
const ioV2 = require('socket.io-client-v2') as (url: string, options?: Record<string, unknown>) => V2Socket;
const EngineV3 = require('engine.io-client-v3') as new (url: string, options?: Record<string, unknown>) => V3EngineSocket;

type Mode = 'polling' | 'websocket' | 'upgrade';
const modes: readonly Mode[] = ['polling', 'websocket', 'upgrade'];

function transportsOf(mode: Mode): string[] {
  return mode === 'polling' ? ['polling'] : mode === 'websocket' ? ['websocket'] : ['polling', 'websocket'];
}

function bytes(data: unknown): number[] {
  if (Buffer.isBuffer(data)) return [...data];
  if (data instanceof ArrayBuffer) return [...new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  throw new Error(`not binary: ${typeof data}`);
}

const v2Clients: V2Socket[] = [];
const v3Clients: V3EngineSocket[] = [];
let server: TestServer | undefined;
let engineServer: { engine: EngineServer; close(): Promise<void> } | undefined;

afterEach(async () => {
  for (const client of v2Clients.splice(0)) client.close();
  for (const client of v3Clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
  await engineServer?.close();
  engineServer = undefined;
});

function openV2(url: string, mode: Mode, options: Record<string, unknown> = {}): V2Socket {
  const client = ioV2(url, { transports: transportsOf(mode), forceNew: true, reconnection: false, ...options });
  v2Clients.push(client);
  return client;
}

async function connectedV2(p: TestServer, mode: Mode, nsp = '/', options: Record<string, unknown> = {}): Promise<[V2Socket, ServerSocket]> {
  const peer = once<[ServerSocket]>(p.io.of(nsp), 'connection');
  const client = openV2(`${p.url}${nsp === '/' ? '' : nsp}`, mode, options);
  const [socket] = await peer;
  if (!client.connected) await once(client, 'connect');
  if (mode === 'upgrade') {
    if (!socket.conn.upgraded) await once(socket.conn, 'upgrade');
    await until(() => client.io.engine.transport.name === 'websocket', 'the v2 client upgraded');
  }
  return [client, socket];
}

async function startEngine(options: EngineServerOptions): Promise<{ engine: EngineServer; url: string }> {
  const http = createServer();
  const engine = attach(http, options);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  engineServer = {
    engine,
    close: async () => {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return { engine, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

function openV3(url: string, mode: Mode, options: Record<string, unknown> = {}): V3EngineSocket {
  const client = new EngineV3(url, { transports: transportsOf(mode), ...options });
  v3Clients.push(client);
  return client;
}

describe.each(modes)('socket.io-client 2.x -> switchback (allowEIO3), %s', (mode) => {
  it('connects to the main namespace without CONNECT; ids agree; Engine.IO v3 session', async () => {
    server = await startServer({ allowEIO3: true });
    const [client, socket] = await connectedV2(server, mode);
    expect(socket.conn.protocol).toBe(3);
    expect(socket.id).toBe(socket.conn.id);
    expect(client.id).toBe(socket.id);
    expect(socket.conn.transport.name).toBe(mode === 'polling' ? 'polling' : 'websocket');
  });

  it('events and acks both ways', async () => {
    server = await startServer({ allowEIO3: true });
    const [client, socket] = await connectedV2(server, mode);
    socket.on('echo', (a: unknown, b: unknown, ack: (...args: unknown[]) => void) => ack(a, b));
    const echoed = await new Promise<unknown[]>((resolve) => client.emit('echo', 'x', { n: 1 }, (...args: unknown[]) => resolve(args)));
    expect(echoed).toEqual(['x', { n: 1 }]);

    client.on('ask', (q: string, ack: (answer: string) => void) => ack(`${q}!`));
    await expect(socket.timeout(5_000).emitWithAck('ask', 'hi')).resolves.toBe('hi!');

    const pushed = once<[string, number[]]>(client, 'push');
    socket.emit('push', 'text', [1, 2]);
    await expect(pushed).resolves.toEqual(['text', [1, 2]]);
  });

  it('binary events both ways, with binary acks', async () => {
    server = await startServer({ allowEIO3: true });
    const [client, socket] = await connectedV2(server, mode);
    const received = once<[unknown, unknown]>(socket, 'bin');
    client.emit('bin', Buffer.from([1, 2, 3]), { nested: Buffer.from([255, 0]) });
    const [first, second] = await received;
    expect(bytes(first)).toEqual([1, 2, 3]);
    expect(bytes((second as { nested: unknown }).nested)).toEqual([255, 0]);

    const back = once<[unknown, string]>(client, 'bin-back');
    socket.emit('bin-back', Buffer.from([9, 8, 7, 6]), 'tail');
    const [data, tail] = await back;
    expect(bytes(data)).toEqual([9, 8, 7, 6]);
    expect(tail).toBe('tail');

    socket.on('bin-ack', (ack: (data: Buffer) => void) => ack(Buffer.from([4, 2])));
    const acked = await new Promise<unknown>((resolve) => client.emit('bin-ack', (data: unknown) => resolve(data)));
    expect(bytes(acked)).toEqual([4, 2]);
  });

  it('a custom namespace with a query: handshake.auth, v2 socket id, rooms', async () => {
    server = await startServer({ allowEIO3: true });
    const [client, socket] = await connectedV2(server, mode, '/admin', { query: { token: 'abc' } });
    expect(socket.nsp.name).toBe('/admin');
    expect(socket.handshake.auth).toEqual({ token: 'abc' });
    expect(socket.handshake.query['token']).toBe('abc');
    expect(socket.id).toBe(`/admin#${socket.conn.id}`);
    expect(client.id).toBe(socket.id);
    await socket.join('room1');
    const inRoom = once<[string]>(client, 'room-news');
    server.io.of('/admin').to('room1').emit('room-news', 'hello room');
    await expect(inRoom).resolves.toEqual(['hello room']);
    // A private message by socket id reaches it (the id is the one the v2 client knows).
    const direct = once<[string]>(client, 'direct');
    server.io.of('/admin').to(client.id).emit('direct', 'just you');
    await expect(direct).resolves.toEqual(['just you']);
  });

  it("a middleware's next(new Error('x')) reaches the v2 client's 'error' event as the message", async () => {
    server = await startServer({ allowEIO3: true });
    server.io.of('/private').use((_socket, next) => next(new Error('x')));
    const client = openV2(`${server.url}/private`, mode);
    const [err] = await once<[unknown]>(client, 'error');
    expect(err).toBe('x');
    expect(client.connected).toBe(false);
  });

  it('a middleware error with data: the v2 client gets the data', async () => {
    server = await startServer({ allowEIO3: true });
    server.io.of('/private').use((_socket, next) => next(Object.assign(new Error('refused'), { data: { reason: 'no' } })));
    const client = openV2(`${server.url}/private`, mode);
    const [err] = await once<[unknown]>(client, 'error');
    expect(err).toEqual({ reason: 'no' });
  });

  it('server-side disconnect: the v2 client sees io server disconnect; the server sees the reason', async () => {
    server = await startServer({ allowEIO3: true });
    const [client, socket] = await connectedV2(server, mode);
    const clientSide = once<[string]>(client, 'disconnect');
    const serverSide = once<[string]>(socket, 'disconnect');
    socket.disconnect();
    await expect(clientSide).resolves.toEqual(['io server disconnect']);
    expect((await serverSide)[0]).toBe('server namespace disconnect');
  });

  it('client-side close: the server socket disconnects', async () => {
    server = await startServer({ allowEIO3: true });
    const [client, socket] = await connectedV2(server, mode);
    const serverSide = once<[string]>(socket, 'disconnect');
    client.close();
    const [reason] = await serverSide;
    expect(['client namespace disconnect', 'transport close']).toContain(reason);
  });
});

describe.each(modes)('engine.io-client 3.x -> switchback engine (allowEIO3), %s', (mode) => {
  it('messages both ways, text and binary', async () => {
    const { engine, url } = await startEngine({ allowEIO3: true });
    const contentTypes: string[] = [];
    engine.on('headers', (headers) => contentTypes.push(String(headers['Content-Type'])));
    const connection = once<[EngineSocket]>(engine, 'connection');
    const client = openV3(url, mode);
    const [conn] = await connection;
    expect(conn.protocol).toBe(3);
    await once(client, 'open');
    if (mode === 'upgrade') {
      if (!conn.upgraded) await once(conn, 'upgrade');
      await until(() => client.transport.name === 'websocket', 'the v3 client upgraded');
    }
    const text = once<[string]>(conn, 'message');
    client.send('héllo ✓');
    await expect(text).resolves.toEqual(['héllo ✓']);
    const binary = once<[Buffer]>(conn, 'message');
    client.send(Buffer.from([0, 1, 2, 250]));
    expect(bytes((await binary)[0])).toEqual([0, 1, 2, 250]);

    const back = once<[string]>(client, 'message');
    conn.send('from server ✓');
    await expect(back).resolves.toEqual(['from server ✓']);
    const backBinary = once<[unknown]>(client, 'message');
    conn.send(Buffer.from([7, 7, 0, 1]));
    expect(bytes((await backBinary)[0])).toEqual([7, 7, 0, 1]);
    // engine.io-client 3 under Node has no XHR2 and asks for base64 (`b64=1`): binary payloads are
    // covered by the raw HTTP test below.
    expect(contentTypes.length).toBeGreaterThan(0);
  });

  it("binary as base64 when the client forces it (b64)", async () => {
    const { engine, url } = await startEngine({ allowEIO3: true });
    const contentTypes: string[] = [];
    engine.on('headers', (headers) => contentTypes.push(String(headers['Content-Type'])));
    const connection = once<[EngineSocket]>(engine, 'connection');
    const client = openV3(url, mode, { forceBase64: true });
    const [conn] = await connection;
    await once(client, 'open');
    const binary = once<[Buffer]>(conn, 'message');
    client.send(Buffer.from([5, 6]));
    expect(bytes((await binary)[0])).toEqual([5, 6]);
    const back = once<[unknown]>(client, 'message');
    conn.send(Buffer.from([1, 255]));
    expect(bytes((await back)[0])).toEqual([1, 255]);
    expect(contentTypes).not.toContain('application/octet-stream');
  });

  it("the client's pings keep the session alive past pingInterval + pingTimeout", async () => {
    const { engine, url } = await startEngine({ allowEIO3: true, pingInterval: 100, pingTimeout: 100 });
    const connection = once<[EngineSocket]>(engine, 'connection');
    const client = openV3(url, mode);
    const [conn] = await connection;
    const closes: string[] = [];
    conn.on('close', (reason) => closes.push(reason));
    let heartbeats = 0;
    conn.on('heartbeat', () => {
      heartbeats += 1;
    });
    let pongs = 0;
    client.on('pong', () => {
      pongs += 1;
    });
    // Six client pings take at least 5 pingIntervals (500 ms), more than pingInterval + pingTimeout twice.
    await until(() => heartbeats >= 6 && pongs >= 5, 'six pings answered');
    expect(closes).toEqual([]);
    expect(conn.readyState).toBe('open');
    const echoed = once<[string]>(conn, 'message');
    client.send('still here');
    await expect(echoed).resolves.toEqual(['still here']);
  });
});

describe('Engine.IO v3 polling, raw HTTP (a client that supports binary)', () => {
  it('binary payloads both ways (application/octet-stream), text payloads with <length>: framing', async () => {
    const { engine, url } = await startEngine({ allowEIO3: true });
    const connection = once<[EngineSocket]>(engine, 'connection');
    const handshake = await fetch(`${url}/engine.io/?transport=polling`);
    expect(handshake.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    const body = await handshake.text();
    const match = /^(\d+):0(.*)$/.exec(body);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBe((match?.[2]?.length ?? 0) + 1);
    const open = JSON.parse(match?.[2] ?? '') as Record<string, unknown>;
    // As engine.io, the v3 open packet carries maxPayload too.
    expect(Object.keys(open).sort()).toEqual(['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
    const sid = String(open['sid']);
    const [conn] = await connection;
    const poll = `${url}/engine.io/?transport=polling&sid=${encodeURIComponent(sid)}`;

    conn.send('é');
    conn.send(Buffer.from([1, 2, 3]));
    const answer = await fetch(poll);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    // 0 (text) 3 255 '4é' as UTF-8 (3 bytes: "4" and two for é), then 1 (binary) 4 255, type 4, 1 2 3.
    expect([...new Uint8Array(await answer.arrayBuffer())]).toEqual([0, 3, 255, 0x34, 0xc3, 0xa9, 1, 4, 255, 4, 1, 2, 3]);

    const messages: unknown[] = [];
    conn.on('message', (data) => messages.push(data));
    const posted = await fetch(poll, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 3, 255, 0x34, 0xc3, 0xa9, 1, 3, 255, 4, 9, 8]),
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toBe('ok');
    expect(messages.length).toBe(2);
    expect(messages[0]).toBe('é');
    expect(bytes(messages[1])).toEqual([9, 8]);

    const text = await fetch(poll, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: '2:4a6:b4AQI=' });
    expect(await text.text()).toBe('ok');
    expect(messages[2]).toBe('a');
    expect(bytes(messages[3])).toEqual([1, 2]);

    // Bad framing closes the session with a parse error, as engine.io.
    const closed = once<[string]>(conn, 'close');
    const bad = await fetch(poll, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: '5:4a' });
    expect(bad.status).toBe(400);
    expect((await closed)[0]).toBe('parse error');
  });

  it('a v4 request on a v3 session (and the reverse) is refused as a protocol mismatch', async () => {
    const { url } = await startEngine({ allowEIO3: true });
    const v3 = await (await fetch(`${url}/engine.io/?transport=polling`)).text();
    const v3Sid = String((JSON.parse(v3.slice(v3.indexOf(':') + 2)) as { sid: string }).sid);
    const mismatch = await fetch(`${url}/engine.io/?EIO=4&transport=polling&sid=${encodeURIComponent(v3Sid)}`);
    expect(mismatch.status).toBe(400);
    const v4 = await (await fetch(`${url}/engine.io/?EIO=4&transport=polling`)).text();
    const v4Sid = String((JSON.parse(v4.slice(1)) as { sid: string; maxPayload: number }).sid);
    expect(v4).toContain('maxPayload');
    const reverse = await fetch(`${url}/engine.io/?EIO=3&transport=polling&sid=${encodeURIComponent(v4Sid)}`);
    expect(reverse.status).toBe(400);
  });
});

describe('without allowEIO3', () => {
  it('a v2 client is refused: 400 Unsupported protocol version', async () => {
    server = await startServer();
    const answer = await fetch(`${server.url}/socket.io/?transport=polling`);
    expect(answer.status).toBe(400);
    await expect(answer.json()).resolves.toEqual({ code: 5, message: 'Unsupported protocol version' });
    const v3 = await fetch(`${server.url}/socket.io/?EIO=3&transport=polling`);
    expect(v3.status).toBe(400);
    await expect(v3.json()).resolves.toEqual({ code: 5, message: 'Unsupported protocol version' });

    let connected = false;
    server.io.on('connection', () => {
      connected = true;
    });
    const client = openV2(server.url, 'polling');
    await once(client, 'connect_error');
    expect(connected).toBe(false);
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('with allowEIO3, JSONP polling is refused with 400 Bad request', async () => {
    server = await startServer({ allowEIO3: true });
    const answer = await fetch(`${server.url}/socket.io/?EIO=3&transport=polling&j=0`);
    expect(answer.status).toBe(400);
    await expect(answer.json()).resolves.toEqual({ code: 3, message: 'Bad request' });
  });
});
