import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { defaultWebSocket, openWebSocket } from './websocket-constructor.node.js';
import type { WebSocketConstructorLike } from './types.js';

/** Stands for Node 22+'s global WebSocket (undici's): records how it was constructed. */
class GlobalWebSocket {
  static calls: unknown[][] = [];
  constructor(...args: unknown[]) {
    GlobalWebSocket.calls.push(args);
  }
}

const hadGlobal = Object.prototype.hasOwnProperty.call(globalThis, 'WebSocket');
const previous: unknown = Reflect.get(globalThis, 'WebSocket');
afterEach(() => {
  GlobalWebSocket.calls = [];
  if (hadGlobal) Reflect.set(globalThis, 'WebSocket', previous);
  else Reflect.deleteProperty(globalThis, 'WebSocket');
});

describe('the Node build picks ws, then the global WebSocket', () => {
  it('prefers the installed ws over a global WebSocket: its headers, agent and TLS options work', async () => {
    Reflect.set(globalThis, 'WebSocket', GlobalWebSocket);
    expect(await defaultWebSocket()).toBe(WsWebSocket);
    expect(defaultWebSocket()).toBe(WsWebSocket); // synchronous once looked up
  });

  it("passes extraHeaders to the global WebSocket in undici's init object", () => {
    Reflect.set(globalThis, 'WebSocket', GlobalWebSocket);
    const ctor = GlobalWebSocket as unknown as WebSocketConstructorLike;
    openWebSocket(ctor, 'ws://h/', { protocols: ['chat'], extraHeaders: { authorization: 'Bearer t' } });
    openWebSocket(ctor, 'ws://h/', { extraHeaders: { 'x-a': '1' } });
    openWebSocket(ctor, 'ws://h/', { protocols: 'chat' });
    expect(GlobalWebSocket.calls).toEqual([
      ['ws://h/', { protocols: ['chat'], headers: { authorization: 'Bearer t' } }],
      ['ws://h/', { protocols: [], headers: { 'x-a': '1' } }],
      ['ws://h/', 'chat'],
    ]);
  });

  it('gives ws (or any other constructor) the headers in its options argument', () => {
    class Other {
      static calls: unknown[][] = [];
      constructor(...args: unknown[]) {
        Other.calls.push(args);
      }
    }
    openWebSocket(Other as unknown as WebSocketConstructorLike, 'ws://h/', { extraHeaders: { 'x-a': '1' } });
    expect(Other.calls).toEqual([['ws://h/', [], { headers: { 'x-a': '1' } }]]);
  });
});
