import { describe, expectTypeOf, it } from 'vitest';
import type { WebSocket as WsWebSocket } from 'ws';
import type { Socket } from './socket.js';
import type { Transport, WebSocketConstructorLike } from './types.js';

describe('public types', () => {
  it('accepts the DOM WebSocket and the ws package as constructors', () => {
    expectTypeOf<typeof globalThis.WebSocket>().toExtend<WebSocketConstructorLike>();
    expectTypeOf<typeof WsWebSocket>().toExtend<WebSocketConstructorLike>();
  });

  it('types events at compile time', () => {
    type On = Socket['on'];
    expectTypeOf<Parameters<On>[0]>().toEqualTypeOf<
      'open' | 'handshake' | 'packet' | 'packetCreate' | 'message' | 'data' | 'close' | 'error' | 'upgrade' | 'upgradeError' | 'upgrading' | 'drain' | 'flush' | 'heartbeat' | 'ping' | 'stateChange'
    >();
    expectTypeOf<Socket['transport']>().toEqualTypeOf<Transport>();
    expectTypeOf<Socket['readyState']>().toEqualTypeOf<'opening' | 'open' | 'closing' | 'closed'>();
  });
});
