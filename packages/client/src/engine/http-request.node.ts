/// <reference types="node" />
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { fetchRequest } from './http-request.js';
import type { HttpRequest, HttpRequestInit, HttpResponseText } from './http-request.js';

/**
 * Node build: long polling over node:http with a keep-alive agent rather than fetch. Node's fetch
 * (undici) costs several times the CPU per request, and with dozens of sessions in one process that
 * cost, not the network, sets the round-trip time. Free sockets are closed after 4 s, before the
 * usual 5 s server keep-alive timeout, so a request is not written to a socket the server is closing.
 */
const AGENT_OPTIONS = { keepAlive: true, scheduling: 'lifo', timeout: 4000 } as const;
let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

function isAgent(value: unknown): value is HttpAgent {
  return value instanceof HttpAgent;
}

function agentFor(secure: boolean, userAgent: unknown): HttpAgent {
  if (isAgent(userAgent)) return userAgent;
  if (secure) return (httpsAgent ??= new HttpsAgent(AGENT_OPTIONS));
  return (httpAgent ??= new HttpAgent(AGENT_OPTIONS));
}

function isDispatcher(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'dispatch') === 'function';
}

/**
 * Node build: node:http with a keep-alive agent, unless the user asked for fetch (the `fetch` option, or
 * an undici dispatcher as `agent`, which Node's fetch takes as `dispatcher`).
 */
export const platformHttpRequest: HttpRequest = (url: string, init: HttpRequestInit): Promise<HttpResponseText> => {
  if (isDispatcher(init.agent)) return fetchRequest(url, init, { dispatcher: init.agent });
  if (init.fetch !== undefined) return fetchRequest(url, init);
  return nodeRequest(url, init);
};

const nodeRequest = (url: string, init: HttpRequestInit): Promise<HttpResponseText> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
    const options: RequestOptions = {
      method: init.method,
      headers,
      agent: agentFor(secure, init.agent),
      signal: init.signal,
    };
    const req: ClientRequest = secure ? httpsRequest(target, options) : httpRequest(target, options);
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      // A server answering an error may drop the connection right after (the reference engine.io does
      // on 413): back in the pool, the socket would fail the next request of another session.
      if (status < 200 || status > 299) req.shouldKeepAlive = false;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status, text }));
      // An abort or a reset while the body streams in.
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('polling response aborted')));
    });
    req.on('error', reject);
    if (init.unref) req.on('socket', (socket) => socket.unref());
    req.end(init.body);
  });
