import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Socket } from '../socket.js';
import { isEngineError } from '../errors.js';
import { FakeWebSocket } from '../test-support/fake-websocket.js';
import { scriptedPolling } from '../test-support/scripted-polling.js';
import type { HeldRequest, ScriptedPolling } from '../test-support/scripted-polling.js';

// A proxy in front of the server (nginx proxy_read_timeout) cuts the held GET with a 504 or a reset.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Opened {
  readonly socket: Socket;
  readonly events: string[];
  readonly errors: unknown[];
}

async function open(server: ScriptedPolling, extra: { requestTimeout?: number } = {}): Promise<Opened> {
  const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: server.fetch, fallbackMemory: false, ...extra });
  const events: string[] = [];
  const errors: unknown[] = [];
  socket.on('open', () => events.push('open'));
  socket.on('message', (data) => events.push(`message:${String(data)}`));
  socket.on('error', (err) => errors.push(err));
  socket.on('close', (reason) => events.push(`close:${reason}`));
  await vi.advanceTimersByTimeAsync(0);
  expect(socket.readyState).toBe('open');
  return { socket, events, errors };
}

function get(server: ScriptedPolling, index: number): HeldRequest {
  const held = server.gets[index];
  if (held === undefined) throw new Error(`GET #${index} was not sent (${server.gets.length} sent)`);
  return held;
}

describe('polling: a held GET cut by a proxy', () => {
  it('a 504 is re-polled after a short delay; the session stays open and later data arrives', async () => {
    const server = scriptedPolling('s1');
    const { socket, events, errors } = await open(server);
    expect(server.gets).toHaveLength(1);
    get(server, 0).respond('<html>504 Gateway Time-out</html>', 504);
    await vi.advanceTimersByTimeAsync(99);
    expect(server.gets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.gets).toHaveLength(2);
    expect(new URL(get(server, 1).url).searchParams.get('sid')).toBe('s1');
    get(server, 1).respond('4after the cut');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.readyState).toBe('open');
    expect(socket.id).toBe('s1');
    expect(events).toEqual(['open', 'message:after the cut']);
    expect(errors).toEqual([]);
    socket.close();
  });

  it('502, 503, a network error and our own request timeout are retried too; a success resets the count', async () => {
    const server = scriptedPolling('s1');
    const { socket, events, errors } = await open(server, { requestTimeout: 1000 });
    get(server, 0).respond('bad gateway', 502);
    await vi.advanceTimersByTimeAsync(100);
    get(server, 1).fail(); // connection reset: fetch rejects
    await vi.advanceTimersByTimeAsync(200); // the delay grows
    get(server, 2).respond('6'); // a successful GET: the count starts again
    await vi.advanceTimersByTimeAsync(0);
    get(server, 3).respond('unavailable', 503);
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(1000); // GET #4 hangs: our requestTimeout aborts it
    expect(server.gets).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(200);
    expect(server.gets).toHaveLength(6);
    get(server, 5).respond('4still here');
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['open', 'message:still here']);
    expect(errors).toEqual([]);
    socket.close();
  });

  it("three consecutive failures close with 'transport error' and one error", async () => {
    const server = scriptedPolling('s1');
    const { socket, events, errors } = await open(server);
    get(server, 0).respond('gateway timeout', 504);
    await vi.advanceTimersByTimeAsync(100);
    get(server, 1).respond('gateway timeout', 504);
    await vi.advanceTimersByTimeAsync(200);
    expect(socket.readyState).toBe('open');
    get(server, 2).respond('gateway timeout', 504);
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.readyState).toBe('closed');
    expect(events).toEqual(['open', 'close:transport error']);
    expect(errors).toHaveLength(1);
    const err = errors[0];
    expect(isEngineError(err) && err.status).toBe(504);
    expect(isEngineError(err) && err.code).toBe('POLL_HTTP_STATUS');
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.gets).toHaveLength(3);
  });

  it('a 400 (Session ID unknown) closes at once: the session is gone', async () => {
    const server = scriptedPolling('s1');
    const { events, errors } = await open(server);
    get(server, 0).respond(JSON.stringify({ code: 1, message: 'Session ID unknown' }), 400);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['open', 'close:transport error']);
    expect(isEngineError(errors[0]) && errors[0].status).toBe(400);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.gets).toHaveLength(1);
  });

  it.each([403, 404, 500])('HTTP %i is not retried either', async (status) => {
    const server = scriptedPolling('s1');
    const { events } = await open(server);
    get(server, 0).respond('no', status);
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual(['open', 'close:transport error']);
    expect(server.gets).toHaveLength(1);
  });

  it("the heartbeat still judges liveness: no ping within pingInterval + pingTimeout closes with 'ping timeout'", async () => {
    const server = scriptedPolling('s1', 100, 50);
    const { events, errors } = await open(server);
    // Every other GET is cut, the rest bring a noop: never three failures in a row, and never a ping.
    for (let i = 0; ; i++) {
      const held = server.gets[i];
      if (held === undefined) break;
      if (i % 2 === 0) held.respond('gateway timeout', 504);
      else held.respond('6');
      await vi.advanceTimersByTimeAsync(i % 2 === 0 ? 100 : 0);
    }
    expect(events).toEqual(['open', 'close:ping timeout']);
    expect(errors).toEqual([]);
    expect(server.gets.length).toBeGreaterThan(2); // it did re-poll until the heartbeat gave up
  });

  it("a GET failing after the heartbeat window ran out (timers throttled) closes with 'ping timeout', no re-poll", async () => {
    const server = scriptedPolling('s1', 100, 50);
    const { events, errors } = await open(server);
    vi.setSystemTime(Date.now() + 10_000); // the clock moved, no timer ran
    get(server, 0).respond('gateway timeout', 504);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['open', 'close:ping timeout']);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.gets).toHaveLength(1);
  });

  it('the handshake GET is not retried', async () => {
    const server = scriptedPolling('s1');
    server.handshake = () => new Response('gateway timeout', { status: 504 });
    const socket = new Socket('http://example.test', { transports: ['polling'], WebSocket: null, fetch: server.fetch, fallbackMemory: false });
    const closed = vi.fn();
    socket.on('close', closed);
    socket.on('error', () => {});
    await vi.advanceTimersByTimeAsync(1000);
    expect(closed).toHaveBeenCalledWith('transport error', expect.anything());
  });

  it('a POST cut with a 504 fails the transport (it may have been processed: no resend)', async () => {
    const server = scriptedPolling('s1');
    const { socket, events } = await open(server);
    socket.send('once');
    await vi.advanceTimersByTimeAsync(0);
    expect(server.posts.map((p) => p.body)).toEqual(['4once']);
    server.posts[0]?.respond('gateway timeout', 504);
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual(['open', 'close:transport error']);
    expect(server.posts).toHaveLength(1);
  });

  it('a cut GET while the upgrade waits for it ends the poll: the upgrade completes', async () => {
    FakeWebSocket.instances = [];
    const server = scriptedPolling('s1', 25000, 20000, ['websocket']);
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: server.fetch, fallbackMemory: false });
    const errors: unknown[] = [];
    socket.on('error', (err) => errors.push(err));
    await vi.advanceTimersByTimeAsync(0);
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    ws.accept();
    ws.deliver('3probe');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.transport.name).toBe('polling'); // paused, waiting for the held GET
    get(server, 0).respond('gateway timeout', 504);
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.transport.name).toBe('websocket');
    expect(ws.sent).toEqual(['2probe', '5']);
    expect(socket.readyState).toBe('open');
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.gets).toHaveLength(1); // no re-poll once handed over
    socket.close();
  });
});
