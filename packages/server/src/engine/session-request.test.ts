// What a session keeps of its handshake request (compactRequest), and the heartbeat of a session that
// is closing: both changed when the per-session heap was cut.
import { describe, expect, it } from 'vitest';
import { IncomingMessage } from 'node:http';
import { RawWebSocket, handshake, nextConnection, useTestServers, waitUntil, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

const { started, defer } = useTestServers();

/** A middleware that marks the request the way express-session or passport do. */
function markingMiddleware(server: TestServer, seen: IncomingMessage[]): void {
  server.engine.use((req, _res, next) => {
    seen.push(req);
    Reflect.set(req, 'session', { user: 'ann' });
    next();
  });
}

describe('socket.request after the handshake', () => {
  it.each(['polling', 'websocket'] as const)('keeps what apps read, over %s', async (transport) => {
    const server = await started();
    const seen: IncomingMessage[] = [];
    markingMiddleware(server, seen);
    const connected = nextConnection(server);
    const query = `EIO=4&transport=${transport}&token=t1`;
    if (transport === 'polling') {
      await handshake(server, query);
    } else {
      const ws = await RawWebSocket.open(wsUrl(server, query));
      defer(async () => ws.ws.terminate());
    }
    const socket = await connected;
    const req = socket.request;
    const original = seen[0];
    expect(original).toBeDefined();
    expect(req).toBeInstanceOf(IncomingMessage);
    expect(req.method).toBe('GET');
    expect(req.url).toBe(original?.url);
    expect(req.url).toContain('token=t1');
    expect(req.httpVersion).toBe('1.1');
    // Equal, not the same object: the copy builds its headers again from rawHeaders when read.
    expect(req.headers).toEqual(original?.headers);
    expect(req.headers).toBe(req.headers);
    expect(req.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(req.rawHeaders).toEqual(original?.rawHeaders);
    expect(req.socket).toBe(original?.socket);
    expect(req.connection.remoteAddress).toBe('127.0.0.1');
    expect(Reflect.get(req, 'session')).toEqual({ user: 'ann' });
    expect(Reflect.get(req, '_query')).toMatchObject({ EIO: '4', transport, token: 't1' });
    expect(req.trailers).toEqual({});
    // The stream state of the handshake is not kept.
    expect(Reflect.has(req, '_readableState')).toBe(false);
    // Listeners can still be added (nothing emits on it any more).
    expect(() => req.on('close', () => {})).not.toThrow();
  });

  it('keeps headers a middleware changed', async () => {
    const server = await started();
    server.engine.use((req, _res, next) => {
      req.headers['x-user'] = 'ann';
      next();
    });
    const connected = nextConnection(server);
    await handshake(server);
    const socket = await connected;
    expect(socket.request.headers['x-user']).toBe('ann');
    expect(socket.request.headers.host).toBe(`127.0.0.1:${server.port}`);
  });
});

describe('heartbeat of a closing session', () => {
  it('still times out when the GET that should carry the close packet never comes', async () => {
    const server = await started({ pingInterval: 30, pingTimeout: 30 });
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const closed = new Promise<string>((resolve) => socket.once('close', (reason) => resolve(reason)));
    // No GET is held: a graceful close waits for the next one, which this client never sends.
    socket.close();
    expect(socket.readyState).toBe('closing');
    expect(await closed).toBe('ping timeout');
    await waitUntil(() => !server.engine.clients.has(sid));
  });
});
