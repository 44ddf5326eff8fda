import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Socket } from './socket.js';
import { isEngineError } from './errors.js';
import { InMemoryFallbackMemory } from './fallback-memory.js';
import { FakeWebSocket, fakePollingServer } from './test-support/fake-websocket.js';
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

  it('an empty transports list is an error (NO_TRANSPORT), then a close, heard after new Socket() returned', async () => {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, transports: [], fallbackMemory: false });
    const errors: unknown[] = [];
    const closes: string[] = [];
    socket.on('error', (err) => errors.push(err));
    socket.on('close', (reason) => closes.push(reason));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(isEngineError(errors[0]) && errors[0].code).toBe('NO_TRANSPORT');
    expect(closes).toEqual(['transport error']);
    expect(socket.readyState).toBe('closed');
  });
});
