import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Socket } from './socket.js';
import { isEngineError } from './errors.js';
import { InMemoryFallbackMemory } from './fallback-memory.js';
import { FakeWebSocket, fakePollingServer, openPacket } from './test-support/fake-websocket.js';
import type { SocketOptions } from './types.js';

// Which transport is tried first, and whether polling falls back or upgrades (socket.io-client's
// `transports` semantics), observed from outside: WebSockets constructed and polling requests made.

const URL_ = 'http://example.test';
const KEY = 'http://example.test/engine.io/';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.instances = [];
});
afterEach(() => {
  vi.useRealTimers();
});

/** Opens with the given options against a polling server that offers the upgrade. */
async function open(opts: SocketOptions): Promise<{ socket: Socket; gets: string[] }> {
  const polling = fakePollingServer('p1', 25000, 20000, ['websocket']);
  const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false, ...opts });
  await vi.advanceTimersByTimeAsync(0);
  return { socket, gets: polling.gets };
}

describe('connection plan', () => {
  it("['polling', 'websocket'] with upgrade: false stays on polling: no probe WebSocket", async () => {
    const { socket } = await open({ transports: ['polling', 'websocket'], upgrade: false });
    expect(socket.readyState).toBe('open');
    expect(socket.transport.name).toBe('polling');
    expect(FakeWebSocket.instances).toHaveLength(0);
    socket.close();
  });

  it("['polling', 'websocket'] probes the upgrade once open", async () => {
    const { socket } = await open({ transports: ['polling', 'websocket'] });
    expect(socket.transport.name).toBe('polling');
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.instances[0]?.url).toContain('sid=p1');
    socket.close();
  });

  it('without a WebSocket constructor the default transports use polling and never probe', async () => {
    const { socket, gets } = await open({ WebSocket: null });
    expect(socket.transport.name).toBe('polling');
    expect(socket.readyState).toBe('open');
    expect(gets.length).toBeGreaterThan(0);
    expect(FakeWebSocket.instances).toHaveLength(0);
    socket.close();
  });

  it("a forced ['websocket'] ignores a remembered fallback", async () => {
    const memory = new InMemoryFallbackMemory();
    memory.set(KEY, 'polling', 60_000);
    const { socket, gets } = await open({ transports: ['websocket'], fallbackMemory: memory });
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(socket.transport.name).toBe('websocket');
    expect(gets).toHaveLength(0);
    socket.close();
  });

  it('a remembered fallback starts on polling and probes the upgrade', async () => {
    const memory = new InMemoryFallbackMemory();
    memory.set(KEY, 'polling', 60_000);
    const { socket, gets } = await open({ fallbackMemory: memory });
    expect(gets[0]).toContain('transport=polling');
    expect(socket.transport.name).toBe('polling');
    expect(FakeWebSocket.instances).toHaveLength(1); // the background probe
    socket.close();
  });

  it("an empty transports list is engine.io-client's string error, then a close, heard after new Socket() returned", async () => {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, transports: [], fallbackMemory: false });
    const errors: unknown[] = [];
    const closes: string[] = [];
    socket.on('error', (err) => errors.push(err));
    socket.on('close', (reason) => closes.push(reason));
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    // engine.io-client emits these words as a bare string (its own test compares with ===).
    expect(errors).toEqual(['No transports available']);
    expect(closes).toEqual(['transport error']);
    expect(socket.readyState).toBe('closed');
  });

  it('an empty transports list is reported on a timer (0 ms), so a synchronous fake-clock tick delivers it', () => {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, transports: [], fallbackMemory: false });
    const errors: unknown[] = [];
    socket.on('error', (err) => errors.push(err));
    vi.advanceTimersByTime(1);
    expect(errors).toEqual(['No transports available']);
    expect(socket.readyState).toBe('closed');
  });

  it('transportOptions: a per-transport query goes into that transport\'s URLs only, over the shared query', async () => {
    const polling = fakePollingServer('p1', 25000, 20000, ['websocket']);
    const socket = new Socket(URL_, {
      WebSocket: FakeWebSocket,
      fetch: polling.fetch,
      fallbackMemory: false,
      transports: ['polling', 'websocket'],
      query: { shared: '1', over: 'base' },
      transportOptions: { polling: { query: { over: 'polling' } }, websocket: { query: { ws: 'yes' } } },
    });
    await vi.advanceTimersByTimeAsync(0);
    const getQuery = new URL(polling.gets[0] ?? '').searchParams;
    expect([getQuery.get('shared'), getQuery.get('over'), getQuery.get('ws'), getQuery.get('EIO')]).toEqual(['1', 'polling', null, '4']);
    // The upgrade probe.
    const wsQuery = new URL(FakeWebSocket.instances[0]?.url ?? '').searchParams;
    expect([wsQuery.get('shared'), wsQuery.get('over'), wsQuery.get('ws'), wsQuery.get('sid')]).toEqual(['1', 'base', 'yes', 'p1']);
    socket.close();
  });
});

describe('tryAllTransports', () => {
  /** A polling endpoint that refuses every request (as engine.io's allowRequest does). */
  const refusingFetch: typeof fetch = async () => new Response('{"code":4,"message":"Forbidden"}', { status: 403 });

  function openRefused(opts: SocketOptions): { socket: Socket; errors: unknown[]; closes: string[] } {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: refusingFetch, fallbackMemory: false, transports: ['polling', 'websocket'], ...opts });
    const errors: unknown[] = [];
    const closes: string[] = [];
    socket.on('error', (err) => errors.push(err));
    socket.on('close', (reason) => closes.push(reason));
    return { socket, errors, closes };
  }

  it("true: ['polling', 'websocket'] opens over WebSocket when the polling handshake is refused, silently", async () => {
    const { socket, errors, closes } = openRefused({ tryAllTransports: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
    const ws = FakeWebSocket.instances[0] as FakeWebSocket;
    expect(ws.url).toContain('transport=websocket');
    expect(ws.url).not.toContain('sid=');
    ws.accept();
    ws.deliver(openPacket('w1'));
    expect(socket.readyState).toBe('open');
    expect(socket.transport.name).toBe('websocket');
    expect(socket.id).toBe('w1');
    expect(errors).toEqual([]);
    expect(closes).toEqual([]);
    socket.close();
  });

  it('true: when the WebSocket fails too, that is the error and the close', async () => {
    const { socket, errors, closes } = openRefused({ tryAllTransports: true });
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.instances[0]?.onerror?.({ type: 'error' });
    expect(errors).toHaveLength(1);
    expect(isEngineError(errors[0]) && errors[0].code).toBe('WEBSOCKET_ERROR');
    expect(closes).toEqual(['transport error']);
    expect(socket.readyState).toBe('closed');
  });

  it("false (the default): a refused polling handshake of ['polling', 'websocket'] is an error, no WebSocket is tried", async () => {
    const { socket, errors, closes } = openRefused({});
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(isEngineError(errors[0]) && errors[0].status).toBe(403);
    expect(closes).toEqual(['transport error']);
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.readyState).toBe('closed');
  });

  it('a failure after the open packet is not retried on the next transport', async () => {
    let calls = 0;
    const fetchFn: typeof fetch = async () => (++calls === 1 ? new Response(openPacket('p1')) : new Response('', { status: 400 }));
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: fetchFn, fallbackMemory: false, transports: ['polling', 'websocket'], upgrade: false, tryAllTransports: true });
    const closes: string[] = [];
    socket.on('error', () => {});
    socket.on('close', (reason) => closes.push(reason));
    await vi.advanceTimersByTimeAsync(0);
    expect(closes).toEqual(['transport error']);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });
});
