// Test-only polling endpoint whose long-poll GETs and POSTs are answered one by one by the test.
import { openPacket } from './fake-websocket.js';

export interface HeldRequest {
  readonly url: string;
  readonly body: string | undefined;
  /** Answer with a status and body (HTTP 200 by default). */
  respond(body: string, status?: number): void;
  /** The network failed (fetch rejects). */
  fail(err?: Error): void;
}

export interface ScriptedPolling {
  readonly fetch: typeof fetch;
  /** Long-poll GETs (with a sid), in order; the handshake GET is answered at once. */
  readonly gets: HeldRequest[];
  readonly posts: HeldRequest[];
  /** The handshake answer; replace to make the handshake fail. */
  handshake: () => Response;
}

export function scriptedPolling(sid: string, pingInterval = 25000, pingTimeout = 20000, upgrades: string[] = []): ScriptedPolling {
  const gets: HeldRequest[] = [];
  const posts: HeldRequest[] = [];
  const server: ScriptedPolling = {
    gets,
    posts,
    handshake: () => new Response(openPacket(sid, pingInterval, pingTimeout, upgrades)),
    fetch: async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = String(input);
      const method = init?.method ?? 'GET';
      if (method === 'GET' && !url.includes('sid=')) return server.handshake();
      return new Promise<Response>((resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        const held: HeldRequest = {
          url,
          body: typeof init?.body === 'string' ? init.body : undefined,
          respond: (body, status = 200) => resolve(new Response(body, { status })),
          fail: (err = new TypeError('fetch failed')) => reject(err),
        };
        (method === 'POST' ? posts : gets).push(held);
      });
    },
  };
  return server;
}
