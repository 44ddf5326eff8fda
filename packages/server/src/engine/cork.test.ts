// cork()/uncork() of a session, and the 101 answer of a WebSocket handshake written with the open packet.
import { describe, expect, it } from 'vitest';
import type { EnginePacket } from '@switchback/protocol';
import { RawWebSocket, nextConnection, useTestServers, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';
import type { EngineSocket } from './session.js';

const { started } = useTestServers();

async function webSocketSession(server: TestServer): Promise<{ ws: RawWebSocket; socket: EngineSocket }> {
  const connected = nextConnection(server);
  const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
  expect(String(await ws.next())[0]).toBe('0');
  const socket = await connected;
  // The open packet's frame has been written: the transport takes the next send at once.
  await new Promise<void>((resolve) => (socket.transport.writable ? resolve() : socket.once('drain', resolve)));
  return { ws, socket };
}

function flushesOf(socket: EngineSocket): string[][] {
  const flushes: string[][] = [];
  socket.on('flush', (packets: EnginePacket[]) => flushes.push(packets.map((p) => `${p.type}:${String(p.data ?? '')}`)));
  return flushes;
}

describe('EngineSocket cork()', () => {
  it('holds sends until uncork(), then hands them to the transport in one write', async () => {
    const server = await started();
    const { ws, socket } = await webSocketSession(server);
    const flushes = flushesOf(socket);
    socket.cork();
    socket.send('a').send('b');
    expect(flushes).toEqual([]);
    expect(socket.writeBuffer).toHaveLength(2);
    expect(socket.transport.writable).toBe(true);
    socket.uncork();
    expect(flushes).toEqual([['message:a', 'message:b']]);
    expect(await ws.next()).toBe('4a');
    expect(await ws.next()).toBe('4b');
  });

  it('counts nested corks: only the last uncork() flushes', async () => {
    const server = await started();
    const { ws, socket } = await webSocketSession(server);
    const flushes = flushesOf(socket);
    socket.cork().cork();
    socket.send('x');
    socket.uncork();
    expect(flushes).toEqual([]);
    socket.uncork();
    expect(flushes).toEqual([['message:x']]);
    // Unbalanced uncork() calls are ignored.
    socket.uncork();
    socket.send('y');
    expect(await ws.next()).toBe('4x');
    expect(await ws.next()).toBe('4y');
  });

  it('close() sends what the cork held, then closes', async () => {
    const server = await started();
    const { ws, socket } = await webSocketSession(server);
    socket.cork();
    socket.send('last');
    socket.close();
    expect(await ws.next()).toBe('4last');
    await ws.closed;
    expect(socket.readyState).toBe('closed');
  });
});

describe('WebSocket handshake', () => {
  // Which writes become one TCP segment is up to the kernel and the reader's timing; what the server
  // controls, and what is checked here, is how many writes it makes: the connection is corked while ws
  // builds the 101, and stays corked, the session's sends held, through the first turn of the event loop.
  it('writes the 101, the open packet and what the session sent in its first tick in one write', async () => {
    const server = await started();
    let corkedAt101 = -1;
    server.engine.on('initial_headers', (_headers, req) => {
      corkedAt101 = req.socket.writableCorked;
    });
    let atConnection = { corked: -1, queued: -1 };
    const writes: string[][] = [];
    server.engine.once('connection', (socket) => {
      const raw = socket.request.socket;
      atConnection = { corked: raw.writableCorked, queued: raw.writableLength };
      const { _write, _writev } = raw as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
      Object.assign(raw, {
        _write(chunk: Buffer, ...rest: unknown[]) {
          writes.push([String(chunk)]);
          _write.call(raw, chunk, ...rest);
        },
        _writev(chunks: Array<{ chunk: Buffer }>, ...rest: unknown[]) {
          writes.push(chunks.map(({ chunk }) => String(chunk)));
          _writev.call(raw, chunks, ...rest);
        },
      });
      socket.send('first');
      process.nextTick(() => socket.send('next tick'));
    });
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    expect(String(await ws.next()).slice(0, 7)).toBe('0{"sid"');
    expect(await ws.next()).toBe('4first');
    expect(await ws.next()).toBe('4next tick');
    expect(corkedAt101).toBe(1);
    // At 'connection' the 101 is written to the connection, held by the cork.
    expect(atConnection.corked).toBe(1);
    expect(atConnection.queued).toBeGreaterThan(0);
    expect(writes).toHaveLength(1);
    const [only = []] = writes;
    expect(only[0]).toMatch(/^HTTP\/1.1 101 /);
    const frames = only.join('');
    expect(frames.indexOf('0{"sid"')).toBeGreaterThan(0);
    expect(frames.indexOf('4first')).toBeGreaterThan(frames.indexOf('0{"sid"'));
    expect(frames.indexOf('4next tick')).toBeGreaterThan(frames.indexOf('4first'));
  });

  it('a connection listener that throws does not leave the connection corked', async () => {
    const server = await started();
    const thrown = new Error('listener failed');
    const caught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    server.engine.once('connection', () => {
      throw thrown;
    });
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    expect(String(await ws.next()).slice(0, 7)).toBe('0{"sid"');
    expect(await caught).toBe(thrown);
  });
});
