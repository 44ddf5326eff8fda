// What the Node client puts in its WebSocket handshake, seen by a real server on 127.0.0.1: the
// subprotocols and the permessage-deflate offer (engine.io-client's `protocols` and `perMessageDeflate`).
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useServers } from '../helpers/servers.js';

describe('the WebSocket handshake of the Node client', () => {
  const { clients, start } = useServers();

  async function handshakeHeaders(options: Parameters<typeof clients.connect>[1]): Promise<IncomingHttpHeaders> {
    const server = await start();
    const seen = new Promise<IncomingHttpHeaders>((resolve) => server.io.on('connection', (socket) => resolve(socket.request.headers)));
    const socket = await clients.connect(server.url, { transports: ['websocket'], ...options });
    expect(socket.io.engine.transport.name).toBe('websocket');
    return seen;
  }

  it('offers the `protocols` given, and connects with the one the server picks', async () => {
    const headers = await handshakeHeaders({ protocols: ['chat.v1', 'token.abc'] });
    expect(headers['sec-websocket-protocol']).toBe('chat.v1,token.abc');
    const single = await handshakeHeaders({ protocols: 'only.one' });
    expect(single['sec-websocket-protocol']).toBe('only.one');
    const none = await handshakeHeaders({});
    expect(none['sec-websocket-protocol']).toBeUndefined();
  });

  it('offers permessage-deflate as ws does by default, and not with perMessageDeflate: false', async () => {
    expect((await handshakeHeaders({}))['sec-websocket-extensions']).toContain('permessage-deflate');
    expect((await handshakeHeaders({ perMessageDeflate: false }))['sec-websocket-extensions']).toBeUndefined();
  });
});
