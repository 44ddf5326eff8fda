import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to a connection that starts with an HTTP `Upgrade: websocket` request.
 * Connections that start with any other request (long polling) are always passed through untouched.
 *
 * - `pass`: a transparent proxy.
 * - `stall-after-101`: forwards the handshake and the `101`, then silently drops every later byte in both
 *   directions while keeping both sockets open (the TLS-inspecting proxy / antivirus case).
 * - `stall-after-frames`: like `stall-after-101`, but first lets `frames` server-to-client WebSocket frames
 *   through (the proxy that lets the handshake and the first frames pass, then stalls).
 */
export type ProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'stall-after-101' }
  | { readonly kind: 'stall-after-frames'; readonly frames: number };

export interface TcpProxy extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** How many WebSocket upgrade connections went through the proxy. */
  readonly upgrades: number;
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Counts complete server-to-client WebSocket frames in a byte stream (frames are unmasked). */
class FrameCounter {
  #pending: Buffer = Buffer.alloc(0);
  frames = 0;

  /** Returns how many bytes of `chunk` belong to the first `limit` frames (all of it if under the limit). */
  take(chunk: Buffer, limit: number): number {
    const start = this.#pending.length;
    this.#pending = Buffer.concat([this.#pending, chunk]);
    let offset = 0;
    while (this.frames < limit) {
      const size = frameSize(this.#pending, offset);
      if (size === undefined || offset + size > this.#pending.length) break;
      offset += size;
      this.frames += 1;
    }
    if (this.frames < limit) return chunk.length;
    return Math.max(0, offset - start);
  }
}

function frameSize(buf: Buffer, offset: number): number | undefined {
  if (buf.length < offset + 2) return undefined;
  const second = buf[offset + 1] ?? 0;
  const masked = (second & 0x80) !== 0;
  let length = second & 0x7f;
  let header = 2;
  if (length === 126) {
    if (buf.length < offset + 4) return undefined;
    length = buf.readUInt16BE(offset + 2);
    header = 4;
  } else if (length === 127) {
    if (buf.length < offset + 10) return undefined;
    length = Number(buf.readBigUInt64BE(offset + 2));
    header = 10;
  }
  return header + (masked ? 4 : 0) + length;
}

/** Starts a TCP proxy on 127.0.0.1 in front of `target`; stop it with `close()` or `await using`. */
export async function startTcpProxy(targetPort: number, mode: ProxyMode): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let upgrades = 0;

  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(upstream);
    const destroyBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', destroyBoth).on('error', destroyBoth);
    upstream.on('close', destroyBoth).on('error', destroyBoth);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));

    let head = Buffer.alloc(0);
    let decided = false;
    let piped = false;
    let stalled = false;
    const counter = new FrameCounter();
    let sawSwitchingProtocols = false;

    client.on('data', (chunk: Buffer) => {
      if (stalled || piped) return;
      if (!decided) {
        head = Buffer.concat([head, chunk]);
        if (head.indexOf(HEADER_END) === -1) return;
        decided = true;
        const isUpgrade = /^upgrade:\s*websocket/im.test(head.toString('latin1'));
        if (isUpgrade) upgrades += 1;
        if (!isUpgrade || mode.kind === 'pass') {
          // From here on the pipes carry everything; this listener only saw the head.
          piped = true;
          upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
          return;
        }
        upstream.write(head);
        upstream.on('data', (down: Buffer) => {
          if (stalled) return;
          let data = down;
          if (!sawSwitchingProtocols) {
            const end = data.indexOf(HEADER_END);
            if (end === -1) {
              client.write(data);
              return;
            }
            sawSwitchingProtocols = true;
            client.write(data.subarray(0, end + HEADER_END.length));
            data = data.subarray(end + HEADER_END.length);
          }
          const limit = mode.kind === 'stall-after-frames' ? mode.frames : 0;
          const passed = counter.take(data, limit);
          if (passed > 0) client.write(data.subarray(0, passed));
          if (counter.frames >= limit) stalled = true;
        });
        return;
      }
      // Client-to-server bytes after the handshake pass until the stall begins.
      upstream.write(chunk);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
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
