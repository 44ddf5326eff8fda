import type { WebSocketConstructorLike } from './types.js';

function isConstructor(value: unknown): value is WebSocketConstructorLike {
  return typeof value === 'function';
}

/** Browser build: the global WebSocket, if the environment has one. */
export async function defaultWebSocket(): Promise<WebSocketConstructorLike | undefined> {
  const candidate: unknown = Reflect.get(globalThis, 'WebSocket');
  return isConstructor(candidate) ? candidate : undefined;
}
