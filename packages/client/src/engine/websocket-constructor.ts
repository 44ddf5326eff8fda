import type { Clock, TlsOptions, WebSocketConstructorLike, WebSocketLike } from './types.js';

/** What the WebSocket is opened with: a browser's takes only the subprotocols; the Node build passes the rest to `ws`. */
export interface WebSocketExtras extends TlsOptions {
  readonly protocols?: string | string[] | undefined;
  readonly extraHeaders?: Readonly<Record<string, string>> | undefined;
  readonly agent?: unknown;
  readonly perMessageDeflate?: boolean | Record<string, unknown> | undefined;
}

/**
 * Browser build: the global WebSocket, if the environment has one. Synchronous (the Node build may
 * return a promise the first time) so the WebSocket is constructed within `new Socket()`.
 */
export function defaultWebSocket(): WebSocketConstructorLike | undefined | Promise<WebSocketConstructorLike | undefined> {
  const candidate: unknown = Reflect.get(globalThis, 'WebSocket');
  return typeof candidate === 'function' ? (candidate as WebSocketConstructorLike) : undefined;
}

/** Browser build: `new WebSocket(url, protocols)`, as engine.io-client's browser transport. */
export function openWebSocket(Ctor: WebSocketConstructorLike, url: string, extras: WebSocketExtras): WebSocketLike {
  return new Ctor(url, extras.protocols);
}

/** Browser build: a browser's WebSocket has no per-message compression choice. */
export function sendFrame(ws: WebSocketLike, frame: string | ArrayBuffer | ArrayBufferView, _compress: boolean, _extras: WebSocketExtras): void {
  ws.send(frame);
}

/** Browser build: nothing to do once a WebSocket opened (Node unrefs its socket for `autoUnref`). */
export function webSocketOpened(_ws: WebSocketLike, _opts: { autoUnref?: boolean }): void {}

// The platform module (`#websocket-constructor`, selected by the `node` import condition) also holds the
// other Node-only pieces, so browser bundles carry neither Buffer handling nor timer unref'ing.

/** Browser build: binary messages are ArrayBuffers (engine.io-client's default there). */
export const defaultBinaryType: 'nodebuffer' | 'arraybuffer' = 'arraybuffer';

/** Browser build: there is no Buffer, so the bytes stay an ArrayBuffer whatever the socket's `binaryType` says. */
export function toBinaryType(data: ArrayBuffer, _socket: { binaryType: 'nodebuffer' | 'arraybuffer' }): ArrayBuffer | Uint8Array {
  return data;
}

/** Browser build: timers cannot keep a page alive; `autoUnref` changes nothing. */
export function unrefClock(clock: Clock, _opts: { autoUnref?: boolean }): Clock {
  return clock;
}

/** Browser build: a timer cannot keep a page alive; `autoUnref` changes nothing. */
export function unrefTimer(_timer: unknown, _opts: { autoUnref?: boolean }): void {}
