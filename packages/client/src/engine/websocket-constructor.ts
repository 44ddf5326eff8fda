import type { WebSocketConstructorLike, WebSocketLike } from './types.js';

function isConstructor(value: unknown): value is WebSocketConstructorLike {
  return typeof value === 'function';
}

/** Browser build: the global WebSocket, if the environment has one. */
export async function defaultWebSocket(): Promise<WebSocketConstructorLike | undefined> {
  const candidate: unknown = Reflect.get(globalThis, 'WebSocket');
  return isConstructor(candidate) ? candidate : undefined;
}

/** What the Node build passes to `ws`; a browser WebSocket takes neither headers nor an agent. */
export interface WebSocketExtras {
  readonly extraHeaders: Readonly<Record<string, string>> | undefined;
  readonly agent: unknown;
}

/** Browser build: a plain `new WebSocket(url)` (engine.io-client's browser transport does the same). */
export function openWebSocket(Ctor: WebSocketConstructorLike, url: string, _extras: WebSocketExtras): WebSocketLike {
  return new Ctor(url);
}

/** Browser build: nothing to do once a WebSocket opened (Node unrefs its socket for `autoUnref`). */
export function webSocketOpened(_ws: WebSocketLike, _autoUnref: boolean): void {}
