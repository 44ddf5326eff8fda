import { describe, expect, it } from 'vitest';
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
});
