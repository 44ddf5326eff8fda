// socket.io's memory tip: `io.engine.on('connection', (rawSocket) => { rawSocket.request = null; })`
// lets each session forget its first HTTP request. Apps (NestJS gateways among them) write it in strict
// ES modules, where assigning to a getter-only property throws: the session must take it, keep working
// on every transport and through the upgrade, and give socket.io's handshake stand-ins.
import type { Socket as ServerSocket } from '@switchback/server';
import { io as referenceIo } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { once, transportsFor, type TransportMode } from '../helpers/clients.js';
import { useServers } from '../helpers/servers.js';

const modes: TransportMode[] = ['websocket', 'polling', 'default'];

const expectedHandshake = { headers: {}, secure: true, xdomain: false, url: undefined, query: {}, address: '127.0.0.1' };

describe.each(modes)('rawSocket.request = null, our client over %s', (mode) => {
  const { clients, start } = useServers();

  it('connects, carries events both ways and upgrades; the handshake has no request parts', async () => {
    const server = await start();
    const raws: Array<{ request: unknown }> = [];
    server.io.engine.on('connection', (raw: { request: unknown }) => {
      raw.request = null;
      raws.push(raw);
    });
    const connected = once<[ServerSocket]>(server.io, 'connection');
    const client = await clients.connect(server.url, { ...transportsFor(mode), auth: { token: 't' } });
    const [socket] = await connected;
    expect(raws).toHaveLength(1);
    expect(raws[0]?.request).toBeNull();
    expect(socket.request).toBeNull();
    expect(socket.handshake).toMatchObject({ ...expectedHandshake, auth: { token: 't' } });
    socket.on('double', (n: number, ack: (value: number) => void) => ack(n * 2));
    await expect(client.timeout(2_000).emitWithAck('double', 21)).resolves.toBe(42);
    client.on('ask', (ack: (answer: string) => void) => ack('yes'));
    await expect(socket.timeout(2_000).emitWithAck('ask')).resolves.toBe('yes');
    if (mode === 'default') expect(client.io.engine.transport.name).toBe('websocket');
  });
});

describe('rawSocket.request = null, socket.io-client (its CONNECT after the handshake)', () => {
  const { start } = useServers();

  it.each(['polling', 'websocket'] as const)('over %s, then upgraded', async (first) => {
    const server = await start();
    server.io.engine.on('connection', (raw: { request: unknown }) => {
      raw.request = null;
    });
    const connected = once<[ServerSocket]>(server.io, 'connection');
    const client = referenceIo(server.url, { forceNew: true, reconnection: false, transports: first === 'polling' ? ['polling', 'websocket'] : ['websocket'] });
    try {
      const [socket] = await connected;
      expect(socket.handshake).toMatchObject(expectedHandshake);
      if (first === 'polling') await once(client.io.engine, 'upgrade');
      const heard = once<[string]>(client, 'hello');
      socket.emit('hello', 'after the drop');
      await expect(heard).resolves.toEqual(['after the drop']);
    } finally {
      client.disconnect();
    }
  });
});
