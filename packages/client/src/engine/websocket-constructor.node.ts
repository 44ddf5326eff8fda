import type { WebSocketConstructorLike } from './types.js';

function isConstructor(value: unknown): value is WebSocketConstructorLike {
  return typeof value === 'function';
}

let cached: Promise<WebSocketConstructorLike | undefined> | undefined;

/**
 * Node build: the global WebSocket when present (Node 22+, or --experimental-websocket), else the
 * optional `ws` peer dependency, else undefined (the engine then uses long polling).
 */
export async function defaultWebSocket(): Promise<WebSocketConstructorLike | undefined> {
  const global: unknown = Reflect.get(globalThis, 'WebSocket');
  if (isConstructor(global)) return global;
  cached ??= loadWs();
  return cached;
}

async function loadWs(): Promise<WebSocketConstructorLike | undefined> {
  try {
    const mod: unknown = await import('ws');
    if (typeof mod !== 'object' || mod === null) return undefined;
    const ctor: unknown = Reflect.get(mod, 'default') ?? Reflect.get(mod, 'WebSocket');
    return isConstructor(ctor) ? ctor : undefined;
  } catch {
    return undefined;
  }
}
