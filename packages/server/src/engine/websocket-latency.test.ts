// The WebSocket handshake's fast paths (time to first message): the 101 within the upgrade event when
// nothing asynchronous is configured, the slow paths still complete, and one write per tick of frames.
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RawWebSocket, nextConnection, startServer, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const HANDSHAKE = 'EIO=4&transport=websocket';

/** Counts the writes (as the stream hands them to the OS) of each upgraded connection of `http`. */
function countWrites(writes: number[]): (http: TestServer['http']) => void {
  return (http) =>
    http.prependListener('upgrade', (_req, socket: Duplex) => {
      if (!(socket instanceof Socket)) return;
      const index = writes.push(0) - 1;
      const write = socket._write.bind(socket);
      const writev = socket._writev?.bind(socket);
      socket._write = (chunk, encoding, callback) => {
        writes[index] = (writes[index] ?? 0) + 1;
        write(chunk, encoding, callback);
      };
      if (writev !== undefined) {
        socket._writev = (chunks, callback) => {
          writes[index] = (writes[index] ?? 0) + 1;
          writev(chunks, callback);
        };
      }
    });
}

describe('WebSocket handshake latency', () => {
  it('writes the 101 within the upgrade event when no middleware, allowRequest or async generateId is set', async () => {
    const wroteDuringEvent: boolean[] = [];
    server = await startServer();
    // Registered after the engine's listener: has the 101 gone out by the time it runs?
    server.http.on('upgrade', (_req, socket: Duplex) => {
      if (socket instanceof Socket) wroteDuringEvent.push(socket.bytesWritten + socket.writableLength > 0);
    });
    const ws = await RawWebSocket.open(wsUrl(server, HANDSHAKE));
    expect(String(await ws.next())[0]).toBe('0');
    expect(wroteDuringEvent).toEqual([true]);
  });

  it('completes with an async middleware, an async allowRequest and a Promise from generateId', async () => {
    const order: string[] = [];
    server = await startServer({
      allowRequest: (_req, fn) =>
        setImmediate(() => {
          order.push('allowRequest');
          fn(null, true);
        }),
    });
    server.engine.use((_req, res, next) => {
      order.push('middleware');
      res.setHeader('X-Checked', 'yes');
      setImmediate(next);
    });
    server.engine.generateId = () => {
      order.push('generateId');
      return new Promise((resolve) => setImmediate(() => resolve('async-id')));
    };
    const connected = nextConnection(server);
    const ws = new RawWebSocket(wsUrl(server, HANDSHAKE));
    const header = new Promise<string | undefined>((resolve) =>
      ws.ws.once('upgrade', (res) => resolve(res.headers['x-checked'] as string | undefined)),
    );
    const open = JSON.parse(String(await ws.next()).slice(1)) as { sid: string };
    expect(open.sid).toBe('async-id');
    expect((await connected).id).toBe('async-id');
    expect(await header).toBe('yes');
    expect(order).toEqual(['middleware', 'allowRequest', 'generateId']);
  });

  it('sends the frames of one tick in one write, and later ones after it, in order', async () => {
    const writes: number[] = [];
    server = await startServer({ pingInterval: 10_000 }, countWrites(writes));
    server.engine.on('connection', (socket) => {
      // Once the open packet's write completed (its callback runs on a tick, before immediates).
      setImmediate(() => {
        socket.send('a').send('b').send('c');
        // The next tick: the write of a, b and c has not completed yet, so d is buffered and follows it.
        process.nextTick(() => socket.send('d'));
      });
    });
    const ws = await RawWebSocket.open(wsUrl(server, HANDSHAKE));
    expect(String(await ws.next())[0]).toBe('0');
    expect([await ws.next(), await ws.next(), await ws.next(), await ws.next()]).toEqual(['4a', '4b', '4c', '4d']);
    // The 101, the open packet, a + b + c in one write, then d (before: a, b, c and d one write each).
    expect(writes).toEqual([4]);
  });

  it('delivers what was sent in the same tick as a close, before the close', async () => {
    server = await startServer({ pingInterval: 10_000 });
    server.engine.on('connection', (socket) => {
      socket.send('bye');
      socket.close();
    });
    const ws = await RawWebSocket.open(wsUrl(server, HANDSHAKE));
    expect(String(await ws.next())[0]).toBe('0');
    expect(await ws.next()).toBe('4bye');
    expect((await ws.closed).code).toBe(1005);
  });

  it('delivers what was sent just before the server shuts down', async () => {
    server = await startServer({ pingInterval: 10_000 });
    const ws = await RawWebSocket.open(wsUrl(server, HANDSHAKE));
    expect(String(await ws.next())[0]).toBe('0');
    const socket = [...server.engine.clients.values()][0];
    socket?.send('last');
    server.engine.close();
    expect(await ws.next()).toBe('4last');
    await ws.closed;
  });
});
