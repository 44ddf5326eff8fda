import * as ws from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { preEncodeWebSocketFrame } from './index.js';
import { RawWebSocket, handshake, nextConnection, poll, startServer, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** ws's own frame for the same text (its Sender has no type declarations). */
const wsFrame = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender.frame;

async function openWebSocket(options: Parameters<typeof startServer>[0] = {}, query = 'EIO=4&transport=websocket') {
  server = await startServer({ pingInterval: 10_000, ...options });
  const connected = nextConnection(server);
  const ws = await RawWebSocket.open(wsUrl(server, query));
  await ws.next(); // open packet
  return { ws, socket: await connected };
}

describe('preEncodeWebSocketFrame', () => {
  // Each payload length class of RFC 6455 (7-bit, 16-bit, 64-bit), at its edges, and multi-byte text.
  for (const text of ['', 'x'.repeat(124), 'x'.repeat(125), 'é'.repeat(40_000), 'x'.repeat(65_535), 'x'.repeat(70_000)]) {
    it(`gives ws's own bytes for a message of ${Buffer.byteLength(text)} bytes`, () => {
      const [frame] = preEncodeWebSocketFrame(text);
      const expected = Buffer.concat(
        wsFrame(Buffer.from(`4${text}`), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }),
      );
      expect(frame?.equals(expected)).toBe(true);
    });
  }
});

describe('wsPreEncodedFrame', () => {
  it('a WebSocket without permessage-deflate writes the given frame as it is', async () => {
    const { ws, socket } = await openWebSocket();
    // A frame that does not match the data shows which of the two went out.
    socket.send('data', { wsPreEncodedFrame: preEncodeWebSocketFrame('frame') });
    socket.send('after');
    expect(await ws.next()).toBe('4frame');
    expect(await ws.next()).toBe('4after');
  });

  it("accepts ws's two-part frame (header, payload), as socket.io-adapter builds it", async () => {
    const { ws, socket } = await openWebSocket();
    const frame = wsFrame(Buffer.from('4two parts'), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
    expect(frame).toHaveLength(2);
    socket.send('data', { wsPreEncodedFrame: frame });
    expect(await ws.next()).toBe('4two parts');
  });

  it('runs the send callback once the frame was written', async () => {
    const { socket } = await openWebSocket();
    await new Promise<void>((resolve) => socket.send('data', { wsPreEncodedFrame: preEncodeWebSocketFrame('data') }, resolve));
    expect(socket.writeBuffer).toHaveLength(0);
  });

  it('with permessage-deflate negotiated, the data is encoded instead (the frame is not compressed)', async () => {
    const { ws, socket } = await openWebSocket({ perMessageDeflate: { threshold: 0 } });
    expect(ws.ws.extensions).toContain('permessage-deflate');
    socket.send('data', { wsPreEncodedFrame: preEncodeWebSocketFrame('frame') });
    expect(await ws.next()).toBe('4data');
  });

  it('an Engine.IO v3 WebSocket encodes the data itself', async () => {
    const { ws, socket } = await openWebSocket({ allowEIO3: true }, 'EIO=3&transport=websocket');
    socket.send('data', { wsPreEncodedFrame: preEncodeWebSocketFrame('frame') });
    expect(await ws.next()).toBe('4data');
  });

  it('polling ignores it and sends the data', async () => {
    server = await startServer({ pingInterval: 10_000 });
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    socket.send('data', { wsPreEncodedFrame: preEncodeWebSocketFrame('frame') });
    expect((await poll(server, sid)).body).toBe('4data');
  });

  it("keeps the caller's options object on the packet, as engine.io (one object for a whole broadcast)", async () => {
    const { socket } = await openWebSocket();
    const options = { compress: false, wsPreEncodedFrame: preEncodeWebSocketFrame('data') };
    const created = new Promise<unknown>((resolve) => socket.once('packetCreate', (packet) => resolve(packet.options)));
    socket.send('data', options);
    expect(await created).toBe(options);
  });
});
