import type { RawData, WebSocket } from 'ws';
import { encodeEnginePacket } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { TransportError } from '../errors.js';
import { TransportBase } from '../transport.js';

/** How long a closing WebSocket may take for the close handshake before it is terminated. */
const CLOSE_GRACE_MS = 5_000;

/**
 * One `ws` socket, one packet per frame. Backpressure: `writable` stays false from a send() until the
 * last frame's write callback ran (the bytes left the ws queue), then 'drain' + 'ready' follow, so the
 * session buffers instead of piling frames into ws. `bufferedAmount` measures what is still queued.
 */
export class WebSocketTransport extends TransportBase {
  readonly name = 'websocket';
  readonly #ws: WebSocket;
  #writable = true;
  #closeTimer: NodeJS.Timeout | null = null;

  constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (this.readyState === 'closed') return;
      this.onData(isBinary ? rawToBuffer(data) : rawToBuffer(data).toString('utf8'));
    });
    ws.once('close', () => {
      if (this.#closeTimer !== null) clearTimeout(this.#closeTimer);
      this.onClose();
    });
    // ws emits 'error' for invalid or oversized frames, then closes the socket (1002/1009): report it.
    ws.on('error', (err: Error) => {
      this.onError(new TransportError('WEBSOCKET_ERROR', err.message, { cause: err }));
    });
  }

  get writable(): boolean {
    return this.#writable && this.readyState === 'open' && this.#ws.readyState === this.#ws.OPEN;
  }

  /** Bytes handed to ws and not yet written to the network. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(packets: readonly EnginePacket[], onSent?: () => void): void {
    if (packets.length === 0) return;
    this.#writable = false;
    packets.forEach((packet, index) => {
      const last = index === packets.length - 1;
      const frame = encodeEnginePacket(packet, true);
      this.#ws.send(frame, (err?: Error) => {
        if (err !== undefined && err !== null) {
          this.onError(new TransportError('WRITE_ERROR', 'write error', { cause: err }));
          return;
        }
        if (!last) return;
        this.#writable = true;
        onSent?.();
        this.emit('drain');
        this.emit('ready');
      });
    });
  }

  protected override doClose(onClosed: () => void): void {
    // A peer that never answers the close frame must not keep the socket (and this session) around.
    this.#closeTimer = setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS);
    this.#closeTimer.unref();
    this.#ws.close();
    onClosed();
  }

  /** Drops the connection at once (server shutdown, failed upgrade probe). */
  terminate(): void {
    this.#ws.terminate();
  }
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
