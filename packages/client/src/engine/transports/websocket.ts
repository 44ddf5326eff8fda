import { decodeEnginePacket, encodeEnginePacket, isProtocolError } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { BaseTransport } from '../transport.js';
import type { TransportContext } from '../transport.js';
import type { WebSocketLike } from '../types.js';
import { openWebSocket, webSocketOpened } from '#websocket-constructor';

// Drain is observed, not faked: poll bufferedAmount with a growing delay until the socket has handed
// everything to the network.
const DRAIN_POLL_START_MS = 1;
const DRAIN_POLL_MAX_MS = 50;

function eventData(ev: unknown): unknown {
  return typeof ev === 'object' && ev !== null ? Reflect.get(ev, 'data') : undefined;
}

/**
 * engine.io-client's close details (`{ description, context }`, the documented shape apps read in
 * 'disconnect'), plus the close code and reason at hand.
 */
function closeDetails(ev: unknown): { description: string; context: unknown; code: unknown; reason: unknown } {
  const description = 'websocket connection closed';
  if (typeof ev !== 'object' || ev === null) return { description, context: ev, code: undefined, reason: undefined };
  return { description, context: ev, code: Reflect.get(ev, 'code'), reason: Reflect.get(ev, 'reason') };
}

function isFrameData(value: unknown): value is string | ArrayBuffer | ArrayBufferView {
  return typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** One WebSocket (native, injected, or the `ws` package), one Engine.IO packet per frame. */
export class WebSocketTransport extends BaseTransport {
  readonly name = 'websocket' as const;
  #ws: WebSocketLike | undefined;
  #writing = false;
  #drainTimer: unknown;
  #drainDelay = DRAIN_POLL_START_MS;

  get writable(): boolean {
    return this.state === 'open' && !this.#writing;
  }

  protected doOpen(): void {
    const Ctor = this.ctx.WebSocket;
    if (Ctor == null) {
      this.#failSoon(new Error('no WebSocket constructor'));
      return;
    }
    const wsBase = this.ctx.baseUrl.replace(/^http/, 'ws');
    const url = `${wsBase}?${this.buildQuery().toString()}`;
    let ws: WebSocketLike;
    try {
      ws = openWebSocket(Ctor, url, this.ctx);
    } catch (err) {
      // Invalid URL, CSP, or a mixed-content block throw synchronously in browsers.
      this.#failSoon(err);
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      webSocketOpened(ws, this.ctx.autoUnref);
      this.onOpen();
    };
    ws.onmessage = (ev: unknown) => this.#onFrame(eventData(ev));
    ws.onclose = (ev: unknown) => this.onClose('transport close', closeDetails(ev));
    ws.onerror = (ev: unknown) => {
      this.onError('WEBSOCKET_ERROR', 'websocket error', ev);
      this.onClose('transport error', ev);
    };
    this.#ws = ws;
  }

  #failSoon(cause: unknown): void {
    this.ctx.clock.setTimeout(() => {
      this.onError('WEBSOCKET_ERROR', 'websocket could not be created', cause);
      this.onClose('transport error', cause);
    }, 0);
  }

  #onFrame(data: unknown): void {
    if (!isFrameData(data)) return;
    const packet = decodeEnginePacket(data, 'arraybuffer');
    if (isProtocolError(packet)) {
      this.onError('PARSE_ERROR', `invalid frame: ${packet.message}`, packet);
      this.onClose('parse error', packet);
      return;
    }
    this.onPacket(packet);
  }

  protected doWrite(packets: readonly EnginePacket[]): void {
    const ws = this.#ws;
    if (ws === undefined) return;
    this.#writing = true;
    try {
      for (const packet of packets) ws.send(encodeEnginePacket(packet, true));
    } catch (err) {
      // Sending on a socket the browser already closed throws; onclose follows.
      this.#writing = false;
      this.onError('WEBSOCKET_ERROR', 'websocket send failed', err);
      this.onClose('transport error', err);
      return;
    }
    this.#drainDelay = DRAIN_POLL_START_MS;
    queueMicrotask(() => this.#checkDrain());
  }

  #checkDrain(): void {
    const ws = this.#ws;
    if (ws === undefined || this.state === 'closed') return;
    if (ws.bufferedAmount === 0) {
      this.#writing = false;
      this.emit('drain');
      return;
    }
    this.#drainTimer = this.ctx.clock.setTimeout(() => this.#checkDrain(), this.#drainDelay);
    this.#drainDelay = Math.min(this.#drainDelay * 2, DRAIN_POLL_MAX_MS);
  }

  protected doClose(): void {
    this.ctx.clock.clearTimeout(this.#drainTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws === undefined) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    // Keep a no-op error handler: ws emits 'error' for a socket closed while connecting, and an
    // unhandled one would crash Node.
    ws.onerror = () => {};
    try {
      ws.close();
    } catch {
      // already closing
    }
  }
}
