// Test-only in-memory WebSocket and fetch, for fake-timer unit tests of the engine Socket.
import type { WebSocketLike } from '../types.js';

export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((ev: unknown) => unknown) | null = null;
  onclose: ((ev: unknown) => unknown) | null = null;
  onerror: ((ev: unknown) => unknown) | null = null;
  onmessage: ((ev: unknown) => unknown) | null = null;
  readonly sent: unknown[] = [];
  readonly url: string;
  closed = false;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  /** Server side: the 101 arrived. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Server side: one frame. */
  deliver(data: string | ArrayBuffer): void {
    this.onmessage?.({ data });
  }

  /** Server side: the connection dropped. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

export function openPacket(sid: string, pingInterval = 25000, pingTimeout = 20000, upgrades: string[] = []): string {
  return `0${JSON.stringify({ sid, upgrades, pingInterval, pingTimeout, maxPayload: 1e6 })}`;
}

export interface FakePollingServer {
  readonly fetch: typeof fetch;
  readonly posts: string[];
  readonly gets: string[];
}

/** A polling endpoint: the first GET gets the open packet, later GETs hang until aborted; POST → ok. */
export function fakePollingServer(sid: string, pingInterval = 25000, pingTimeout = 20000, upgrades: string[] = []): FakePollingServer {
  const posts: string[] = [];
  const gets: string[] = [];
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    if (init?.method === 'POST') {
      posts.push(String(init.body));
      return new Response('ok');
    }
    gets.push(url);
    if (!url.includes('sid=')) return new Response(openPacket(sid, pingInterval, pingTimeout, upgrades));
    return new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
  };
  return { fetch: fetchFn, posts, gets };
}
