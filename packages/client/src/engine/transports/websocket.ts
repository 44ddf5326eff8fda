import { decodeEnginePacket, encodeEnginePacket, isProtocolError } from '@switchback/protocol';
import { engineError } from '../errors.js';
import { transportUrl } from '../transport.js';
import type { Driver, EngineTransport, TransportContext } from '../transport.js';
import type { WebSocketConstructorLike, WebSocketLike } from '../types.js';
import { openWebSocket, sendFrame, webSocketOpened } from '#websocket-constructor';

/** One WebSocket (native, injected, or the `ws` package), one Engine.IO packet per frame. */
export function webSocketDriver(transport: EngineTransport, ctx: TransportContext): Driver {
  const { opts, clock } = ctx;
  let ws: WebSocketLike | undefined;
  let writing = false;
  let drainTimer: unknown;
  // The close's description is the error itself (its `cause` the platform's event), as engine.io-client's.
  const fail = (cause: unknown): void => {
    const err = engineError('WEBSOCKET_ERROR', 'websocket', cause);
    transport.ended('transport error', err, err);
  };
  return {
    open() {
      let socket: WebSocketLike;
      try {
        socket = openWebSocket(ctx.WebSocket as WebSocketConstructorLike, transportUrl(transport, ctx), opts);
      } catch (err) {
        // Invalid URL, CSP, or a mixed-content block throw synchronously in browsers.
        clock.setTimeout(() => fail(err), 0);
        return;
      }
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => {
        webSocketOpened(socket, opts);
        transport.opened();
      };
      socket.onmessage = ({ data }: { data: unknown }) => {
        if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) return;
        const packet = decodeEnginePacket(data, 'arraybuffer');
        if (!isProtocolError(packet)) transport.emit('packet', packet);
        else transport.ended('parse error', packet, engineError('PARSE_ERROR', 'websocket', packet));
      };
      // engine.io-client's close details (`{ description, context }`, which apps read in 'disconnect').
      socket.onclose = (ev: { code?: unknown; reason?: unknown }) =>
        transport.ended('transport close', { description: 'websocket connection closed', context: ev, code: ev.code, reason: ev.reason });
      socket.onerror = fail;
      ws = socket;
    },
    write(packets) {
      const socket = ws;
      if (!socket) return;
      writing = true;
      try {
        for (const packet of packets) {
          const frame = encodeEnginePacket(packet, !opts.forceBase64);
          sendFrame(socket, frame, (packet as { options?: { compress?: boolean } }).options?.compress !== false, opts);
        }
      } catch (err) {
        // Sending on a socket the browser already closed throws; onclose follows.
        writing = false;
        return fail(err);
      }
      // Drain is observed, not faked: poll bufferedAmount with a growing delay (1 → 50 ms) until the
      // socket has handed everything to the network.
      let delay = 1;
      const check = (): void => {
        if (ws !== socket) return;
        if (socket.bufferedAmount > 0) {
          drainTimer = clock.setTimeout(check, delay);
          delay = Math.min(delay * 2, 50);
          return;
        }
        writing = false;
        transport.emit('drain');
      };
      queueMicrotask(check);
    },
    busy: () => writing,
    socket: () => ws,
    close() {
      clock.clearTimeout(drainTimer);
      const socket = ws;
      ws = undefined;
      if (!socket) return;
      socket.onopen = socket.onmessage = socket.onclose = null;
      // Keep a no-op error handler: ws emits 'error' for a socket closed while connecting, and an
      // unhandled one would crash Node.
      socket.onerror = () => {};
      try {
        socket.close();
      } catch {
        // already closing
      }
    },
  };
}
