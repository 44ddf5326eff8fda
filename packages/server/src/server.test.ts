import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import { PacketType } from '@switchback/protocol';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import { flush, openFakeSession, useServers } from './test-support.js';

const makeServer = useServers();

afterEach(() => {
  vi.useRealTimers();
});

describe('Server: connecting', () => {
  it('answers CONNECT with the socket id and emits connection with handshake data', async () => {
    const io = makeServer();
    const connected = new Promise<Socket>((resolve) => io.on('connection', resolve));
    const conn = openFakeSession(io, '/socket.io/?EIO=4&transport=polling&foo=bar', { origin: 'http://x' });
    conn.receive('0{"token":"abc"}');
    const socket = await connected;
    expect(conn.frames).toEqual([`0{"sid":"${socket.id}"}`]);
    expect(socket.handshake.auth).toEqual({ token: 'abc' });
    expect(socket.handshake.query['foo']).toBe('bar');
    expect(socket.handshake.xdomain).toBe(true);
    expect(socket.handshake.address).toBe('127.0.0.1');
    expect(socket.rooms).toEqual(new Set([socket.id]));
    expect(socket.connected).toBe(true);
    expect(socket.conn).toBe(conn);
    expect(io.sockets.sockets.get(socket.id)).toBe(socket);
    expect(socket.id).not.toBe(conn.id);
  });

  it('builds handshake.query as querystring.parse does (null prototype, repeated keys as arrays)', async () => {
    const io = makeServer();
    const connected = new Promise<Socket>((resolve) => io.on('connection', resolve));
    const conn = openFakeSession(io, '/socket.io/?EIO=4&transport=polling&a=1&b=x%20y&a=2');
    conn.receive('0');
    const { query } = (await connected).handshake;
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(Object.entries(query)).toEqual([
      ['EIO', '4'],
      ['transport', 'polling'],
      ['a', ['1', '2']],
      ['b', 'x y'],
    ]);
  });

  it('refuses an unknown namespace with "Invalid namespace"', async () => {
    const io = makeServer();
    const conn = openFakeSession(io);
    conn.receive('0/random,');
    await flush();
    expect(conn.frames).toEqual(['4/random,{"message":"Invalid namespace"}']);
    expect(conn.readyState).toBe('open');
  });

  it('sends a middleware error as CONNECT_ERROR with message and data', async () => {
    const io = makeServer();
    io.of('/admin').use((_socket, next) => {
      const err = Object.assign(new Error('not authorized'), { data: { reason: 'token' } });
      next(err);
    });
    const onConnection = vi.fn();
    io.of('/admin').on('connection', onConnection);
    const conn = openFakeSession(io);
    conn.receive('0/admin,{}');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT_ERROR);
    expect(conn.frames).toEqual(['4/admin,{"message":"not authorized","data":{"reason":"token"}}']);
    expect(onConnection).not.toHaveBeenCalled();
    expect(io.of('/admin').sockets.size).toBe(0);
  });

  it('runs async middleware in order and lets it set data and join rooms', async () => {
    const io = makeServer();
    const order: string[] = [];
    io.use((socket, next) => {
      order.push('a');
      setImmediate(() => {
        socket.data = { user: 'u1' };
        next();
      });
    });
    io.use((_socket, next) => {
      order.push('b');
      next();
    });
    const connected = new Promise<Socket>((resolve) => io.on('connection', resolve));
    openFakeSession(io).receive('0');
    const socket = await connected;
    expect(order).toEqual(['a', 'b']);
    expect(socket.data).toEqual({ user: 'u1' });
  });

  it('closes a session that sends no CONNECT within connectTimeout', () => {
    vi.useFakeTimers();
    const io = makeServer({ connectTimeout: 1000 });
    const conn = openFakeSession(io);
    vi.advanceTimersByTime(999);
    expect(conn.readyState).toBe('open');
    vi.advanceTimersByTime(1);
    expect(conn.readyState).toBe('closed');
  });

  it('keeps a session that connected before connectTimeout', async () => {
    const io = makeServer({ connectTimeout: 50 });
    const conn = openFakeSession(io);
    conn.receive('0');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(conn.readyState).toBe('open');
  });

  it('multiplexes namespaces over one session and emits new_namespace', async () => {
    const io = makeServer();
    const created: string[] = [];
    io.on('new_namespace', (nsp) => created.push(nsp.name));
    const chat = io.of('chat');
    expect(chat.name).toBe('/chat');
    expect(io.of('/chat')).toBe(chat);
    expect(created).toEqual(['/chat']);
    const conn = openFakeSession(io);
    conn.receive('0', '0/chat,');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT && p.nsp === '/chat');
    expect(io.sockets.sockets.size).toBe(1);
    expect(chat.sockets.size).toBe(1);
  });

  it('refuses a namespace name with a comma, which the wire format cannot carry, also under a RegExp parent', () => {
    const io = makeServer();
    io.of(/^\/a/);
    const created: string[] = [];
    io.on('new_namespace', (nsp) => created.push(nsp.name));
    for (const name of ['/a,b', 'a,b']) expect(() => io.of(name)).toThrow('invalid namespace "/a,b": must not contain a comma');
    expect(created).toEqual([]);
  });

  it('creates dynamic child namespaces from a RegExp, with the parent middleware and listeners', async () => {
    const io = makeServer();
    const parent = io.of(/^\/dyn-\d+$/);
    parent.use((socket, next) => {
      socket.data = { via: 'parent' };
      next();
    });
    const connected = new Promise<Socket>((resolve) => parent.on('connection', resolve));
    const conn = openFakeSession(io);
    conn.receive('0/dyn-42,');
    const socket = await connected;
    expect(socket.nsp.name).toBe('/dyn-42');
    expect(socket.data).toEqual({ via: 'parent' });
    parent.emit('hello');
    expect(conn.frames).toContain('2/dyn-42,["hello"]');
    conn.receive('0/dyn-x,');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT_ERROR);
    expect(conn.frames).toContain('4/dyn-x,{"message":"Invalid namespace"}');
  });

  it('accepts a function as a dynamic namespace matcher, given the auth payload', async () => {
    const io = makeServer();
    io.of((name, auth, next) => next(null, name === '/ok' && auth['k'] === 1));
    const conn = openFakeSession(io);
    conn.receive('0/ok,{"k":1}', '0/ko,{"k":1}');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT && p.nsp === '/ok');
    await conn.waitForPacket((p) => p.type === PacketType.CONNECT_ERROR && p.nsp === '/ko');
  });

  it('closes the session on a packet for a namespace it did not join', async () => {
    const io = makeServer();
    const conn = openFakeSession(io);
    conn.receive('2/nope,["x"]');
    expect(conn.readyState).toBe('closed');
  });

  it('close() disconnects sockets with "server shutting down" and calls back', async () => {
    const io = new Server();
    const connected = new Promise<Socket>((resolve) => io.on('connection', resolve));
    const conn = openFakeSession(io);
    conn.receive('0');
    const socket = await connected;
    const reasons: string[] = [];
    socket.on('disconnecting', (r) => reasons.push(`ing:${r}`));
    socket.on('disconnect', (r) => reasons.push(r));
    const done = vi.fn();
    await io.close(done);
    expect(reasons).toEqual(['ing:server shutting down', 'server shutting down']);
    expect(done).toHaveBeenCalledOnce();
  });

  it('throws when given an Express request handler', () => {
    const io = makeServer();
    expect(() => io.attach((() => undefined) as never)).toThrow(/express request handler/);
  });

  it('has socket.io option getters and defaults', () => {
    const io = makeServer();
    expect(io.path()).toBe('/socket.io');
    expect(io.connectTimeout()).toBe(45000);
    expect(io.serveClient()).toBe(true);
    expect(makeServer({ serveClient: false }).serveClient()).toBe(false);
    expect(io.engine.opts.path).toBe('/socket.io/');
    const custom = makeServer({ path: '/rt/', pingInterval: 1234 });
    expect(custom.engine.opts.path).toBe('/rt/');
    expect(custom.engine.opts.pingInterval).toBe(1234);
    expect(custom.eio).toBe(custom.engine);
  });

  it('merges the options given to attach() over the constructor ones', () => {
    const io = makeServer({ pingTimeout: 6000 });
    const http = createServer();
    io.attach(http, { pingInterval: 24000 });
    expect(io.eio.opts.pingTimeout).toBe(6000);
    expect(io.eio.opts.pingInterval).toBe(24000);
    io.close();
  });

  it('accepts an adapter factory (arrow function) as well as a class', async () => {
    const { InMemoryAdapter } = await import('./adapter.js');
    const made: string[] = [];
    const io = makeServer({
      adapter: (nsp) => {
        made.push(nsp.name);
        return new InMemoryAdapter(nsp);
      },
    });
    io.of('/x');
    expect(made).toEqual(['/', '/x']);
    expect(io.of('/x').adapter).toBeInstanceOf(InMemoryAdapter);
  });
});
