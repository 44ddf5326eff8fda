// The Node client's WebSocket options (engine.io-client's), against a real server on 127.0.0.1: what goes
// in the handshake (`protocols`, `perMessageDeflate`) and how binary is framed (`forceBase64`).
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket as WsWebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { useServers } from '../helpers/servers.js';

describe('the WebSocket options of the Node client', () => {
  const { clients, start } = useServers();

  async function handshakeHeaders(options: Parameters<typeof clients.connect>[1]): Promise<IncomingHttpHeaders> {
    const server = await start();
    const seen = new Promise<IncomingHttpHeaders>((resolve) => server.io.on('connection', (socket) => resolve(socket.request.headers)));
    const socket = await clients.connect(server.url, { transports: ['websocket'], ...options });
    expect(socket.io.engine.transport.name).toBe('websocket');
    return seen;
  }

  it('offers the `protocols` given, and connects with the one the server picks', async () => {
    const headers = await handshakeHeaders({ protocols: ['chat.v1', 'token.abc'] });
    expect(headers['sec-websocket-protocol']).toBe('chat.v1,token.abc');
    const single = await handshakeHeaders({ protocols: 'only.one' });
    expect(single['sec-websocket-protocol']).toBe('only.one');
    const none = await handshakeHeaders({});
    expect(none['sec-websocket-protocol']).toBeUndefined();
  });

  it('offers permessage-deflate as ws does by default, and not with perMessageDeflate: false', async () => {
    expect((await handshakeHeaders({}))['sec-websocket-extensions']).toContain('permessage-deflate');
    expect((await handshakeHeaders({ perMessageDeflate: false }))['sec-websocket-extensions']).toBeUndefined();
  });

  it('sends binary as base64 text frames with forceBase64, and the server still gets bytes', async () => {
    const frames: string[] = [];
    class Recording extends WsWebSocket {
      override send(data: unknown, ...rest: unknown[]): void {
        frames.push(typeof data === 'string' ? data.slice(0, 2) : 'binary');
        (super.send as (...args: unknown[]) => void)(data, ...rest);
      }
    }
    const server = await start();
    server.io.on('connection', (socket) => socket.on('bytes', (bytes: Buffer, ack: (r: unknown) => void) => ack([Buffer.isBuffer(bytes), [...bytes]])));
    for (const forceBase64 of [true, false]) {
      frames.length = 0;
      const socket = await clients.connect(server.url, { transports: ['websocket'], WebSocket: Recording, forceBase64 });
      await expect(socket.timeout(2000).emitWithAck('bytes', Buffer.from([1, 2, 255]))).resolves.toEqual([true, [1, 2, 255]]);
      // The EVENT's text packet, then its attachment: a `b` text frame or a binary frame.
      expect(frames.at(-1)).toBe(forceBase64 ? 'bA' : 'binary');
    }
  });
});
