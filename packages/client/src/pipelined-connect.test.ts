// The namespace CONNECT is pipelined with the Engine.IO handshake: it leaves in the WebSocket's first
// flight, before the open packet arrives, and a WebSocket that then stalls hands it to polling once.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createConnection, createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Server } from 'socket.io';
import { io } from './index.js';
import type { Socket } from './socket.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: HttpServer | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function client(url: string, opts: Parameters<typeof io>[1] = {}): Socket {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  cleanups.push(() => void socket.io.disconnect());
  return socket;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/** A WebSocket server on 127.0.0.1 (HTTP requests get 404), closed with everything on it after the test. */
async function startWebSocketOnly(): Promise<{ url: string; wss: WebSocketServer }> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  const port = await listen(http);
  cleanups.push(async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${port}`, wss };
}

/** A WebSocket-only Engine.IO speaker that sends its open packet only after the client's first message. */
async function startSilentUntilSpokenTo(): Promise<{ url: string; first: Promise<string> }> {
  const { url, wss } = await startWebSocketOnly();
  let resolveFirst: (text: string) => void = () => {};
  const first = new Promise<string>((resolve) => (resolveFirst = resolve));
  wss.on('connection', (ws) => {
    ws.once('message', (data: Buffer) => {
      resolveFirst(data.toString());
      ws.send('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
      ws.send('40{"sid":"s1"}');
    });
  });
  return { url, first };
}

function frameSize(buf: Buffer, offset: number): number | undefined {
  if (buf.length < offset + 2) return undefined;
  const len = (buf[offset + 1] ?? 0) & 0x7f;
  if (len < 126) return 2 + len;
  if (len === 126) return buf.length < offset + 4 ? undefined : 4 + buf.readUInt16BE(offset + 2);
  return buf.length < offset + 10 ? undefined : 10 + Number(buf.readBigUInt64BE(offset + 2));
}

/**
 * TCP proxy: polling passes untouched; on a WebSocket, every client byte reaches the server, but of the
 * server's bytes only the 101 and the first `frames` frames (0, or 1: the open packet) reach the client.
 */
async function startAnswerDroppingProxy(targetPort: number, frames: 0 | 1): Promise<string> {
  const sockets = new Set<TcpSocket>();
  const server = createTcpServer((down) => {
    const up = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(down).add(up);
    const destroy = (): void => {
      down.destroy();
      up.destroy();
    };
    down.on('error', destroy).on('close', destroy);
    up.on('error', destroy).on('close', destroy);
    down.pipe(up);
    let upgrade: boolean | undefined;
    let pending = Buffer.alloc(0);
    let done = false;
    down.once('data', (chunk: Buffer) => (upgrade = /^upgrade:\s*websocket/im.test(chunk.toString('latin1'))));
    up.on('data', (chunk: Buffer) => {
      if (upgrade !== true) {
        down.write(chunk);
        return;
      }
      if (done) return;
      pending = Buffer.concat([pending, chunk]);
      const headerEnd = pending.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const size = frames === 0 ? 0 : frameSize(pending, headerEnd + 4);
      if (size === undefined || pending.length < headerEnd + 4 + size) return;
      down.write(pending.subarray(0, headerEnd + 4 + size));
      done = true;
    });
  });
  const port = await listen(server);
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${port}`;
}

describe('pipelined namespace CONNECT', () => {
  it('sends the CONNECT with the auth object before the open packet has arrived', async () => {
    const server = await startSilentUntilSpokenTo();
    const socket = client(server.url, { auth: { token: 't' }, transports: ['websocket'] });
    await connected(socket);
    expect(await server.first).toBe('40{"token":"t"}');
    expect(socket.id).toBe('s1');
  });

  it('sends the CONNECT with the auth callback data before the open packet has arrived', async () => {
    const server = await startSilentUntilSpokenTo();
    const socket = client(server.url, { auth: (cb) => cb({ token: 'cb' }) });
    await connected(socket);
    expect(await server.first).toBe('40{"token":"cb"}');
  });

  it.each([
    { frames: 0 as const, lost: 'the open packet and every answer' },
    { frames: 1 as const, lost: 'every answer after the open packet' },
  ])('re-sends a pipelined CONNECT exactly once over polling when the WebSocket loses $lost', async ({ frames }) => {
    const http = createServer();
    const sio = new Server(http, { pingInterval: 5000, pingTimeout: 5000 });
    const transports: string[] = [];
    const auths: unknown[] = [];
    sio.on('connection', (s) => {
      transports.push(s.conn.transport.name);
      auths.push(s.handshake.auth);
      s.on('echo', (v: string, ack: (v: string) => void) => ack(v));
    });
    const port = await listen(http);
    cleanups.push(async () => {
      await new Promise<void>((resolve) => void sio.close(() => resolve()));
      http.closeAllConnections();
    });
    const url = await startAnswerDroppingProxy(port, frames);
    const socket = client(url, { webSocketTimeout: 300, auth: { token: 'once' } });
    let connects = 0;
    socket.on('connect', () => (connects += 1));
    await connected(socket);
    expect(socket.io.engine.transport.name).toBe('polling');
    // The ack comes after the server handled everything sent before it on this session.
    expect(await socket.emitWithAck('echo', 'x')).toBe('x');
    expect(connects).toBe(1);
    // One namespace socket on the stalled WebSocket (the pipelined CONNECT got there), one on polling.
    expect(transports.filter((t) => t === 'polling')).toHaveLength(1);
    expect(transports.filter((t) => t === 'websocket')).toHaveLength(1);
    expect(auths).toEqual([{ token: 'once' }, { token: 'once' }]);
  });
});

/** A WebSocket-only Engine.IO speaker that records each handshake's URL and connects every namespace asked. */
async function startRecordingUrls(): Promise<{ url: string; urls: string[]; wss: WebSocketServer }> {
  const { url, wss } = await startWebSocketOnly();
  const urls: string[] = [];
  let sessions = 0;
  wss.on('connection', (ws, req) => {
    urls.push(req.url ?? '');
    sessions += 1;
    ws.send(`0{"sid":"e${sessions}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`);
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      const nsp = /^40(\/[^,]*),?/.exec(text)?.[1];
      if (text.startsWith('40')) ws.send(nsp ? `40${nsp},{"sid":"s${sessions}"}` : `40{"sid":"s${sessions}"}`);
    });
  });
  return { url, urls, wss };
}

const hintOf = (url: string | undefined): string | null => new URL(url ?? '', 'http://x').searchParams.get('sbconnect');

describe('the first CONNECT named in the WebSocket handshake (sbconnect)', () => {
  it('names the namespace of a CONNECT without payload: "/" and "/chat"', async () => {
    const server = await startRecordingUrls();
    await connected(client(server.url));
    await connected(client(`${server.url}/chat`));
    expect(server.urls.map(hintOf)).toEqual(['/', '/chat']);
  });

  it('names nothing when the CONNECT carries auth (object or callback)', async () => {
    const server = await startRecordingUrls();
    await connected(client(server.url, { auth: { token: 't' } }));
    await connected(client(server.url, { auth: (cb) => cb({}) }));
    expect(server.urls.map(hintOf)).toEqual([null, null]);
  });

  it('follows auth set right after io(), before the first write', async () => {
    const server = await startRecordingUrls();
    const socket = client(server.url);
    socket.auth = { token: 'late' };
    await connected(socket);
    expect(server.urls.map(hintOf)).toEqual([null]);
  });

  it('with autoConnect: false, names it when connect() opens the connection; again on a reconnect', async () => {
    const server = await startRecordingUrls();
    const socket = client(server.url, { autoConnect: false, reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 10 });
    socket.connect();
    await connected(socket);
    for (const ws of server.wss.clients) ws.terminate();
    await connected(socket);
    expect(server.urls.map(hintOf)).toEqual(['/', '/']);
  });
});

/** Server frame (unmasked text, < 126 bytes). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

/**
 * A hand-written Engine.IO server on a raw TCP socket: it answers the upgrade with the 101, the open
 * packet, the CONNECT answer and a first event in a single write (as a Switchback server does for a
 * `sbconnect` handshake), then records the client's frames.
 */
async function startOneWriteHandshake(): Promise<{ url: string; frames: string[]; gotFrame: Promise<void> }> {
  const frames: string[] = [];
  let onFrame: () => void = () => {};
  const gotFrame = new Promise<void>((resolve) => (onFrame = resolve));
  const sockets = new Set<TcpSocket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(buffered.subarray(0, end).toString())?.[1] ?? '';
        buffered = buffered.subarray(end + 4);
        upgraded = true;
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
            textFrame('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'),
            textFrame('40{"sid":"s1"}'),
            textFrame('42["hello","world"]'),
          ]),
        );
      }
      // Client frames are masked; these are small: 2 header bytes, 4 mask bytes, then the payload.
      while (buffered.length >= 6 && buffered.length >= 6 + ((buffered[1] ?? 0) & 0x7f)) {
        const length = (buffered[1] ?? 0) & 0x7f;
        const mask = buffered.subarray(2, 6);
        const payload = Buffer.from(buffered.subarray(6, 6 + length).map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
        if (((buffered[0] ?? 0) & 0x0f) === 1) frames.push(payload.toString());
        buffered = buffered.subarray(6 + length);
        onFrame();
      }
    });
  });
  const port = await listen(server);
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${port}`, frames, gotFrame };
}

describe('what arrives with the 101', () => {
  it('is handled before the client writes: the first event comes before the CONNECT goes out, and the CONNECT still goes', async () => {
    const server = await startOneWriteHandshake();
    const socket = client(server.url);
    const order: string[] = [];
    socket.io.on('open', () => socket.io.engine.on('flush', () => order.push('flush')));
    const hello = new Promise<unknown>((resolve) => socket.once('hello', resolve));
    socket.on('connect', () => order.push('connect'));
    socket.on('hello', () => order.push('hello'));
    expect(await hello).toBe('world');
    await server.gotFrame;
    expect(order).toEqual(['connect', 'hello', 'flush']);
    expect(server.frames).toEqual(['40']);
    expect(socket.id).toBe('s1');
  });
});
