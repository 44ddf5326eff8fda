// Black-box conformance support: the two targets (reference engine.io/socket.io, Switchback) behind
// one small factory, plus raw Engine.IO speakers (fetch, node:http, bare `ws`). No client library.
// The raw speakers are adapted from test/helpers/raw.ts (not edited there), with a configurable path.
import { createServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawWebSocket as sharedRawWebSocket, type RawWebSocket } from '../helpers/raw.js';

// ---------------------------------------------------------------------------------------------
// Structural views of what the tests use; both implementations satisfy them.

type Listener = (...args: never[]) => void;

export interface EngineSocketLike {
  readonly id: string;
  readonly transport: { readonly name: string; readonly writable: boolean };
  send(data: string | Buffer): unknown;
  close(): unknown;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
}

export interface EngineLike {
  readonly clientsCount: number;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  close(): unknown;
}

export interface SocketLike {
  readonly id: string;
  readonly handshake: { readonly auth: unknown };
  readonly conn: EngineSocketLike;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(close?: boolean): unknown;
  join(room: string): unknown;
}

export interface NamespaceLike {
  on(event: string, listener: Listener): unknown;
  use(fn: (socket: SocketLike, next: (err?: Error) => void) => void): unknown;
}

export interface IoLike extends NamespaceLike {
  readonly engine: EngineLike;
  of(name: string | RegExp): NamespaceLike;
  emit(event: string, ...args: unknown[]): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
  close(fn?: (err?: Error) => void): unknown;
}

export interface EngineOptions {
  pingInterval?: number;
  pingTimeout?: number;
  maxHttpBufferSize?: number;
  upgradeTimeout?: number;
  /** Socket.IO only: how long a session may stay without a namespace. */
  connectTimeout?: number;
  cors?: { origin: string; credentials?: boolean };
}

export interface Running<T> extends AsyncDisposable {
  readonly server: T;
  readonly url: string;
  close(): Promise<void>;
}

export interface Target {
  readonly name: string;
  /** An Engine.IO server attached to a fresh http.Server, under ENGINE_PATH. */
  engine(opts?: EngineOptions): Promise<Running<EngineLike>>;
  /** A Socket.IO server (`new Server(httpServer, opts)`), under '/socket.io/'. */
  io(opts?: EngineOptions): Promise<Running<IoLike>>;
}

export const ENGINE_PATH = '/engine.io/';
export const IO_PATH = '/socket.io/';

type AttachFn = (http: HttpServer, opts: Record<string, unknown>) => unknown;
type IoCtor = new (http: HttpServer, opts: Record<string, unknown>) => unknown;

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function startEngine(attach: AttachFn, opts: EngineOptions): Promise<Running<EngineLike>> {
  const http = createServer();
  const engine = attach(http, { path: ENGINE_PATH, ...opts }) as EngineLike;
  const url = await listen(http);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    engine.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return { server: engine, url, close, [Symbol.asyncDispose]: close };
}

async function startIo(ctor: IoCtor, opts: EngineOptions): Promise<Running<IoLike>> {
  const http = createServer();
  const io = new ctor(http, { ...opts }) as IoLike;
  const url = await listen(http);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
      http.closeAllConnections();
    });
    if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return { server: io, url, close, [Symbol.asyncDispose]: close };
}

// Imported lazily so that a target that does not load fails only its own cases.
export const reference: Target = {
  name: 'reference (engine.io 6.6 / socket.io 4.8)',
  async engine(opts = {}) {
    const mod = await import('engine.io');
    return startEngine(mod.attach as unknown as AttachFn, opts);
  },
  async io(opts = {}) {
    const mod = await import('socket.io');
    return startIo(mod.Server as unknown as IoCtor, opts);
  },
};

export const switchback: Target = {
  name: 'switchback',
  async engine(opts = {}) {
    const mod = await import('@switchback/server/engine');
    return startEngine(mod.attach as unknown as AttachFn, opts);
  },
  async io(opts = {}) {
    const mod = await import('@switchback/server');
    return startIo(mod.Server as unknown as IoCtor, opts);
  },
};

/** CONFORMANCE_TARGET=reference|switchback narrows the run; default both. */
export function selectedTargets(): Target[] {
  const only = process.env['CONFORMANCE_TARGET'];
  const all = [reference, switchback];
  return only ? all.filter((t) => t.name.startsWith(only)) : all;
}

// ---------------------------------------------------------------------------------------------
// Waiting

export function waitFor<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: Listener): unknown },
  event: string,
  ms = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for '${event}'`)), ms);
    const listener = (...args: never[]): void => {
      clearTimeout(timer);
      resolve(args as unknown as T);
    };
    emitter.once(event, listener);
  });
}

export async function until(predicate: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with the next engine connection. */
export function nextEngineSocket(engine: EngineLike): Promise<EngineSocketLike> {
  return waitFor<[EngineSocketLike]>(engine, 'connection').then(([socket]) => socket);
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP

export interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

export async function request(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export function eioUrl(base: string, path: string, query: Record<string, string> = {}): string {
  const params = new URLSearchParams({ EIO: '4', transport: 'polling', ...query });
  return `${base}${path}?${params.toString()}`;
}

export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** A polling Engine.IO speaker bound to one endpoint. */
export class Polling {
  constructor(
    readonly base: string,
    readonly path: string,
  ) {}

  url(query: Record<string, string> = {}): string {
    return eioUrl(this.base, this.path, query);
  }

  async open(): Promise<OpenPacket> {
    const res = await request(this.url());
    if (res.status !== 200 || !res.body.startsWith('0')) throw new Error(`handshake failed: ${res.status} ${res.body}`);
    return JSON.parse(res.body.slice(1)) as OpenPacket;
  }

  poll(sid: string, init: RequestInit = {}): Promise<RawResponse> {
    return request(this.url({ sid }), init);
  }

  push(sid: string, body: string): Promise<RawResponse> {
    return request(this.url({ sid }), {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
  }
}

/** A POST through node:http whose body is written in one go; resolves with the status even when the
 *  server destroys the request right after answering (as engine.io does for 413). */
export function rawPost(url: string, body: string): Promise<{ status: number | 'reset' }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', () => resolve({ status: 'reset' }));
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Raw WebSocket

export type { RawWebSocket };

/** The repository's bare WebSocket speaker, with the endpoint path first as this suite calls it. */
export function rawWebSocket(base: string, path: string, query: Record<string, string> = {}): Promise<RawWebSocket> {
  return sharedRawWebSocket(base, query, path);
}

/** Rejects if `promise` does not settle within `ms` (a named failure instead of a test timeout). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
