/// <reference types="node" />
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { fetchRequest } from './http-request.js';
import { tlsOptionsOf } from './tls-options.js';
import type { HttpRequest, HttpRequestInit, HttpResponseText, PendingHttpRequest } from './http-request.js';

/**
 * Node build: long polling over node:http with a keep-alive agent rather than fetch. Node's fetch
 * (undici) costs several times the CPU per request, and with dozens of sessions in one process that
 * cost, not the network, sets the round-trip time. Free sockets are closed after 4 s, before the
 * usual 5 s server keep-alive timeout, so a request is not written to a socket the server is closing.
 */
const AGENT_OPTIONS = { keepAlive: true, scheduling: 'lifo', timeout: 4000 } as const;
let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

/** What node:http takes as an agent: anything with addRequest (e.g. the `tunnel` package's, not http.Agents). */
function isAgent(value: unknown): value is HttpAgent {
  return value instanceof HttpAgent || (typeof value === 'object' && value !== null && typeof Reflect.get(value, 'addRequest') === 'function');
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
export const platformHttpRequest: HttpRequest = (url: string, init: HttpRequestInit): PendingHttpRequest => {
  if (isDispatcher(init.opts.agent)) return fetchRequest(url, init, { dispatcher: init.opts.agent });
  if (init.opts.fetch !== undefined) return fetchRequest(url, init);
  return nodeRequest(url, init);
};

/**
 * Request options of the last base URL (everything before `?`), parsed once: a session's requests all
 * share one, and so do the sessions of one server.
 */
interface BaseTarget {
  readonly secure: boolean;
  readonly protocol: string;
  readonly hostname: string | undefined;
  readonly port: string | number | undefined;
  readonly auth: string | undefined;
  readonly pathname: string;
}
let lastBase: string | undefined;
let lastTarget: BaseTarget | undefined;

function baseTarget(base: string): BaseTarget {
  if (base !== lastBase || lastTarget === undefined) {
    const target = new URL(base);
    // urlToHttpOptions unbrackets IPv6 hosts and decodes user:password as node:http expects them.
    const { hostname, port, auth } = urlToHttpOptions(target);
    lastTarget = {
      secure: target.protocol === 'https:',
      protocol: target.protocol,
      hostname: hostname ?? undefined,
      port: port ?? undefined,
      auth: auth ?? undefined,
      pathname: target.pathname,
    };
    lastBase = base;
  }
  return lastTarget;
}

/**
 * One request over node:http. Cancelled with `req.destroy()` rather than an AbortSignal (an
 * AbortController and its listeners per request are a measurable share of a polling round trip).
 */
function nodeRequest(url: string, init: HttpRequestInit): PendingHttpRequest {
  try {
    return startNodeRequest(url, init);
  } catch (err) {
    // A bad URL or header value throws here; the transport reports it like any failed request.
    return { response: Promise.reject(err instanceof Error ? err : new Error(String(err))), abort: () => {} };
  }
}

function startNodeRequest(url: string, init: HttpRequestInit): PendingHttpRequest {
  const queryAt = url.indexOf('?');
  const target = baseTarget(queryAt === -1 ? url : url.slice(0, queryAt));
  // Only the fields node:http reads: the agent copies this object once more per request.
  const options: RequestOptions = {
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    path: queryAt === -1 ? target.pathname : `${target.pathname}${url.slice(queryAt)}`,
    method: init.method,
    headers: init.body === undefined ? init.headers : { ...init.headers, 'Content-Length': Buffer.byteLength(init.body) },
    agent: agentFor(target.secure, init.opts.agent),
  };
  if (target.auth !== undefined) options.auth = target.auth;
  // The agent keys its pool by these too, so sockets with other TLS settings are not shared.
  if (target.secure) Object.assign(options, tlsOptionsOf(init.opts));
  const jar = jarOf(init.opts);
  if (jar !== undefined && jar.size > 0) options.headers = { ...options.headers, Cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') };
  const req: ClientRequest = target.secure ? httpsRequest(options) : httpRequest(options);
  const response = new Promise<HttpResponseText>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (jar !== undefined) for (const line of res.headers['set-cookie'] ?? []) storeCookie(jar, line);
      // A server answering an error may drop the connection right after (the reference engine.io does
      // on 413): back in the pool, the socket would fail the next request of another session.
      if (status < 200 || status > 299) req.shouldKeepAlive = false;
      // Bytes kept as they come and decoded once: a polling answer is nearly always one chunk.
      let first: Buffer | undefined;
      let chunks: Buffer[] | undefined;
      res.on('data', (chunk: Buffer) => {
        if (first === undefined) first = chunk;
        else (chunks ??= [first]).push(chunk);
      });
      res.on('end', () => {
        const text = chunks !== undefined ? Buffer.concat(chunks).toString('utf8') : (first?.toString('utf8') ?? '');
        resolve({ status, text });
      });
      // An abort or a reset while the body streams in.
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('polling response aborted')));
    });
    req.on('error', reject);
  });
  if (init.opts.autoUnref === true) req.on('socket', (socket) => socket.unref());
  req.end(init.body);
  return { response, abort: () => req.destroy(new Error('polling request aborted')) };
}

/**
 * With `withCredentials`, cookies the server sets (a load balancer's stickiness cookie, the `io` cookie)
 * are sent back on the next requests, as a browser would: one jar per options object, i.e. per Socket
 * or Manager, kept across reconnects. Domain and path are not checked (a jar serves one server); a
 * cookie is dropped when it is set again already expired.
 */
const jars = new WeakMap<object, Map<string, string>>();

function jarOf(opts: HttpRequestInit['opts']): Map<string, string> | undefined {
  if (opts.withCredentials !== true) return undefined;
  let jar = jars.get(opts);
  if (jar === undefined) jars.set(opts, (jar = new Map()));
  return jar;
}

function storeCookie(jar: Map<string, string>, line: string): void {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return;
  const name = pair.slice(0, eq).trim();
  let expired = false;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = attribute.slice(0, at === -1 ? undefined : at).trim().toLowerCase();
    const value = at === -1 ? '' : attribute.slice(at + 1).trim();
    if ((key === 'max-age' && Number(value) <= 0) || (key === 'expires' && Date.parse(value) <= Date.now())) expired = true;
  }
  if (expired) jar.delete(name);
  else jar.set(name, pair.slice(eq + 1).trim());
}
