// Raw Engine.IO speakers for black-box tests: plain fetch and a bare `ws` client, no Switchback client.
import { WebSocket } from 'ws';

export interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

export async function request(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export function eioUrl(base: string, query: Record<string, string> = {}, path = '/socket.io/'): string {
  const params = new URLSearchParams({ EIO: '4', transport: 'polling', ...query });
  return `${base}${path}?${params.toString()}`;
}

export interface Handshake {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** Opens an Engine.IO session over polling and returns its open packet. */
export async function handshake(base: string): Promise<Handshake> {
  const res = await request(eioUrl(base));
  if (res.status !== 200 || !res.body.startsWith('0')) {
    throw new Error(`handshake failed: ${res.status} ${res.body}`);
  }
  return JSON.parse(res.body.slice(1)) as Handshake;
}

export function poll(base: string, sid: string): Promise<RawResponse> {
  return request(eioUrl(base, { sid }));
}

export function push(base: string, sid: string, body: string): Promise<RawResponse> {
  return request(eioUrl(base, { sid }), { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
}

/** Opens a session over polling and connects the main Socket.IO namespace. */
export async function socketIoSession(base: string): Promise<string> {
  const { sid } = await handshake(base);
  const ok = await push(base, sid, '40');
  if (ok.body !== 'ok') throw new Error(`CONNECT push failed: ${ok.status} ${ok.body}`);
  const reply = await poll(base, sid);
  if (!reply.body.startsWith('40{')) throw new Error(`no CONNECT reply: ${reply.body}`);
  return sid;
}

export interface RawWebSocket {
  readonly ws: WebSocket;
  readonly frames: Array<string | Buffer>;
  next(ms?: number): Promise<string | Buffer>;
  /** Resolves with the close code once the connection is closed. */
  readonly closed: Promise<number>;
  send(data: string | Buffer): void;
}

/** A bare WebSocket to the Engine.IO endpoint; frames are queued for `next()`. */
export async function rawWebSocket(
  base: string,
  query: Record<string, string> = {},
  path = '/socket.io/',
): Promise<RawWebSocket> {
  const params = new URLSearchParams({ EIO: '4', transport: 'websocket', ...query });
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}?${params.toString()}`);
  const frames: Array<string | Buffer> = [];
  const waiters: Array<(frame: string | Buffer) => void> = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const frame = isBinary ? data : data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
    else frames.push(frame);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err: Error) => reject(err));
  });
  ws.on('error', () => undefined);
  return {
    ws,
    frames,
    closed,
    send(data) {
      ws.send(data);
    },
    next(ms = 5_000) {
      const queued = frames.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no WebSocket frame in time')), ms);
        waiters.push((frame) => {
          clearTimeout(timer);
          resolve(frame);
        });
      });
    },
  };
}
