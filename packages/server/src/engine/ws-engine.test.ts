// The wsEngine option (engine.io's): the WebSocket side is the given class with ws's WebSocketServer API.
import { WebSocketServer } from 'ws';
import type { ServerOptions as WsServerOptions } from 'ws';
import { describe, expect, it } from 'vitest';
import { RawWebSocket, nextConnection, useTestServers, wsUrl } from './test-helpers.js';

const { started } = useTestServers();

describe('the wsEngine option', () => {
  it('builds the WebSocket server from the given class, with our options, and sessions run on it', async () => {
    const made: WsServerOptions[] = [];
    let upgrades = 0;
    class CountingServer extends WebSocketServer {
      constructor(options: WsServerOptions) {
        super(options);
        made.push(options);
      }
      override handleUpgrade(...args: Parameters<WebSocketServer['handleUpgrade']>): void {
        upgrades += 1;
        super.handleUpgrade(...args);
      }
    }
    const server = await started({ wsEngine: CountingServer, maxHttpBufferSize: 5000 });
    expect(made).toEqual([expect.objectContaining({ noServer: true, maxPayload: 5000, perMessageDeflate: false })]);

    const connection = nextConnection(server);
    const ws = await RawWebSocket.open(wsUrl(server, 'EIO=4&transport=websocket'));
    const socket = await connection;
    expect(String(await ws.next())[0]).toBe('0');
    const message = new Promise<unknown>((resolve) => socket.once('message', resolve));
    ws.send('4hello');
    expect(await message).toBe('hello');
    socket.send('back');
    expect(await ws.next()).toBe('4back');
    expect(upgrades).toBe(1);
    expect(socket.transport.name).toBe('websocket');
    ws.ws.close();
  });
});
