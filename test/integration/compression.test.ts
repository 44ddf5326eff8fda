// Compression options through the socket.io-style Server, with the real socket.io-client.
import { Fetch } from 'engine.io-client';
import type { OutgoingPacket } from '@switchback/server/engine';
import { io as ioc } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { useServers } from '../helpers/servers.js';
import type { TestServer } from '../helpers/servers.js';

const { start } = useServers();
const opened: ClientSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.disconnect();
});

const LARGE = 'compress me '.repeat(1000);

function connect(server: TestServer, options: Parameters<typeof ioc>[1]): ClientSocket {
  const socket = ioc(server.url, { forceNew: true, reconnection: false, ...options });
  opened.push(socket);
  return socket;
}

/** Content-Encoding of every polling answer the server writes. */
function encodingsOf(server: TestServer): Array<string | undefined> {
  const encodings: Array<string | undefined> = [];
  server.io.engine.on('headers', (headers: Record<string, string>) => encodings.push(headers['Content-Encoding']));
  return encodings;
}

async function echoLarge(server: TestServer, client: ClientSocket): Promise<void> {
  server.io.on('connection', (socket) => {
    socket.on('echo', (text: string, ack: (back: string) => void) => ack(text));
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  expect(await client.emitWithAck('echo', LARGE)).toBe(LARGE);
}

describe('compression with socket.io-client', () => {
  it('polling over XHR (no Accept-Encoding in Node): large messages still work, uncompressed', async () => {
    const server = await start();
    const encodings = encodingsOf(server);
    await echoLarge(server, connect(server, { transports: ['polling'] }));
    expect(encodings.filter((encoding) => encoding !== undefined)).toEqual([]);
  });

  it('polling over fetch: the large answer is gzipped and decoded by the client', async () => {
    const server = await start();
    const encodings = encodingsOf(server);
    await echoLarge(server, connect(server, { transports: [Fetch], extraHeaders: { 'Accept-Encoding': 'gzip' } }));
    expect(encodings).toContain('gzip');
  });

  it('httpCompression: false given to new Server() reaches the engine', async () => {
    const server = await start({ httpCompression: false });
    const encodings = encodingsOf(server);
    await echoLarge(server, connect(server, { transports: [Fetch], extraHeaders: { 'Accept-Encoding': 'gzip' } }));
    expect(encodings.filter((encoding) => encoding !== undefined)).toEqual([]);
  });

  it('socket.compress(false) ends up as compress:false on the engine packet', async () => {
    const server = await start();
    const created: OutgoingPacket[] = [];
    server.io.engine.on('connection', (conn) => {
      conn.on('packetCreate', (packet: OutgoingPacket) => {
        if (packet.type === 'message') created.push(packet);
      });
    });
    const encodings = encodingsOf(server);
    const client = connect(server, { transports: [Fetch], extraHeaders: { 'Accept-Encoding': 'gzip' } });
    server.io.on('connection', (socket) => {
      socket.compress(false).emit('big', LARGE);
      socket.emit('big', LARGE);
    });
    const got: string[] = [];
    await new Promise<void>((resolve) =>
      client.on('big', (text: string) => {
        got.push(text);
        if (got.length === 2) resolve();
      }),
    );
    expect(got).toEqual([LARGE, LARGE]);
    // The CONNECT packet, then the two events.
    expect(created.map((packet) => packet.options?.compress)).toEqual([true, false, true]);
    expect(encodings).toContain('gzip');
  });

  it('perMessageDeflate given to new Server() is negotiated with the client over WebSocket', async () => {
    const server = await start({ perMessageDeflate: true });
    let extensions: string | string[] | undefined;
    server.io.engine.on('connection', (conn) => {
      extensions = conn.request.headers['sec-websocket-extensions'];
    });
    await echoLarge(server, connect(server, { transports: ['websocket'] }));
    expect(extensions).toContain('permessage-deflate');
  });
});
