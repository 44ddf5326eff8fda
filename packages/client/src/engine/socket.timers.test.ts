import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Socket } from './socket.js';
import { InMemoryFallbackMemory } from './fallback-memory.js';
import { FakeWebSocket, fakePollingServer, openPacket } from './test-support/fake-websocket.js';

const URL_ = 'http://example.test';
const KEY = 'http://example.test/engine.io/';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.instances = [];
});
afterEach(() => {
  vi.useRealTimers();
});

function lastWs(): FakeWebSocket {
  const ws = FakeWebSocket.instances.at(-1);
  if (ws === undefined) throw new Error('no WebSocket was created');
  return ws;
}

describe('WebSocket stall detection (fake timers)', () => {
  it('falls back to polling when the 101 passes and no open packet follows within 500 ms, and remembers it', async () => {
    const polling = fakePollingServer('p1');
    const memory = new InMemoryFallbackMemory();
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: memory });
    await vi.advanceTimersByTimeAsync(0);
    lastWs().accept(); // the 101 passes at once, then nothing
    await vi.advanceTimersByTimeAsync(499);
    expect(polling.gets).toHaveLength(0);
    expect(socket.readyState).toBe('opening');
    await vi.advanceTimersByTimeAsync(1);
    expect(lastWs().closed).toBe(true);
    expect(polling.gets).toHaveLength(2); // handshake, then the held GET
    expect(socket.readyState).toBe('open');
    expect(socket.transport.name).toBe('polling');
    expect(memory.get(KEY)).toBe('polling');
    socket.close();
  });

  it('after a slow 101, waits twice the handshake time for the open packet, never past webSocketTimeout', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await vi.advanceTimersByTimeAsync(400);
    lastWs().accept(); // the 101 after 400 ms: the open packet is due 800 ms later
    await vi.advanceTimersByTimeAsync(799);
    expect(socket.readyState).toBe('opening');
    expect(polling.gets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.transport.name).toBe('polling');
    socket.close();

    const late = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await vi.advanceTimersByTimeAsync(2000);
    lastWs().accept(); // twice 2000 ms would pass webSocketTimeout: 1000 ms are left
    await vi.advanceTimersByTimeAsync(999);
    expect(late.transport.name).toBe('websocket');
    await vi.advanceTimersByTimeAsync(1);
    expect(late.transport.name).toBe('polling');
    late.close();
  });

  it('an open packet right behind the 101 keeps the WebSocket', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await vi.advanceTimersByTimeAsync(0);
    const ws = lastWs();
    ws.accept();
    await vi.advanceTimersByTimeAsync(450);
    ws.deliver(openPacket('w1'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.transport.name).toBe('websocket');
    expect(socket.id).toBe('w1');
    expect(polling.gets).toHaveLength(0);
    socket.close();
  });

  it('falls back when no 101 comes within webSocketTimeout', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await vi.advanceTimersByTimeAsync(2999);
    expect(socket.transport.name).toBe('websocket');
    expect(polling.gets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(lastWs().closed).toBe(true);
    expect(socket.transport.name).toBe('polling');
    socket.close();
  });

  it('fails over when the first send gets no answer; the message is re-sent over polling, open emitted once', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    const events: string[] = [];
    socket.on('open', () => events.push('open'));
    socket.on('close', (reason) => events.push(`close:${reason}`));
    await vi.advanceTimersByTimeAsync(0);
    const ws = lastWs();
    ws.accept();
    ws.deliver(openPacket('w1'));
    expect(socket.readyState).toBe('open');
    socket.send('40');
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.sent).toEqual(['440']);
    await vi.advanceTimersByTimeAsync(2999);
    expect(socket.transport.name).toBe('websocket');
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.transport.name).toBe('polling');
    await vi.advanceTimersByTimeAsync(0);
    expect(polling.posts).toEqual(['440']);
    expect(socket.id).toBe('p1');
    expect(events).toEqual(['open']);
    socket.close();
  });

  it('an answer within webSocketTimeout proves the WebSocket: no fallback later', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await vi.advanceTimersByTimeAsync(0);
    const ws = lastWs();
    ws.accept();
    ws.deliver(openPacket('w1'));
    socket.send('40');
    await vi.advanceTimersByTimeAsync(1000);
    ws.deliver('40{"sid":"x"}');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.transport.name).toBe('websocket');
    expect(polling.gets).toHaveLength(0);
    socket.close();
  });

  it('a WebSocket closing before the open packet falls back immediately', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await vi.advanceTimersByTimeAsync(0);
    lastWs().drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.transport.name).toBe('polling');
    expect(socket.readyState).toBe('open');
    socket.close();
  });
});

describe('liveness (fake timers)', () => {
  async function openOverWs(memory: InMemoryFallbackMemory | false = false): Promise<{ socket: Socket; ws: FakeWebSocket }> {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, transports: ['websocket'], fallbackMemory: memory });
    await vi.advanceTimersByTimeAsync(0);
    const ws = lastWs();
    ws.accept();
    ws.deliver(openPacket('w1', 100, 50));
    return { socket, ws };
  }

  it("closes with 'ping timeout' after pingInterval + pingTimeout without a ping", async () => {
    const { socket } = await openOverWs();
    const closed = vi.fn();
    socket.on('close', closed);
    await vi.advanceTimersByTimeAsync(149);
    expect(closed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toHaveBeenCalledWith('ping timeout', undefined);
  });

  it("reports a dropped WebSocket as 'transport close' with engine.io-client's { description, context }", async () => {
    const { socket, ws } = await openOverWs();
    const closed = vi.fn();
    socket.on('close', closed);
    ws.drop(1006);
    expect(closed).toHaveBeenCalledWith('transport close', {
      description: 'websocket connection closed',
      context: { code: 1006, reason: '' },
      code: 1006,
      reason: '',
    });
  });

  it('answers pings with pongs and stays open while pings keep coming', async () => {
    const { socket, ws } = await openOverWs();
    const pings = vi.fn();
    socket.on('ping', pings);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(100);
      ws.deliver('2');
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.readyState).toBe('open');
    expect(pings).toHaveBeenCalledTimes(5);
    expect(ws.sent.filter((f) => f === '3')).toHaveLength(5);
    socket.close();
  });

  it("engine.io-client's private heartbeat members: _pingTimeoutTime, _hasPingExpired() closing once", async () => {
    const idle = new Socket(URL_, { WebSocket: FakeWebSocket, fallbackMemory: false });
    expect(idle._pingTimeoutTime).toBe(Infinity);
    expect(idle._hasPingExpired()).toBe(false);
    idle.close();

    const { socket } = await openOverWs();
    expect(socket._pingTimeoutTime).toBe(Date.now() + 150);
    expect(socket._hasPingExpired()).toBe(false);
    const closed = vi.fn();
    socket.on('close', closed);
    socket._pingTimeoutTime = Date.now() - 1; // as a throttled timer leaves it
    expect(socket._hasPingExpired()).toBe(true);
    expect(socket._hasPingExpired()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(closed).toHaveBeenCalledWith('ping timeout', undefined);
  });

  it("_filterUpgrades() keeps the server's upgrades that the transports option allows", () => {
    const polling = new Socket(URL_, { transports: ['polling'], WebSocket: FakeWebSocket, fallbackMemory: false });
    expect(polling._filterUpgrades(['polling', 'websocket'])).toEqual(['polling']);
    polling.close();
    const both = new Socket(URL_, { WebSocket: FakeWebSocket, fallbackMemory: false });
    expect(both._filterUpgrades(['websocket', 'webtransport'])).toEqual(['websocket']);
    both.close();
  });

  it('checks the wall clock on send (timers throttled in a background tab)', async () => {
    const { socket } = await openOverWs();
    const closed = vi.fn();
    socket.on('close', closed);
    vi.setSystemTime(Date.now() + 10_000); // the clock moved, no timer ran
    socket.send('late');
    expect(closed).toHaveBeenCalledWith('ping timeout', undefined);
  });

  it('two short-lived WebSockets dying of ping timeout in a row are remembered as blocked', async () => {
    const memory = new InMemoryFallbackMemory();
    const first = await openOverWs(memory);
    await vi.advanceTimersByTimeAsync(150);
    expect(first.socket.readyState).toBe('closed');
    expect(memory.get(KEY)).toBeUndefined();
    const second = await openOverWs(memory);
    await vi.advanceTimersByTimeAsync(150);
    expect(second.socket.readyState).toBe('closed');
    expect(memory.get(KEY)).toBe('polling');
  });

  it('a long-lived WebSocket dying of ping timeout resets the count', async () => {
    const memory = new InMemoryFallbackMemory();
    const first = await openOverWs(memory);
    await vi.advanceTimersByTimeAsync(150);
    expect(first.socket.readyState).toBe('closed');
    const second = await openOverWs(memory);
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(100);
      second.ws.deliver('2');
    }
    await vi.advanceTimersByTimeAsync(150);
    expect(second.socket.readyState).toBe('closed');
    const third = await openOverWs(memory);
    await vi.advanceTimersByTimeAsync(150);
    expect(third.socket.readyState).toBe('closed');
    expect(memory.get(KEY)).toBeUndefined();
  });
});

describe('autoUnref (Node)', () => {
  it.each([true, false])('unrefs the WebSocket\'s own net socket once it opens: autoUnref %s', async (autoUnref) => {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fallbackMemory: false, autoUnref });
    await vi.advanceTimersByTimeAsync(0);
    const ws = lastWs();
    const unref = vi.fn();
    // What the `ws` package keeps as its TCP socket.
    Reflect.set(ws, '_socket', { unref });
    ws.accept();
    expect(unref).toHaveBeenCalledTimes(autoUnref ? 1 : 0);
    socket.close();
  });
});

describe('connect path', () => {
  it('constructs the WebSocket one microtask after new Socket() when the constructor is known', async () => {
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fallbackMemory: false });
    // First the caller's listeners and first writes (the Socket.IO layer names its CONNECT in the URL).
    expect(FakeWebSocket.instances).toHaveLength(0);
    await Promise.resolve();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(lastWs().url).toBe('ws://example.test/engine.io/?EIO=4&transport=websocket');
    socket.close();
    expect(lastWs().closed).toBe(true);
  });

  it('close() while the WebSocket awaits its first answer stops the stall timer (no fail-over while closing)', async () => {
    const polling = fakePollingServer('p1');
    const socket = new Socket(URL_, { WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    const closes: string[] = [];
    socket.on('close', (reason) => closes.push(reason));
    await vi.advanceTimersByTimeAsync(0);
    const ws = lastWs();
    ws.accept();
    ws.deliver(openPacket('w1'));
    ws.bufferedAmount = 10; // the first send stays unwritten: close() waits for it
    socket.send('40');
    await vi.advanceTimersByTimeAsync(0);
    socket.close();
    expect(socket.readyState).toBe('closing');
    await vi.advanceTimersByTimeAsync(10_000); // well past webSocketTimeout
    expect(polling.gets).toHaveLength(0);
    expect(closes).toEqual([]);
    ws.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(100);
    expect(closes).toEqual(['forced close']);
    expect(ws.sent).toEqual(['440']);
  });
});
