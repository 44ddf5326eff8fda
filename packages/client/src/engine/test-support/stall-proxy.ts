// Test-only helper: a TCP proxy that behaves like the middleboxes of engine.io#123 and phoenix#6766.
// Plain HTTP (long polling) passes through untouched. On a connection whose response is a
// `101 Switching Protocols`, it forwards the 101 (and optionally the first N server frames, e.g. the
// Engine.IO open packet) and then silently drops every further byte in both directions, keeping the
// TCP connection open: the client sees an open WebSocket that never delivers anything.
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface StallProxyOptions {
  readonly targetPort: number;
  readonly targetHost?: string;
  /** Server→client WebSocket frames to let through after the 101 before stalling. Default 0. */
  readonly passServerFrames?: number;
}

export interface StallProxy extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** How many connections were upgraded (and then stalled). */
  readonly upgrades: number;
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Length of the first complete unmasked WebSocket frame in `buf`, or undefined if incomplete. */
function frameLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const second = buf[1] ?? 0;
  const masked = (second & 0x80) !== 0;
  let len = second & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const total = offset + (masked ? 4 : 0) + len;
  return buf.length >= total ? total : undefined;
}

export async function startStallProxy(options: StallProxyOptions): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  let upgrades = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const server = createServer((client) => {
    track(client);
    const upstream = connect(options.targetPort, options.targetHost ?? '127.0.0.1');
    track(upstream);
    let stalled = false;
    let upgraded = false;
    let framesLeft = options.passServerFrames ?? 0;
    let pending = Buffer.alloc(0);

    client.on('data', (chunk) => {
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (!upgraded) {
        const head = chunk.subarray(0, 12).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) {
          client.write(chunk);
          return;
        }
        upgraded = true;
        upgrades++;
        const end = chunk.indexOf(HEADER_END);
        const headerBytes = end === -1 ? chunk.length : end + HEADER_END.length;
        client.write(chunk.subarray(0, headerBytes));
        chunk = chunk.subarray(headerBytes);
        if (framesLeft === 0) {
          stalled = true;
          return;
        }
      }
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (framesLeft === 0) {
          stalled = true;
          return;
        }
        const len = frameLength(pending);
        if (len === undefined) return;
        client.write(pending.subarray(0, len));
        pending = pending.subarray(len);
        framesLeft--;
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      // Keep the client side open after stalling: that is the whole point of this proxy.
      if (!stalled) client.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get upgrades() {
      return upgrades;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
