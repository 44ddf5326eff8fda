// The Node client's WebSocket options (engine.io-client's), against a real server on 127.0.0.1: what goes
// in the handshake (`protocols`, `perMessageDeflate`), how binary is framed (`forceBase64`) and which
// messages ws compresses.
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

  it("sets ws's per-message compression as engine.io-client: the packet's compress, off below perMessageDeflate.threshold", async () => {
    const sent: Array<[string, boolean | undefined]> = [];
    class Recording extends WsWebSocket {
      override send(data: unknown, ...rest: unknown[]): void {
        const options = rest[0] as { compress?: boolean } | undefined;
        // An EVENT ('4' + '2' + ack id + JSON): its name.
        const event = typeof data === 'string' ? /^42\d*(\[.*)$/s.exec(data)?.[1] : undefined;
        if (event !== undefined) sent.push([JSON.parse(event)[0] as string, options?.compress]);
        (super.send as (...args: unknown[]) => void)(data, ...rest);
      }
    }
    const server = await start({ perMessageDeflate: true });
    server.io.on('connection', (socket) => socket.onAny((_event, text: string, ack?: (n: number) => void) => ack?.(text.length)));
    const big = 'y'.repeat(2000);
    const socket = await clients.connect(server.url, { transports: ['websocket'], WebSocket: Recording });
    expect((socket.io.engine.transport.ws as WsWebSocket | undefined)?.extensions).toContain('permessage-deflate');
    socket.emit('small', 'x');
    socket.compress(false).emit('big uncompressed', big);
    // Compressed on the wire, and the server still reads it whole.
    await expect(socket.timeout(2000).emitWithAck('big', big)).resolves.toBe(2000);
    expect(sent).toEqual([
      ['small', false],
      ['big uncompressed', false],
      ['big', true],
    ]);

    sent.length = 0;
    const anySize = await clients.connect(server.url, { transports: ['websocket'], WebSocket: Recording, perMessageDeflate: { threshold: 0 } });
    await expect(anySize.timeout(2000).emitWithAck('small', 'x')).resolves.toBe(1);
    expect(sent).toEqual([['small', true]]);
  });
});
