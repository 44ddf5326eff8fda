import { afterEach, describe, expect, it, vi } from 'vitest';
import { Socket } from './socket.js';
import { isEngineError } from './errors.js';
import { InMemoryFallbackMemory } from './fallback-memory.js';
import { startEngineServer } from './test-support/engine-server.js';
import { waitFor } from './test-support/wait.js';

// An environment without any WebSocket (no global, ws not installed).
vi.mock('#websocket-constructor', async (importOriginal) => ({
  ...(await importOriginal<typeof import('#websocket-constructor')>()),
  defaultWebSocket: async () => undefined,
}));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('no WebSocket constructor', () => {
  it("['websocket', 'polling'] connects over polling", async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    s.engine.on('connection', (ss) => ss.on('message', (d: unknown) => ss.send(d)));
    const socket = new Socket(s.url, { fallbackMemory: new InMemoryFallbackMemory() });
    cleanups.push(() => void socket.close());
    await waitFor(socket, 'open');
    expect(socket.transport.name).toBe('polling');
    const reply = waitFor(socket, 'message');
    socket.send('hi');
    expect(await reply).toBe('hi');
  });

  it("forced ['websocket'] never falls back: error, then close", async () => {
    const socket = new Socket('http://127.0.0.1:1', { transports: ['websocket'], fallbackMemory: false });
    const error = waitFor(socket, 'error');
    const closed = waitFor(socket, 'close');
    const err = await error;
    expect(isEngineError(err) && err.code).toBe('NO_TRANSPORT');
    expect(await closed).toBe('transport error');
  });
});
