import { describe, expect, it, vi } from 'vitest';
import { Socket } from './socket.js';
import { FakeWebSocket, openPacket } from './test-support/fake-websocket.js';
import { waitFor } from './test-support/wait.js';

/** Polling endpoint whose held GETs and POSTs are answered by the test. */
function controllablePolling() {
  const posts: string[] = [];
  const heldGets: Array<(body: string) => void> = [];
  const heldPosts: Array<() => void> = [];
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    if (init?.method === 'POST') {
      posts.push(String(init.body));
      await new Promise<void>((resolve) => heldPosts.push(resolve));
      return new Response('ok');
    }
    if (!url.includes('sid=')) return new Response(openPacket('s1', 25000, 20000, ['websocket']));
    return new Promise<Response>((resolve, reject) => {
      heldGets.push((body) => resolve(new Response(body)));
      init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
  };
  return { fetch: fetchFn, posts, heldGets, heldPosts };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('upgrade probe', () => {
  it('waits for the in-flight GET and POST, releases their callbacks, then switches and writes over WebSocket', async () => {
    FakeWebSocket.instances = [];
    const polling = controllablePolling();
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    const written: string[] = [];
    socket.send('a', () => written.push('a'));
    await tick();
    expect(polling.posts).toEqual(['4a']); // in flight, held
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    expect(ws.url).toContain('sid=s1');
    expect(ws.url).toContain('transport=websocket');
    ws.accept();
    expect(ws.sent).toEqual(['2probe']);
    const upgrading = waitFor(socket, 'upgrading');
    ws.deliver('3probe');
    await upgrading;
    socket.send('b', () => written.push('b')); // queued during the upgrade
    await tick();
    expect(polling.posts).toEqual(['4a']); // nothing new over polling while upgrading
    const upgraded = waitFor(socket, 'upgrade');
    polling.heldGets.shift()?.('6'); // the server's noop releases the held GET
    await tick();
    expect(socket.transport.name).toBe('polling'); // the POST is still in flight
    polling.heldPosts.shift()?.();
    await upgraded;
    expect(socket.transport.name).toBe('websocket');
    await tick();
    expect(ws.sent).toEqual(['2probe', '5', '4b']);
    expect(written).toEqual(['a', 'b']);
    socket.close();
  });

  it('a probe answered with something else fails: upgradeError, polling resumes', async () => {
    FakeWebSocket.instances = [];
    const polling = controllablePolling();
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    ws.accept();
    const failed = waitFor(socket, 'upgradeError');
    ws.deliver('3nope');
    await failed;
    expect(ws.closed).toBe(true);
    socket.send('still here');
    await tick();
    expect(polling.posts).toEqual(['4still here']);
    expect(socket.transport.name).toBe('polling');
    polling.heldPosts.shift()?.();
    socket.close();
  });

  it('close() once the probe answered waits for the upgrade: buffered writes go over the WebSocket, then close', async () => {
    FakeWebSocket.instances = [];
    const polling = controllablePolling();
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    // The long poll is held: the switch waits for it.
    await vi.waitFor(() => expect(polling.heldGets).toHaveLength(1));
    ws.accept();
    const upgrading = waitFor(socket, 'upgrading');
    ws.deliver('3probe');
    await upgrading;
    const events: string[] = [];
    socket.on('upgrade', () => events.push('upgrade'));
    socket.on('upgradeError', () => events.push('upgradeError'));
    const closed = new Promise<string>((resolve) => socket.on('close', (reason) => resolve(reason)));
    socket.send('last');
    socket.close();
    expect(socket.readyState).toBe('closing');
    socket.send('refused'); // after close(): not sent
    polling.heldGets.shift()?.('6');
    expect(await closed).toBe('forced close');
    expect(events).toEqual(['upgrade']);
    expect(ws.sent).toEqual(['2probe', '5', '4last']);
    expect(polling.posts).toEqual([]);
    expect(ws.closed).toBe(true);
  });

  it('close() once the probe answered, then the probe WebSocket fails: upgradeError, buffered writes over polling, close', async () => {
    FakeWebSocket.instances = [];
    const polling = controllablePolling();
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    // The long poll is held: the switch waits for it.
    await vi.waitFor(() => expect(polling.heldGets).toHaveLength(1));
    ws.accept();
    const upgrading = waitFor(socket, 'upgrading');
    ws.deliver('3probe');
    await upgrading;
    const events: string[] = [];
    socket.on('upgrade', () => events.push('upgrade'));
    socket.on('upgradeError', () => events.push('upgradeError'));
    const closed = new Promise<string>((resolve) => socket.on('close', (reason) => resolve(reason)));
    socket.send('last');
    socket.close();
    ws.drop();
    await vi.waitFor(() => expect(polling.posts).toEqual(['4last']));
    expect(events).toEqual(['upgradeError']);
    polling.heldPosts.shift()?.();
    expect(await closed).toBe('forced close');
    // The close packet follows the buffered write.
    await vi.waitFor(() => expect(polling.posts).toEqual(['4last', '1']));
    polling.heldPosts.shift()?.();
  });

  it("a close while the probe is under way fails it first: 'upgradeError' ('socket closed'), then 'close'", async () => {
    FakeWebSocket.instances = [];
    const polling = controllablePolling();
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    ws.accept(); // the probe is sent, not answered
    const events: unknown[] = [];
    socket.on('upgradeError', (err) => events.push(['upgradeError', err.message, err.cause]));
    socket.on('close', (reason) => events.push(['close', reason]));
    socket.close();
    expect(events).toEqual([['upgradeError', 'probe error', 'socket closed'], ['close', 'forced close']]);
    expect(ws.closed).toBe(true);
  });

  it("close() once the probe answered, then the polling transport fails (transport.onError): 'upgradeError', then 'close'", async () => {
    FakeWebSocket.instances = [];
    const polling = controllablePolling();
    const socket = new Socket('http://example.test', { transports: ['polling', 'websocket'], WebSocket: FakeWebSocket, fetch: polling.fetch, fallbackMemory: false });
    await waitFor(socket, 'open');
    await vi.waitFor(() => expect(polling.heldGets).toHaveLength(1));
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no probe WebSocket');
    ws.accept();
    const upgrading = waitFor(socket, 'upgrading');
    ws.deliver('3probe');
    await upgrading;
    const events: unknown[] = [];
    socket.on('error', (err) => events.push(['error', (err as Error).message]));
    socket.on('upgradeError', () => events.push(['upgradeError']));
    socket.on('close', (reason) => events.push(['close', reason]));
    socket.send('pending');
    socket.close();
    expect(socket.writeBuffer).toEqual([{ type: 'message', data: 'pending', options: { compress: true } }]);
    socket.transport.onError('upgrade error');
    expect(events).toEqual([['error', 'upgrade error'], ['upgradeError'], ['close', 'transport error']]);
    expect(socket.writeBuffer).toEqual([]);
  });
});
