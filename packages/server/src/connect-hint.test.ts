// The handshake's `sbconnect` parameter: Switchback's client names the namespace whose CONNECT (without
// payload) it writes first, and the server connects it with the handshake; that CONNECT then arrives as
// an echo and is dropped.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioc } from '@switchback/client';
import type { EnginePacket } from '@switchback/protocol';
import { PacketType } from '@switchback/protocol';
import type { EngineSocket } from './engine/index.js';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import { flush, openFakeSession } from './test-support.js';

const WS = '/socket.io/?EIO=4&transport=websocket';

const servers: Server[] = [];
afterEach(async () => {
  for (const io of servers.splice(0)) await io.close();
});

function server(): Server {
  const io = new Server();
  servers.push(io);
  return io;
}

describe('sbconnect (server, fake engine sessions)', () => {
  it('connects the named namespace before any CONNECT arrives, and drops the echo', async () => {
    const io = server();
    const connected: Socket[] = [];
    io.on('connection', (socket) => connected.push(socket));
    const conn = openFakeSession(io, `${WS}&sbconnect=%2F`);
    await flush();
    expect(connected).toHaveLength(1);
    expect(connected[0]?.handshake.auth).toEqual({});
    expect(conn.packets).toEqual([{ type: PacketType.CONNECT, nsp: '/', data: { sid: connected[0]?.id } }]);

    conn.receive('0'); // the client's own CONNECT, written when its WebSocket opened
    conn.receive('2["ping"]');
    const pinged = new Promise<void>((resolve) => connected[0]?.on('ping', () => resolve()));
    await pinged;
    expect(connected).toHaveLength(1);
    expect(conn.readyState).toBe('open');
    expect(conn.packets).toHaveLength(1);
  });

  it('a namespace other than "/" and one the server refuses', async () => {
    const io = server();
    const chat: Socket[] = [];
    io.of('/chat').on('connection', (socket) => chat.push(socket));
    const ok = openFakeSession(io, `${WS}&sbconnect=%2Fchat`);
    const unknown = openFakeSession(io, `${WS}&sbconnect=%2Fnope`);
    await flush();
    expect(chat).toHaveLength(1);
    expect(ok.packets).toEqual([{ type: PacketType.CONNECT, nsp: '/chat', data: { sid: chat[0]?.id } }]);
    expect(unknown.packets).toEqual([{ type: PacketType.CONNECT_ERROR, nsp: '/nope', data: { message: 'Invalid namespace' } }]);
    // The echo of the refused CONNECT is dropped too: one answer, not two.
    unknown.receive('0/nope,');
    await flush();
    expect(unknown.packets).toHaveLength(1);
    expect(unknown.readyState).toBe('open');
  });

  it('middleware sees the hinted connect without auth; its refusal is answered once', async () => {
    const io = server();
    const seen: unknown[] = [];
    io.use((socket, next) => {
      seen.push(socket.handshake.auth);
      next(new Error('no token'));
    });
    const conn = openFakeSession(io, `${WS}&sbconnect=%2F`);
    await flush();
    conn.receive('0');
    await flush();
    expect(seen).toEqual([{}]);
    expect(conn.packets).toEqual([{ type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'no token' } }]);
  });

  it('runs after the app\'s own engine "connection" listeners', async () => {
    const io = server();
    const order: string[] = [];
    io.engine.on('connection', () => order.push('engine connection'));
    io.on('connection', () => order.push('namespace connection'));
    openFakeSession(io, `${WS}&sbconnect=%2F`);
    await flush();
    expect(order).toEqual(['engine connection', 'namespace connection']);
  });

  it('a CONNECT with payload is not taken for the echo: it is a second CONNECT, which closes the session', async () => {
    const io = server();
    const conn = openFakeSession(io, `${WS}&sbconnect=%2F`);
    await flush();
    conn.receive('0{"token":"t"}');
    await flush();
    expect(conn.readyState).toBe('closed');
  });

  it('reads the parameter as URLSearchParams does: first occurrence, any position, + and % decoded', async () => {
    const io = server();
    const seen: string[] = [];
    for (const name of ['/', '/a b', '/é', '/x', '/y']) io.of(name).on('connection', (socket) => seen.push(socket.nsp.name));
    const urls = [
      '/socket.io/?sbconnect=%2F&EIO=4&transport=websocket', // first in the query
      `${WS}&sbconnect=%2Fa+b`, // '+' is a space
      `${WS}&sbconnect=/%C3%A9&t=1`, // unencoded slash, UTF-8 escapes, a parameter after it
      `${WS}&xsbconnect=%2Fy&sbconnect=%2Fx&sbconnect=%2Fy`, // another name ending in it; the first one wins
      `${WS}&sbconnect=%2F%E0%A4%A`, // malformed escape: no hint
      `${WS}&xsbconnect=%2Fy`, // only a longer name
    ];
    const conns = urls.map((url) => openFakeSession(io, url));
    await flush();
    expect(seen).toEqual(['/', '/a b', '/é', '/x']);
    expect(conns.map((conn) => conn.packets.length)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('ignores names the wire format cannot carry, and sessions without the parameter', async () => {
    const io = server();
    const connected: Socket[] = [];
    io.on('connection', (socket) => connected.push(socket));
    const noSlash = openFakeSession(io, `${WS}&sbconnect=chat`);
    const comma = openFakeSession(io, `${WS}&sbconnect=%2Fa%2Cb`);
    const plain = openFakeSession(io, WS);
    await flush();
    expect(connected).toHaveLength(0);
    for (const conn of [noSlash, comma, plain]) expect(conn.packets).toEqual([]);
    // Without a hint, the client's CONNECT is handled as always.
    plain.receive('0');
    await flush();
    expect(connected).toHaveLength(1);
  });
});

describe('sbconnect (our client, a real WebSocket)', () => {
  it('the CONNECT answer leaves with the open packet, before the client\'s own CONNECT arrives', async () => {
    const http = createServer();
    const io = new Server(http);
    servers.push(io);
    const events: string[] = [];
    io.engine.on('connection', (conn: EngineSocket) => {
      events.push(`url ${conn.request.url ?? ''}`);
      conn.on('packet', (packet: EnginePacket) => events.push(`in ${String(packet.data ?? packet.type)}`));
      conn.on('flush', (packets: EnginePacket[]) => events.push(`out ${packets.map((p) => String(p.data ?? p.type)).join(' ')}`));
    });
    io.on('connection', (socket) => socket.emit('hello'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = ioc(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { forceNew: true, reconnection: false });
    await new Promise<void>((resolve) => client.on('hello', () => resolve()));
    // The client's CONNECT arrives when its WebSocket has opened; the answer was written before it.
    await new Promise<void>((resolve) => {
      const check = (): void => (events.includes('in 0') ? resolve() : void setImmediate(check));
      check();
    });
    const connectOut = events.findIndex((e) => e.startsWith('out ') && e.includes(' 0{"sid"'));
    expect(events[0]).toMatch(/&sbconnect=%2F(&|$)/);
    expect(connectOut).toBeGreaterThan(0);
    // The open packet, the CONNECT answer and the first event leave in one flush (one TCP write).
    expect(events[connectOut]).toMatch(/^out \{"sid":.* 0\{"sid":"[^"]+"\} 2\["hello"\]$/);
    expect(events.indexOf('in 0')).toBeGreaterThan(connectOut);
    expect(client.connected).toBe(true);
    client.disconnect();
  });
});
