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

  it('gives every session its own rawHeaders, also when clients sent the same headers', async () => {
    const server = await started();
    const sessions = [];
    for (let i = 0; i < 2; i += 1) {
      const connected = nextConnection(server);
      await handshake(server);
      sessions.push(await connected);
    }
    const [a, b] = sessions.map((socket) => socket.request);
    if (a === undefined || b === undefined) throw new Error('two sessions');
    expect(a.rawHeaders).toEqual(b.rawHeaders);
    expect(a.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(a.rawHeaders).not.toBe(b.rawHeaders);
    expect(Object.isFrozen(a.rawHeaders)).toBe(false);
    a.rawHeaders.push('X-Late', 'yes');
    expect(b.rawHeaders).not.toContain('X-Late');
    // A third session from the same kind of client gets the list as the client sent it.
    const connected = nextConnection(server);
    await handshake(server);
    expect((await connected).request.rawHeaders).toEqual(b.rawHeaders);
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

describe('listeners of sessions that share the empty listener table', () => {
  it('on, once and addListener give a session its own table; other sessions hear nothing', async () => {
    const server = await started();
    const sessions = [];
    for (let i = 0; i < 3; i += 1) {
      const connected = nextConnection(server);
      await handshake(server);
      sessions.push(await connected);
    }
    const [a, b, c] = sessions;
    if (a === undefined || b === undefined || c === undefined) throw new Error('three sessions');
    const heard: string[] = [];
    a.on('heartbeat', () => heard.push('a on'));
    b.once('heartbeat', () => heard.push('b once'));
    c.addListener('heartbeat', () => heard.push('c addListener'));
    expect([a, b, c].map((s) => s.listenerCount('heartbeat'))).toEqual([1, 1, 1]);
    a.emit('heartbeat');
    b.emit('heartbeat');
    b.emit('heartbeat');
    expect(heard).toEqual(['a on', 'b once']);
    expect(b.listenerCount('heartbeat')).toBe(0);
    a.removeAllListeners();
    expect(a.eventNames()).toEqual([]);
    a.on('heartbeat', () => heard.push('a again'));
    a.emit('heartbeat');
    expect(heard).toEqual(['a on', 'b once', 'a again']);
    // A session nobody listened to: reading and removing work on the shared table.
    const connected = nextConnection(server);
    await handshake(server);
    const idle = await connected;
    expect(idle.eventNames()).toEqual([]);
    expect(idle.emit('heartbeat')).toBe(false);
    expect(() => idle.off('heartbeat').removeAllListeners('heartbeat')).not.toThrow();
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
