// Raw-protocol helpers shared by the engine tests (not exported from the package entry).
import { createServer, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { decodePayload, isProtocolError, parseOpenPacketData } from '@switchback/protocol';
import type { EnginePacket, OpenPacketData } from '@switchback/protocol';
import { afterEach } from 'vitest';
import { EngineServer } from './server.js';
import type { EngineSocket } from './session.js';
import type { EngineServerOptions } from './server.js';

export interface TestServer {
  readonly engine: EngineServer;
  readonly http: HttpServer;
  readonly port: number;
  /** http://127.0.0.1:port/engine.io/ */
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(options: EngineServerOptions = {}, setup?: (http: HttpServer) => void): Promise<TestServer> {
  const http = createServer();
  setup?.(http);
  const engine = new EngineServer(options);
  engine.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    engine,
    http,
    port,
    url: `http://127.0.0.1:${port}${engine.opts.path}`,
    close: async () => {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export async function request(url: string, init?: RequestInit): Promise<HttpAnswer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

export function decode(body: string): EnginePacket[] {
  const packets = decodePayload(body);
  if (isProtocolError(packets)) throw packets;
  return packets;
}

export async function handshake(server: TestServer, query = 'EIO=4&transport=polling'): Promise<OpenPacketData> {
  const answer = await request(`${server.url}?${query}`);
  const [open] = decode(answer.body);
  if (open?.type !== 'open' || typeof open.data !== 'string') throw new Error(`no open packet: ${answer.body}`);
  const data = parseOpenPacketData(open.data);
  if (isProtocolError(data)) throw data;
  return data;
}

export function pollUrl(server: TestServer, sid: string): string {
  return `${server.url}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
}

export function poll(server: TestServer, sid: string): Promise<HttpAnswer> {
  return request(pollUrl(server, sid));
}

export function push(server: TestServer, sid: string, body: string): Promise<HttpAnswer> {
  return request(pollUrl(server, sid), { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
}

/** A raw ws client with an awaitable queue of received frames. */
export class RawWebSocket {
  readonly ws: WebSocket;
  readonly #frames: Array<string | Buffer> = [];
  readonly #waiters: Array<(frame: string | Buffer) => void> = [];
  readonly closed: Promise<{ code: number }>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: RawData, isBinary: boolean) => {
      const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const frame = isBinary ? buffer : buffer.toString('utf8');
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) waiter(frame);
      else this.#frames.push(frame);
    });
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => this.ws.once('close', (code: number) => resolve({ code })));
  }

  static async open(url: string): Promise<RawWebSocket> {
    const socket = new RawWebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.ws.once('open', () => resolve());
      socket.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.ws.once('error', reject);
    });
    return socket;
  }

  next(): Promise<string | Buffer> {
    const frame = this.#frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  send(frame: string | Buffer): void {
    this.ws.send(frame);
  }
}

export function wsUrl(server: TestServer, query: string): string {
  return `ws://127.0.0.1:${server.port}${server.engine.opts.path}?${query}`;
}

/** Resolves once `predicate` holds, checked after each turn of the event loop (for state no event reports). */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitUntil: condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The next request the http server sees (after the engine took it), with its response. */
export function nextServerRequest(server: TestServer): Promise<{ req: IncomingMessage; res: ServerResponse }> {
  return new Promise((resolve) => server.http.once('request', (req: IncomingMessage, res: ServerResponse) => resolve({ req, res })));
}

export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  /** Milliseconds from sending the request to the end of the answer. */
  readonly elapsed: number;
}

export interface RawGet {
  readonly request: ClientRequest;
  /** Rejects when the request is destroyed before an answer. */
  readonly answer: Promise<RawAnswer>;
}

/** A GET over node:http on its own connection (no agent), with any headers, that the test can destroy. */
export function rawGet(url: string, headers: IncomingHttpHeaders = {}): RawGet {
  const started = Date.now();
  const request = httpRequest(url, { agent: false, headers });
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), elapsed: Date.now() - started }),
      );
    });
  });
  // A test that destroys the request on purpose may never await the answer.
  answer.catch(() => {});
  request.end();
  return { request, answer };
}

/**
 * Per test of the calling file: servers from `started` are closed, and cleanups given to `defer` run,
 * in the order they were registered, after each test (also when it failed).
 */
export function useTestServers(): {
  started: (...args: Parameters<typeof startServer>) => Promise<TestServer>;
  defer: (cleanup: () => Promise<void>) => void;
  /** Listens on 127.0.0.1 (unless already listening) and closes the engine and `http` afterwards. */
  serve: (engine: EngineServer, http: HttpServer) => Promise<number>;
} {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return {
    started: async (...args) => {
      const server = await startServer(...args);
      cleanups.push(() => server.close());
      return server;
    },
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
    serve: async (engine, http) => {
      if (!http.listening) await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => {
        engine.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      });
      return (http.address() as AddressInfo).port;
    },
  };
}

/** The next session the server opens. */
export function nextConnection(server: TestServer): Promise<EngineSocket> {
  return new Promise((resolve) => server.engine.once('connection', resolve));
}
