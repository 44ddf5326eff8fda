import type { Socket as ServerSocket } from 'engine.io';
import { afterEach, describe, expect, it } from 'vitest';
import { Socket } from '../socket.js';
import { startEngineServer } from '../test-support/engine-server.js';
import { waitFor } from '../test-support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function echoServer(): Promise<{ url: string; connections: () => number }> {
  const server = await startEngineServer({ transports: ['polling'] });
  cleanups.push(() => server.close());
  let connections = 0;
  server.http.on('connection', () => (connections += 1));
  server.engine.on('connection', (s: ServerSocket) => s.on('message', (data: string) => s.send(data)));
  return { url: server.url, connections: () => connections };
}

async function pingPong(socket: Socket, rounds: number): Promise<string[]> {
  const echoes: string[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const echo = waitFor(socket, 'message');
    socket.send(`m${i}`);
    echoes.push(String(await echo));
  }
  return echoes;
}

describe('polling in Node without a fetch option (node:http, keep-alive)', () => {
  it('runs a session over two kept-alive connections: the held GET and the POSTs do not share one', async () => {
    const { url, connections } = await echoServer();
    const socket = new Socket(url, { transports: ['polling'], WebSocket: null, fallbackMemory: false });
    cleanups.push(() => void socket.close());
    await waitFor(socket, 'open');
    const echoes = await pingPong(socket, 30);
    expect(echoes).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    // 30 round trips are 60 requests; a connection per request, or a POST queued behind the held GET,
    // would show here (or time the test out).
    expect(connections()).toBeGreaterThan(0);
    expect(connections()).toBeLessThanOrEqual(2);
  });

  it('still goes through fetch when one is given', async () => {
    const { url } = await echoServer();
    const methods: string[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      methods.push(init?.method ?? 'GET');
      return fetch(input, init);
    };
    const socket = new Socket(url, { transports: ['polling'], WebSocket: null, fallbackMemory: false, fetch: fetchFn });
    cleanups.push(() => void socket.close());
    await waitFor(socket, 'open');
    expect(await pingPong(socket, 2)).toEqual(['m0', 'm1']);
    expect(methods).toContain('POST');
  });
});
