// Integration with http.Server / Express: attach, middleware(), use(), allowRequest, CORS, cookie, headers.
import express from 'express';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serializeCookie, resolveCookieOptions } from './cookie.js';
import { EngineServer } from './server.js';
import type { EngineMiddleware } from './server.js';
import { RawWebSocket, decode, handshake, request, useTestServers, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

const { started, serve } = useTestServers();

describe('attach', () => {
  it('passes other paths to request listeners registered before', async () => {
    const server = await started({}, (http) =>
      http.on('request', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('app');
      }),
    );
    expect((await request(`http://127.0.0.1:${server.port}/other`)).body).toBe('app');
    expect(decode((await request(`${server.url}?EIO=4&transport=polling`)).body)[0]?.type).toBe('open');
  });

  it('closes every session and detaches when the http server closes', async () => {
    const server = await started();
    await handshake(server);
    expect(server.engine.clientsCount).toBe(1);
    await server.close();
    expect(server.engine.clientsCount).toBe(0);
    expect(server.http.listenerCount('upgrade')).toBe(0);
  });
});

describe('Express middleware + attachUpgrade', () => {
  it('serves polling through the middleware, websocket through the upgrade listener', async () => {
    const engine = new EngineServer({ path: '/rt' });
    const app = express();
    app.use(engine.middleware());
    app.get('/hello', (_req, res) => {
      res.send('express');
    });
    const http = createServer(app);
    engine.attachUpgrade(http);
    const port = await serve(engine, http);
    expect((await request(`http://127.0.0.1:${port}/hello`)).body).toBe('express');
    const polling = await request(`http://127.0.0.1:${port}/rt/?EIO=4&transport=polling`);
    expect(decode(polling.body)[0]?.type).toBe('open');
    const ws = await RawWebSocket.open(`ws://127.0.0.1:${port}/rt/?EIO=4&transport=websocket`);
    expect(String(await ws.next())[0]).toBe('0');
    expect(engine.clientsCount).toBe(2);
  });
});

describe('use() middlewares', () => {
  it('run on requests and upgrades; their headers reach the client; a failure answers 400', async () => {
    const server = await started();
    const seen: string[] = [];
    server.engine.use((req, res, next) => {
      seen.push(req.headers.upgrade === undefined ? 'http' : 'upgrade');
      res.setHeader('X-From-Middleware', 'yes');
      if (req.headers['x-deny'] !== undefined) next(new Error('denied'));
      else next();
    });
    const ok = await request(`${server.url}?EIO=4&transport=polling`);
    expect(ok.headers.get('x-from-middleware')).toBe('yes');
    const ws = new RawWebSocket(wsUrl(server, 'EIO=4&transport=websocket'));
    const upgradeHeaders = await new Promise<Record<string, unknown>>((resolve) =>
      ws.ws.once('upgrade', (res) => resolve(res.headers)),
    );
    expect(upgradeHeaders['x-from-middleware']).toBe('yes');
    ws.ws.close();
    const denied = await request(`${server.url}?EIO=4&transport=polling`, { headers: { 'X-Deny': '1' } });
    expect(denied.status).toBe(400);
    expect(JSON.parse(denied.body)).toEqual({ code: 3, message: 'Bad request' });
    expect(seen).toEqual(['http', 'upgrade', 'http']);
  });
});

/**
 * What express-session does through on-headers: its cookie is set when writeHead() runs (appended to
 * any Set-Cookie already there), and next() comes from its store a tick later.
 */
function cookieOnWriteHead(cookie: string, fired: string[]): EngineMiddleware {
  return (req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      fired.push(req.headers.upgrade === undefined ? 'http' : 'upgrade');
      const previous = this.getHeader('Set-Cookie');
      const cookies = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
      this.setHeader('Set-Cookie', [...cookies, cookie]);
      return Reflect.apply(writeHead, this, args) as ServerResponse;
    } as ServerResponse['writeHead'];
    setImmediate(() => next());
  };
}

describe('use() middlewares hooking writeHead (express-session)', () => {
  it('headers set when writeHead() runs are on the 101, with those of setHeader()', async () => {
    const server = await started();
    const fired: string[] = [];
    server.engine.use(cookieOnWriteHead('connect.sid=s%3Aabc; Path=/; HttpOnly', fired));
    server.engine.use((_req, res, next) => {
      res.setHeader('X-Plain', 'yes');
      next();
    });
    const ws = new RawWebSocket(wsUrl(server, 'EIO=4&transport=websocket'));
    const upgradeHeaders = await new Promise<Record<string, unknown>>((resolve) =>
      ws.ws.once('upgrade', (res) => resolve(res.headers)),
    );
    expect(upgradeHeaders['set-cookie']).toEqual(['connect.sid=s%3Aabc; Path=/; HttpOnly']);
    expect(upgradeHeaders['x-plain']).toBe('yes');
    expect(String(await ws.next())).toMatch(/^0\{"sid"/);
    ws.ws.close();
    // Polling answers go through the real response: the same hook runs there.
    const polled = await request(`${server.url}?EIO=4&transport=polling`);
    expect(polled.headers.get('set-cookie')).toBe('connect.sid=s%3Aabc; Path=/; HttpOnly');
    expect(fired).toEqual(['upgrade', 'http']);
  });

  it('several cookies set by middlewares reach the 101 as one Set-Cookie line each', async () => {
    const server = await started();
    server.engine.use(cookieOnWriteHead('a=1; Path=/', []));
    server.engine.use(cookieOnWriteHead('b=2; Path=/; HttpOnly', []));
    const ws = new RawWebSocket(wsUrl(server, 'EIO=4&transport=websocket'));
    const upgradeHeaders = await new Promise<Record<string, unknown>>((resolve) =>
      ws.ws.once('upgrade', (res) => resolve(res.headers)),
    );
    // Node's client parser keeps Set-Cookie lines apart (an array), so two lines read as two entries
    // (in the order the writeHead hooks ran: the last one installed runs first).
    expect(upgradeHeaders['set-cookie']).toEqual(['b=2; Path=/; HttpOnly', 'a=1; Path=/']);
    expect(String(await ws.next())).toMatch(/^0\{"sid"/);
    ws.ws.close();
  });

  it('a middleware ending the response still refuses the upgrade; next(err) answers 400', async () => {
    const server = await started();
    const fired: string[] = [];
    server.engine.use(cookieOnWriteHead('connect.sid=x', fired));
    server.engine.use((req, res, next) => {
      if (req.url?.includes('deny=end') === true) {
        res.writeHead(401);
        res.end();
      } else if (req.url?.includes('deny=next') === true) next(new Error('denied'));
      else next();
    });
    await expect(RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket&deny=end'))).rejects.toThrow();
    await expect(RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket&deny=next'))).rejects.toThrow('HTTP 400');
    expect(server.engine.clientsCount).toBe(0);
    // The refusing middleware's own writeHead() ran the hook; no WebSocket was answered.
    expect(fired).toEqual(['upgrade']);
  });
});

describe('allowRequest', () => {
  it.each([
    { name: 'refused with a message', verdict: ['no entry', false] as const, status: 403, message: 'no entry' },
    { name: 'refused without a message', verdict: [null, false] as const, status: 403, message: 'Forbidden' },
    { name: 'allowed', verdict: [null, true] as const, status: 200, message: undefined },
  ])('$name', async ({ verdict, status, message }) => {
    const server = await started({ allowRequest: (_req, fn) => setImmediate(() => fn(verdict[0], verdict[1])) });
    const answer = await request(`${server.url}?EIO=4&transport=polling`);
    expect(answer.status).toBe(status);
    if (message !== undefined) expect(JSON.parse(answer.body)).toEqual({ code: 4, message });
  });

  it('refuses WebSocket handshakes with a raw 400', async () => {
    const server = await started({ allowRequest: (_req, fn) => fn('nope', false) });
    await expect(RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'))).rejects.toThrow('HTTP 400');
    expect(server.engine.clientsCount).toBe(0);
  });
});

describe('CORS', () => {
  it('sends no CORS headers unless configured', async () => {
    const server = await started();
    const answer = await request(`${server.url}?EIO=4&transport=polling`, { headers: { Origin: 'https://a.test' } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights with 204 and decorates responses for allowed origins', async () => {
    const server = await started({ cors: { origin: ['https://a.test'], credentials: true, methods: ['GET', 'POST'] } });
    const preflight = await request(`${server.url}?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://a.test', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://a.test');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = await request(`${server.url}?EIO=4&transport=polling`, { headers: { Origin: 'https://a.test' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://a.test');
    expect(allowed.headers.get('vary')).toContain('Origin');
    const other = await request(`${server.url}?EIO=4&transport=polling`, { headers: { Origin: 'https://b.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('cookie and header events', () => {
  it('sets io=sid on the handshake only, and lets the app add headers', async () => {
    const server = await started({ cookie: true });
    server.engine.on('initial_headers', (headers) => {
      headers['X-Initial'] = '1';
    });
    server.engine.on('headers', (headers) => {
      headers['X-Every'] = '1';
    });
    const first = await request(`${server.url}?EIO=4&transport=polling`);
    const sid = (JSON.parse(String(decode(first.body)[0]?.data)) as { sid: string }).sid;
    expect(first.headers.get('set-cookie')).toBe(`io=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    expect(first.headers.get('x-initial')).toBe('1');
    expect(first.headers.get('x-every')).toBe('1');
    const posted = await request(`${server.url}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4x' });
    expect(posted.headers.get('set-cookie')).toBeNull();
    expect(posted.headers.get('x-initial')).toBeNull();
    expect(posted.headers.get('x-every')).toBe('1');
  });

  it('serializes cookie options', () => {
    const options = resolveCookieOptions({ name: 'sb', path: '/x', secure: true, sameSite: 'none', maxAge: 60 });
    expect(options).not.toBe(false);
    if (options === false) return;
    expect(serializeCookie('a b', options)).toBe('sb=a%20b; Max-Age=60; Path=/x; HttpOnly; Secure; SameSite=None');
    expect(resolveCookieOptions(false)).toBe(false);
  });
});
