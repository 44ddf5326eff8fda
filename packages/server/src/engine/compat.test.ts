// Behaviours engine.io apps rely on: generateId, req._query, send(data, cb), flush/drain on the
// server, writeBuffer, cookie and CORS option details, connection_error wording, upgrade 'close'.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import type { IncomingMessage } from 'node:http';
import * as entry from './index.js';
import { listen } from './listen.js';
import { EngineServer } from './server.js';
import { EngineSocket } from './session.js';
import { resolveCookieOptions, serializeCookie } from './cookie.js';
import type { ConnectionError } from './server.js';
import type { TransportBase } from './transport.js';
import { RawWebSocket, handshake, nextConnection, poll, push, request, useTestServers, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

const { started, serve } = useTestServers();

describe("the entry's engine.io names", () => {
  it('exports Server and Socket (engine.io names) as the engine server and session classes, beside listen and attach', () => {
    expect(entry.Server).toBe(EngineServer);
    expect(entry.Socket).toBe(EngineSocket);
    expect(entry.protocol).toBe(4);
    for (const fn of [entry.listen, entry.attach]) expect(typeof fn).toBe('function');
  });
});

function nextConnectionError(server: TestServer): Promise<ConnectionError> {
  return new Promise((resolve) => server.engine.once('connection_error', resolve));
}

describe('generateId', () => {
  it('uses the id returned by an assigned generateId, also as a Promise', async () => {
    const server = await started();
    server.engine.generateId = () => Promise.resolve('custom-id');
    const open = await handshake(server);
    expect(open.sid).toBe('custom-id');
    expect(server.engine.clients.get('custom-id')?.id).toBe('custom-id');
    // engine.io's clients is a plain object: the entry is readable by key too.
    expect(Object.keys(server.engine.clients)).toEqual(['custom-id']);
  });

  it('refuses the polling handshake with ID_GENERATION_ERROR when it rejects', async () => {
    const server = await started();
    server.engine.generateId = () => Promise.reject(new Error('nope'));
    const refused = nextConnectionError(server);
    const answer = await request(`${server.url}?EIO=4&transport=polling`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: 3, message: 'Bad request' });
    const err = await refused;
    expect(err.code).toBe(3);
    expect(err.context).toMatchObject({ name: 'ID_GENERATION_ERROR' });
    expect(server.engine.clientsCount).toBe(0);
  });

  it('refuses the WebSocket handshake when it throws', async () => {
    const server = await started();
    server.engine.generateId = () => {
      throw new Error('nope');
    };
    const refused = nextConnectionError(server);
    await expect(RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'))).rejects.toThrow('HTTP 400');
    expect((await refused).context).toMatchObject({ name: 'ID_GENERATION_ERROR' });
  });
});

describe('engine.ws', () => {
  it('is the ws server behind the WebSocket transport, with the engine options it was given', () => {
    const engine = new EngineServer({ maxHttpBufferSize: 1234 });
    expect(engine.ws).toBeInstanceOf(WebSocketServer);
    expect(engine.ws.options.maxPayload).toBe(1234);
    engine.close();
  });
});

describe('socket API', () => {
  it('exposes the parsed query as request._query', async () => {
    const server = await started();
    const connected = nextConnection(server);
    await handshake(server, 'EIO=4&transport=polling&a=b');
    const socket = await connected;
    expect(Reflect.get(socket.request, '_query')).toEqual({ EIO: '4', transport: 'polling', a: 'b' });
  });

  it('runs an overridden prepare(req) first on requests and upgrades, so it can adjust what is verified', async () => {
    const server = await started();
    const seen: string[] = [];
    const prepare = server.engine.prepare.bind(server.engine);
    server.engine.prepare = (req) => {
      prepare(req);
      seen.push(String(Reflect.get(req, '_query')?.transport));
      req.headers.origin = 'http://engine.io/\n'; // not a valid header value: refused as INVALID_ORIGIN
    };
    const refused = nextConnectionError(server);
    const answer = await request(`${server.url}?EIO=4&transport=polling`);
    expect(answer.status).toBe(400);
    expect((await refused).context).toMatchObject({ name: 'INVALID_ORIGIN' });
    await expect(RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'))).rejects.toThrow('400');
    expect(seen).toEqual(['polling', 'websocket']);
  });

  it('accepts send(data, callback) and sends null as an empty message', async () => {
    const server = await started();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    let called = 0;
    socket.send(null, () => called++);
    socket.write('x', () => called++);
    expect(socket.writeBuffer.map((packet) => packet.data)).toEqual(['', 'x']);
    expect((await poll(server, sid)).body).toBe('4\x1e4x');
    expect(called).toBe(2);
  });

  it("emits the server's flush and drain events with the socket", async () => {
    const server = await started();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const events: string[] = [];
    server.engine.on('flush', (from, buffer) => events.push(`flush:${from === socket}:${buffer.length}`));
    server.engine.on('drain', (from) => events.push(`drain:${from === socket}:${from.writeBuffer.length}`));
    socket.send('a');
    await poll(server, sid);
    expect(events).toEqual(['flush:true:1', 'drain:true:0']);
  });

  it("leaves the unsent packets readable in 'close' listeners, then drops them", async () => {
    const server = await started();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    let callbackRan = false;
    socket.send('unsent', () => {
      callbackRan = true;
    });
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(socket.writeBuffer.length)));
    await push(server, sid, '1');
    expect(await closed).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.writeBuffer).toEqual([]);
    expect(callbackRan).toBe(false);
  });

  it("emits 'data' along with 'message'", async () => {
    const server = await started({ transports: ['websocket'] });
    const connected = nextConnection(server);
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    const socket = await connected;
    const data = new Promise((resolve) => socket.once('data', resolve));
    ws.send('4hi');
    expect(await data).toBe('hi');
    ws.ws.close();
  });
});

describe('refusals', () => {
  it('reports Forbidden in connection_error, the allowRequest message in the body and context', async () => {
    const server = await started({ allowRequest: (_req, fn) => fn('Thou shall not pass', false) });
    const refused = nextConnectionError(server);
    const answer = await request(`${server.url}?EIO=4&transport=polling`);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ code: 4, message: 'Thou shall not pass' });
    const err = await refused;
    expect(err.message).toBe('Forbidden');
    expect(err.context).toEqual({ message: 'Thou shall not pass' });
  });

  it('reports protocol 3 for an unsupported version', async () => {
    const server = await started();
    const refused = nextConnectionError(server);
    await request(`${server.url}?EIO=3&transport=polling`);
    expect((await refused).context).toEqual({ protocol: 3 });
  });

  it("emits 'close' on a middleware's response when the upgraded connection ends", async () => {
    const server = await started();
    const closed = new Promise<void>((resolve) =>
      server.engine.use((_req: IncomingMessage, res, next) => {
        res.on('close', () => resolve());
        next();
      }),
    );
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    ws.ws.close();
    await closed;
  });
});

describe('listen', () => {
  it('serves the engine on its own http server, 501 elsewhere', async () => {
    const engine = await new Promise<EngineServer>((resolve) => {
      const created = listen({ port: 0, host: '127.0.0.1' }, { transports: ['polling'] }, () => resolve(created));
    });
    const http = engine.httpServer;
    if (http === undefined) throw new Error('listen() must set httpServer');
    const port = await serve(engine, http);
    expect((await request(`http://127.0.0.1:${port}/other`)).status).toBe(501);
    expect((await request(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=polling`)).body).toMatch(/^0\{"sid"/);
  });
});

describe('attach options', () => {
  it("takes engine.io's per-attach path", async () => {
    const http = createServer();
    const engine = new EngineServer();
    engine.attach(http, { path: '/custom' });
    const port = await serve(engine, http);
    expect((await request(`http://127.0.0.1:${port}/custom/?EIO=4&transport=polling`)).body).toMatch(/^0\{"sid"/);
    const ws = await RawWebSocket.open(`ws://127.0.0.1:${port}/custom/?EIO=4&transport=websocket`);
    expect(String(await ws.next())).toMatch(/^0\{"sid"/);
    ws.ws.close();
  });
});

describe('http server restart', () => {
  it('opens again when its http server listens again after closing (as engine.io)', async () => {
    const server = await started({ transports: ['websocket'] });
    await new Promise<void>((resolve) => server.http.close(() => resolve()));
    await expect(RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'))).rejects.toThrow();
    await new Promise<void>((resolve) => server.http.listen(server.port, '127.0.0.1', resolve));
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    expect(String(await ws.next())).toMatch(/^0\{"sid"/);
    expect(server.engine.clientsCount).toBe(1);
    ws.ws.close();
  });
});

describe('options', () => {
  it('cookie: HttpOnly follows path !== false by default, and any truthy httpOnly', () => {
    const noPath = resolveCookieOptions({ path: false });
    const truthy = resolveCookieOptions({ httpOnly: 'no' as unknown as boolean });
    expect(noPath && serializeCookie('id', noPath)).toBe('io=id; SameSite=Lax');
    expect(truthy && serializeCookie('id', truthy)).toBe('io=id; Path=/; HttpOnly; SameSite=Lax');
  });

  it('cors: `headers` is an alias of allowedHeaders; exposed headers are on preflights too', async () => {
    const server = await started({ cors: { origin: true, headers: ['my-header'], exposedHeaders: ['x-exposed'] } });
    const answer = await request(`${server.url}?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://engine.io' },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-headers')).toBe('my-header');
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-exposed');
  });

  it("polling 'headers' listeners see cache-control under engine.io's key", async () => {
    const server = await started();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const seen = new Promise<Record<string, string>>((resolve) => (socket.transport as TransportBase).once('headers', resolve));
    socket.send('x');
    const answer = await poll(server, sid);
    expect((await seen)['cache-control']).toBe('no-store');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});
