// Raw Socket.IO speakers over polling and WebSocket for the conformance suite (no client library).
import { afterEach } from 'vitest';
import {
  ENGINE_PATH,
  IO_PATH,
  Polling,
  rawWebSocket,
  type EngineLike,
  type EngineOptions,
  type IoLike,
  type NamespaceLike,
  type OpenPacket,
  type RawWebSocket,
  type Running,
  type SocketLike,
  type Target,
} from './support.js';

const SEP = '\x1e';

/** A polling session that hands out Engine.IO packets one at a time (a GET may carry several). */
export class PollingSession {
  readonly #queue: string[] = [];
  private constructor(
    readonly http: Polling,
    readonly sid: string,
  ) {}

  static async open(base: string): Promise<PollingSession> {
    const http = new Polling(base, IO_PATH);
    const open = await http.open();
    return new PollingSession(http, open.sid);
  }

  /** The next packet from the server, issuing a GET when none is queued. */
  async next(): Promise<string> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return queued;
    const res = await this.http.poll(this.sid);
    if (res.status !== 200) throw new Error(`GET failed: ${res.status} ${res.body}`);
    this.#queue.push(...res.body.split(SEP));
    return this.#queue.shift() ?? '';
  }

  /** Starts a GET without waiting; packets go to the queue of `next()`. */
  pollLater(): Promise<{ status: number; body: string }> {
    return this.http.poll(this.sid).then((res) => {
      if (res.status === 200) this.#queue.push(...res.body.split(SEP));
      return { status: res.status, body: res.body };
    });
  }

  async send(...packets: string[]): Promise<void> {
    const res = await this.http.push(this.sid, packets.join(SEP));
    if (res.body !== 'ok') throw new Error(`POST failed: ${res.status} ${res.body}`);
  }
}

/** A WebSocket session past its open packet. */
export async function wsSession(base: string): Promise<{ ws: RawWebSocket; open: OpenPacket }> {
  const ws = await rawWebSocket(base, IO_PATH);
  const first = await ws.next();
  if (typeof first !== 'string' || first[0] !== '0') throw new Error(`no open packet: ${String(first)}`);
  return { ws, open: JSON.parse(first.slice(1)) as OpenPacket };
}

/** Parses `40{"sid":"..."}` (optionally with a namespace) and returns the sid. */
export function connectSid(packet: string, nsp = '/'): string {
  const prefix = nsp === '/' ? '40' : `40${nsp},`;
  if (!packet.startsWith(prefix)) throw new Error(`not a CONNECT for ${nsp}: ${packet}`);
  const data = JSON.parse(packet.slice(prefix.length)) as { sid?: unknown };
  if (typeof data.sid !== 'string') throw new Error(`CONNECT without sid: ${packet}`);
  return data.sid;
}

export const placeholder = (num: number): { _placeholder: true; num: number } => ({ _placeholder: true, num });

export const bin = (value: unknown): number[] => {
  if (!Buffer.isBuffer(value)) throw new Error(`expected a Buffer, got ${typeof value}`);
  return [...value];
};

/** Starts an Engine.IO server of `target` per test and closes it after each (call inside describe). */
export function useEngine(target: Target): (opts?: EngineOptions) => Promise<{ engine: EngineLike; http: Polling; url: string }> {
  let running: Running<EngineLike> | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  return async (opts) => {
    running = await target.engine(opts);
    return { engine: running.server, http: new Polling(running.url, ENGINE_PATH), url: running.url };
  };
}

/** Starts a Socket.IO server of `target` per test and closes it after each (call inside describe). */
export function useIo(target: Target): (opts?: EngineOptions) => Promise<{ io: IoLike; url: string }> {
  let running: Running<IoLike> | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  return async (opts) => {
    running = await target.io(opts);
    return { io: running.server, url: running.url };
  };
}

/** Resolves with the next socket connecting to `nsp`. */
export function nextSocket(nsp: NamespaceLike): Promise<SocketLike> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection event')), 5_000);
    nsp.on('connection', (s: SocketLike) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}
