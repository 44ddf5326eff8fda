import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { platformHttpRequest } from './http-request.node.js';
import type { HttpRequestInit } from './http-request.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;

async function listen(handler: Handler): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const http = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  http.on('connection', () => (connections += 1));
  server = http;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/engine.io/`, connections: () => connections };
}

afterEach(async () => {
  const http = server;
  server = undefined;
  if (http === undefined) return;
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

function init(overrides: Partial<HttpRequestInit> = {}): HttpRequestInit {
  return { method: 'GET', headers: {}, opts: {}, ...overrides };
}

describe('platformHttpRequest (node:http)', () => {
  it('sends method, query, headers and body, and returns status and text', async () => {
    const seen: { method?: string; url?: string; type?: string; extra?: string; body?: string } = {};
    const { url } = await listen((req, res, body) => {
      Object.assign(seen, { method: req.method, url: req.url, type: req.headers['content-type'], extra: req.headers['x-extra'], body });
      res.end('ok');
    });
    const result = await platformHttpRequest(`${url}?EIO=4&transport=polling`, init({
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'X-Extra': 'yes' },
      body: '4héllo',
    })).response;
    expect(result).toEqual({ status: 200, text: 'ok' });
    expect(seen).toEqual({ method: 'POST', url: '/engine.io/?EIO=4&transport=polling', type: 'text/plain;charset=UTF-8', extra: 'yes', body: '4héllo' });
  });

  it('returns an error status with its body instead of rejecting', async () => {
    const { url } = await listen((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end('{"code":1,"message":"Session ID unknown"}');
    });
    await expect(platformHttpRequest(url, init()).response).resolves.toEqual({ status: 400, text: '{"code":1,"message":"Session ID unknown"}' });
  });

  it('reuses one keep-alive connection for requests one after another', async () => {
    const { url, connections } = await listen((_req, res) => res.end('x'));
    for (let i = 0; i < 5; i += 1) await platformHttpRequest(url, init()).response;
    expect(connections()).toBe(1);
  });

  it('answers a POST while a GET is held: they do not queue on one connection', async () => {
    let releaseGet: (() => void) | undefined;
    let getArrived: (() => void) | undefined;
    const getHeld = new Promise<void>((resolve) => (getArrived = resolve));
    const { url, connections } = await listen((req, res) => {
      if (req.method !== 'GET') {
        res.end('ok');
        return;
      }
      releaseGet = () => res.end('held');
      getArrived?.();
    });
    // Warm a connection first, so that a client queueing requests would put both on it.
    await platformHttpRequest(url, init({ method: 'POST', body: '1' })).response;
    const get = platformHttpRequest(url, init()).response;
    await getHeld;
    await expect(platformHttpRequest(url, init({ method: 'POST', body: '2' })).response).resolves.toEqual({ status: 200, text: 'ok' });
    releaseGet?.();
    await expect(get).resolves.toEqual({ status: 200, text: 'held' });
    expect(connections()).toBe(2);
  });

  it('does not reuse the connection of an error answer (a server may drop it right after, as engine.io does on 413)', async () => {
    let first = true;
    const { url, connections } = await listen((req, res) => {
      if (!first) {
        res.end('ok');
        return;
      }
      first = false;
      res.writeHead(413).end();
      req.destroy();
    });
    await expect(platformHttpRequest(url, init({ method: 'POST', body: 'big' })).response).resolves.toEqual({ status: 413, text: '' });
    await expect(platformHttpRequest(url, init({ method: 'POST', body: '1' })).response).resolves.toEqual({ status: 200, text: 'ok' });
    expect(connections()).toBe(2);
  });

  it('rejects when aborted while the request is held', async () => {
    let arrived: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    const { url } = await listen(() => arrived?.());
    const pending = platformHttpRequest(url, init());
    await held;
    pending.abort();
    await expect(pending.response).rejects.toThrow();
  });

  it('requests to two servers in turn each reach their own, with their own path and query', async () => {
    const { url } = await listen((req, res) => res.end(`a ${req.url ?? ''}`));
    const other = createServer((req, res) => res.end(`b ${req.url ?? ''}`));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as AddressInfo;
      const otherUrl = `http://127.0.0.1:${port}/other/`;
      const texts: string[] = [];
      for (const target of [url, otherUrl, otherUrl, url]) {
        texts.push((await platformHttpRequest(`${target}?n=${texts.length}`, init()).response).text);
      }
      expect(texts).toEqual(['a /engine.io/?n=0', 'b /other/?n=1', 'b /other/?n=2', 'a /engine.io/?n=3']);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('rejects (does not throw) when node:http refuses the request, e.g. a bad header value', async () => {
    const { url } = await listen((_req, res) => res.end('x'));
    const pending = platformHttpRequest(url, init({ headers: { 'X-Bad': 'a\nb' } }));
    await expect(pending.response).rejects.toThrow();
  });

  it('rejects when the server resets the connection', async () => {
    const { url } = await listen((req) => req.socket.destroy());
    await expect(platformHttpRequest(url, init()).response).rejects.toThrow();
  });

  it('withCredentials: keeps the cookies the server sets and sends them back; without it, none', async () => {
    const seen: Array<string | undefined> = [];
    const { url } = await listen((req, res) => {
      seen.push(req.headers.cookie);
      const cookies = seen.length === 1 ? ['lb=node-2; Path=/; HttpOnly', 'io=abc'] : seen.length === 2 ? ['io=; Max-Age=0'] : [];
      res.writeHead(200, { 'Set-Cookie': cookies }).end('ok');
    });
    const opts = { withCredentials: true };
    for (let i = 0; i < 3; i += 1) await platformHttpRequest(url, init({ opts })).response;
    expect(seen).toEqual([undefined, 'lb=node-2; io=abc', 'lb=node-2']);
    seen.length = 0;
    await platformHttpRequest(url, init({ opts: {} })).response;
    await platformHttpRequest(url, init({ opts: {} })).response;
    expect(seen).toEqual([undefined, undefined]);
  });
});
