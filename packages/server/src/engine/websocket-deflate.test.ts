import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RawWebSocket, nextConnection, useTestServers, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

const { started } = useTestServers();

interface RawFrame {
  readonly rsv1: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/** A WebSocket handshake over plain TCP, so the test sees the server's frames as they are on the wire. */
class WireClient {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #headers: string | undefined;
  readonly #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
  }

  static async open(server: TestServer, extensions: string | undefined): Promise<{ client: WireClient; head: string }> {
    const socket = createConnection({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const client = new WireClient(socket);
    const lines = [
      `GET ${server.engine.opts.path}?EIO=4&transport=websocket HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    return { client, head: await client.#head() };
  }

  async #head(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end !== -1) {
        this.#headers = this.#buffer.subarray(0, end).toString('latin1');
        this.#buffer = this.#buffer.subarray(end + 4);
        return this.#headers;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The next whole frame from the server (unmasked, never fragmented by ws for these sizes). */
  async next(): Promise<RawFrame> {
    for (;;) {
      const frame = this.#take();
      if (frame !== undefined) return frame;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #take(): RawFrame | undefined {
    const b = this.#buffer;
    if (b.length < 2) return undefined;
    let length = (b[1] ?? 0) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (b.length < offset + length) return undefined;
    const first = b[0] ?? 0;
    this.#buffer = b.subarray(offset + length);
    return { rsv1: (first & 0x40) !== 0, opcode: first & 0x0f, payload: b.subarray(offset, offset + length) };
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

const LARGE = '4' + 'compressible '.repeat(400);

describe('perMessageDeflate', () => {
  it('is off by default: no extension in the 101, no RSV1', async () => {
    const server = await started();
    const connected = nextConnection(server);
    const { client, head } = await WireClient.open(server, 'permessage-deflate; client_max_window_bits');
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head.toLowerCase()).not.toContain('sec-websocket-extensions');
    const socket = await connected;
    await client.next(); // open packet
    socket.send(LARGE.slice(1));
    const frame = await client.next();
    expect(frame.rsv1).toBe(false);
    expect(frame.payload.toString('utf8')).toBe(LARGE);
    client.destroy();
  });

  it('is negotiated when on; large frames are compressed unless sent with compress:false', async () => {
    const server = await started({ perMessageDeflate: true });
    const connected = nextConnection(server);
    const { client, head } = await WireClient.open(server, 'permessage-deflate; client_max_window_bits');
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head.toLowerCase()).toMatch(/sec-websocket-extensions: permessage-deflate/);
    const socket = await connected;
    // ws applies the threshold only with no_context_takeover: with the shared window it compresses
    // every frame, the open packet included.
    await client.next();
    socket.send(LARGE.slice(1));
    const compressed = await client.next();
    expect(compressed.rsv1).toBe(true);
    expect(compressed.payload.length).toBeLessThan(LARGE.length);
    socket.send(LARGE.slice(1), { compress: false });
    const plain = await client.next();
    expect(plain.rsv1).toBe(false);
    expect(plain.payload.toString('utf8')).toBe(LARGE);
    client.destroy();
  });

  it('takes ws options: the 1024-byte threshold with server_no_context_takeover', async () => {
    const server = await started({ perMessageDeflate: { serverNoContextTakeover: true } });
    const connected = nextConnection(server);
    const { client, head } = await WireClient.open(server, 'permessage-deflate');
    expect(head).toContain('server_no_context_takeover');
    const socket = await connected;
    expect((await client.next()).rsv1).toBe(false);
    socket.send('small');
    expect((await client.next()).rsv1).toBe(false);
    socket.send(LARGE.slice(1));
    expect((await client.next()).rsv1).toBe(true);
    socket.send(LARGE.slice(1), { compress: false });
    expect((await client.next()).rsv1).toBe(false);
    client.destroy();
  });

  it('works end to end with a ws client that has perMessageDeflate on', async () => {
    const server = await started({ perMessageDeflate: true });
    const connected = nextConnection(server);
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    expect(ws.ws.extensions).toContain('permessage-deflate');
    const socket = await connected;
    expect(String(await ws.next())[0]).toBe('0');
    socket.send(LARGE.slice(1));
    socket.send(LARGE.slice(1), { compress: false });
    expect(await ws.next()).toBe(LARGE);
    expect(await ws.next()).toBe(LARGE);
    const received = new Promise<unknown>((resolve) => socket.once('message', resolve));
    ws.send(LARGE);
    expect(await received).toBe(LARGE.slice(1));
    ws.ws.close();
    await ws.closed;
  });
});
