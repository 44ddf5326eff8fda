import { describe, expect, it, vi } from 'vitest';
import { Socket } from '../socket.js';
import { isEngineError } from '../errors.js';
import { openPacket } from '../test-support/fake-websocket.js';
import { scriptedPolling } from '../test-support/scripted-polling.js';
import { waitFor } from '../test-support/wait.js';

/** A polling endpoint that records POSTs and answers them when told. */
function server(maxPayload: number) {
  const posts: string[] = [];
  const pendingPosts: Array<() => void> = [];
  const urls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    urls.push(url);
    if (init?.method === 'POST') {
      posts.push(String(init.body));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => pendingPosts.push(resolve));
      inFlight--;
      return new Response('ok');
    }
    if (!url.includes('sid=')) {
      const open = openPacket('s1').replace('"maxPayload":1000000', `"maxPayload":${maxPayload}`);
      return new Response(open);
    }
    return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
  };
  const releasePost = async (): Promise<void> => {
    while (pendingPosts.length === 0) await new Promise((r) => setTimeout(r, 1));
    pendingPosts.shift()?.();
  };
  return { fetch: fetchFn, posts, urls, releasePost, maxInFlight: () => maxInFlight };
}

describe('polling transport', () => {
  it('batches same-tick sends into one POST, one POST in flight, split under maxPayload', async () => {
    const s = server(10);
    const socket = new Socket('http://example.test', { transports: ['polling'], fetch: s.fetch, fallbackMemory: false, withCredentials: true });
    await waitFor(socket, 'open');
    const written: number[] = [];
    socket.send('aaa', () => written.push(1));
    socket.send('bbb', () => written.push(2));
    socket.send('ccc', () => written.push(3)); // '4aaa\x1e4bbb' = 9 bytes; 'ccc' goes in a second payload
    await s.releasePost();
    socket.send('ddd', () => written.push(4)); // queued while a POST is in flight
    await s.releasePost();
    await s.releasePost();
    await waitFor(socket, 'drain');
    expect(s.posts).toEqual(['4aaa\x1e4bbb', '4ccc', '4ddd']);
    expect(s.maxInFlight()).toBe(1);
    expect(written).toEqual([1, 2, 3, 4]);
    const closing = socket.close();
    await s.releasePost();
    expect(closing.readyState).toBe('closed');
    expect(s.posts.at(-1)).toBe('1');
    // Cache busting: every request has a distinct t.
    const ts = s.urls.map((u) => new URL(u).searchParams.get('t'));
    expect(new Set(ts).size).toBe(ts.length);
  });

  it('an answer written while handling a GET goes out before the re-poll GET', async () => {
    const scripted = scriptedPolling('s1');
    const order: string[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      order.push(`${init?.method ?? 'GET'} ${init?.body === undefined ? '' : String(init.body)}`.trim());
      return scripted.fetch(input, init);
    };
    const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: fetchFn, fallbackMemory: false });
    socket.on('message', (data) => socket.send(`re:${String(data)}`));
    await waitFor(socket, 'open');
    await vi.waitFor(() => expect(scripted.gets).toHaveLength(1));
    order.length = 0;
    scripted.gets[0]?.respond('4ping');
    await vi.waitFor(() => expect(order).toHaveLength(2));
    expect(order).toEqual(['POST 4re:ping', 'GET']);
    socket.close();
  });

  it('reports HTTP errors with status and message, then closes with transport error', async () => {
    const fetchFn = async (): Promise<Response> =>
      new Response(JSON.stringify({ code: 1, message: 'Session ID unknown' }), { status: 400 });
    const socket = new Socket('http://example.test', { transports: ['polling'], fetch: fetchFn, fallbackMemory: false });
    const err = waitFor(socket, 'error');
    const reason = waitFor(socket, 'close');
    const e = await err;
    expect(isEngineError(e) && e.status).toBe(400);
    expect(isEngineError(e) && e.code).toBe('POLL_HTTP_STATUS');
    // engine.io-client's message, which apps match on.
    expect((e as Error).message).toBe('xhr poll error');
    // engine.io-client's fields: the status, and what its XHR showed.
    expect(e).toMatchObject({
      description: 400,
      context: { readyState: 4, status: 400, responseText: '{"code":1,"message":"Session ID unknown"}' },
    });
    expect(await reason).toBe('transport error');
  });

  it("an 'error' listener that throws is reported as uncaught and the socket still closes", async () => {
    const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
      init?.method === 'POST' ? new Response('', { status: 413 }) : String(input).includes('sid=') ? new Promise<Response>(() => {}) : new Response(openPacket('s1'));
    const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: fetchFn, fallbackMemory: false });
    await waitFor(socket, 'open');
    const errors: unknown[] = [];
    socket.on('error', (err) => {
      errors.push(err);
      throw new Error('assertion in a listener');
    });
    const closed = new Promise<unknown[]>((resolve) => socket.on('close', (...args) => resolve(args)));
    const thrown: unknown[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) =>
      realSetTimeout(() => {
        try {
          fn();
        } catch (err) {
          thrown.push(err);
        }
      }, ms)) as typeof setTimeout);
    try {
      socket.send('too big');
      const [reason, description] = await closed;
      expect(reason).toBe('transport error');
      expect(description).toMatchObject({ message: 'xhr post error', description: 413 });
      await vi.waitFor(() => expect(thrown).toHaveLength(1));
    } finally {
      spy.mockRestore();
    }
    expect(errors).toHaveLength(1);
    expect((thrown[0] as Error).message).toBe('assertion in a listener');
    expect(socket.readyState).toBe('closed');
  });

  it('a throwing message listener is reported as uncaught; the rest of the payload and the next GET go on', async () => {
    const scripted = scriptedPolling('s1');
    const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: scripted.fetch, fallbackMemory: false });
    const received: string[] = [];
    socket.on('message', (data) => {
      received.push(String(data));
      if (data === 'a') throw new Error('app bug');
    });
    await waitFor(socket, 'open');
    await vi.waitFor(() => expect(scripted.gets).toHaveLength(1));
    // Catch the asynchronous rethrow instead of letting it reach the test runner.
    const thrown: unknown[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) =>
      realSetTimeout(() => {
        try {
          fn();
        } catch (err) {
          thrown.push(err);
        }
      }, ms)) as typeof setTimeout);
    try {
      scripted.gets[0]?.respond('4a\x1e4b');
      await vi.waitFor(() => expect(scripted.gets).toHaveLength(2));
      await vi.waitFor(() => expect(thrown).toHaveLength(1));
    } finally {
      spy.mockRestore();
    }
    expect(received).toEqual(['a', 'b']);
    expect((thrown[0] as Error).message).toBe('app bug');
    expect(socket.readyState).toBe('open');
    socket.close();
  });

  it("a close packet from the server closes with 'transport close' and engine.io-client's details", async () => {
    const scripted = scriptedPolling('s1');
    const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: scripted.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    await vi.waitFor(() => expect(scripted.gets).toHaveLength(1));
    const closed = new Promise<unknown[]>((resolve) => socket.on('close', (...args) => resolve(args)));
    scripted.gets[0]?.respond('1');
    expect(await closed).toEqual(['transport close', { description: 'transport closed by the server' }]);
    expect(socket.readyState).toBe('closed');
  });

  it('a throwing error listener (a failed POST) is reported as uncaught, not as an unhandled rejection', async () => {
    const scripted = scriptedPolling('s1');
    const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: scripted.fetch, fallbackMemory: false });
    const errors: unknown[] = [];
    socket.on('error', (err) => {
      errors.push(err);
      throw new Error('app bug');
    });
    await waitFor(socket, 'open');
    const thrown: unknown[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) =>
      realSetTimeout(() => {
        try {
          fn();
        } catch (err) {
          thrown.push(err);
        }
      }, ms)) as typeof setTimeout);
    try {
      socket.send('too big');
      await vi.waitFor(() => expect(scripted.posts).toHaveLength(1));
      // engine.io's answer to a payload over maxHttpBufferSize.
      scripted.posts[0]?.respond('', 413);
      await vi.waitFor(() => expect(thrown).toHaveLength(1));
    } finally {
      spy.mockRestore();
    }
    expect((thrown[0] as Error).message).toBe('app bug');
    expect(isEngineError(errors[0]) && errors[0].status).toBe(413);
    socket.close();
  });

  it('transportOptions: the polling entry applies to polling requests, the websocket one does not', async () => {
    const headers: Array<Record<string, string>> = [];
    const fetchFn: typeof fetch = async (_input, init) => {
      headers.push({ ...(init?.headers as Record<string, string>) });
      return new Response(openPacket('s1'));
    };
    const socket = new Socket('http://example.test', {
      transports: ['polling'],
      fetch: fetchFn,
      fallbackMemory: false,
      extraHeaders: { 'x-both': '1', 'x-over': 'base' },
      transportOptions: { polling: { extraHeaders: { 'x-both': '1', 'x-over': 'polling' } }, websocket: { extraHeaders: { 'x-ws': '1' } } },
    });
    await waitFor(socket, 'open');
    expect(headers[0]).toMatchObject({ 'x-both': '1', 'x-over': 'polling' });
    expect(headers[0]).not.toHaveProperty('x-ws');
    socket.close();
  });
});
