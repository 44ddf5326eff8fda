// The `ws` side of upgrades: the WebSocketServer (no http.Server of its own) and the headers of its 101.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import type { PerMessageDeflateOptions } from 'ws';
import type { WebSocketServerConstructor } from './options.js';

/**
 * A WebSocketServer (or the `wsEngine` class) for handleUpgrade(); `onHeaders` is its 'headers' hook
 * (lines of the 101 answer).
 */
export function createWebSocketServer(
  maxPayload: number,
  // Off by default: permessage-deflate costs ~300 KB per socket (socket.io#3477); engine.io also disables it.
  perMessageDeflate: PerMessageDeflateOptions | false,
  onHeaders: (lines: string[], req: IncomingMessage) => void,
  Engine: WebSocketServerConstructor = WebSocketServer,
): WebSocketServer {
  const wss = new Engine({
    noServer: true,
    clientTracking: false,
    maxPayload,
    perMessageDeflate,
  });
  wss.on('headers', onHeaders);
  return wss;
}

/** The headers middlewares set on an upgrade's stand-in response, as single strings. */
export function headersOf(res: ServerResponse | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res?.getHeaders() ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

export function wsOnIgnoredError(): void {
  // The transport (or the refusal path) decides what happens to the socket; see WebSocketTransport.
}
