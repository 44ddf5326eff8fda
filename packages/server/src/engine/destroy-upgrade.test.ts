import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EngineServer } from './server.js';
import type { EngineServerOptions } from './server.js';
import { useTestServers } from './test-helpers.js';

const { serve } = useTestServers();

const UPGRADE_OTHER = 'GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

interface Setup {
  readonly http: HttpServer;
  readonly port: number;
  /** Server sides of the upgrades the extra listener saw, in order. */
  readonly seen: Socket[];
}

/** An http.Server with an engine and, with `answer`, one more 'upgrade' listener that handles nothing. */
async function setup(options: EngineServerOptions, other?: (socket: Socket) => void): Promise<Setup> {
  const http = createServer();
  const seen: Socket[] = [];
  const engine = new EngineServer(options);
  engine.attach(http);
  if (other !== undefined) {
    http.on('upgrade', (_req, socket: Socket) => {
      seen.push(socket);
      other(socket);
    });
  }
  return { http, port: await serve(engine, http), seen };
}

async function upgradeOther(port: number): Promise<Socket> {
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(UPGRADE_OTHER);
  return socket;
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

/** Resolves once `s.seen` has `count` sockets (the extra listener ran). */
async function seenCount(s: Setup, count: number): Promise<void> {
  while (s.seen.length < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('upgrades of other paths', () => {
  it('are destroyed at once when the engine is the only listener', async () => {
    const { port } = await setup({});
    const client = await upgradeOther(port);
    await closed(client);
    expect(client.bytesRead).toBe(0);
  });

  it('are left to the only listener when destroyUpgrade is false (not destroyed at once)', () => {
    const http = createServer();
    const engine = new EngineServer({ destroyUpgrade: false });
    engine.attach(http);
    const socket = new PassThrough();
    http.emit('upgrade', { url: '/other', headers: {} }, socket, Buffer.alloc(0));
    expect(socket.destroyed).toBe(false);
    const ours = new EngineServer({});
    const http2 = createServer();
    ours.attach(http2);
    const other = new PassThrough();
    http2.emit('upgrade', { url: '/other', headers: {} }, other, Buffer.alloc(0));
    expect(other.destroyed).toBe(true);
    engine.close();
    ours.close();
  });

  it('are ended after destroyUpgradeTimeout when another listener wrote nothing', async () => {
    const s = await setup({ destroyUpgradeTimeout: 20 }, () => {});
    const client = await upgradeOther(s.port);
    await seenCount(s, 1);
    // Not at once: the other listener has its chance.
    expect(s.seen[0]?.destroyed).toBe(false);
    await closed(client);
    expect(client.bytesRead).toBe(0);
  });

  it('are left alone when another listener answered, and when destroyUpgrade is false', async () => {
    const answered = await setup({ destroyUpgradeTimeout: 20 }, (socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
    const off = await setup({ destroyUpgrade: false, destroyUpgradeTimeout: 20 }, () => {});
    const marker = await setup({ destroyUpgradeTimeout: 20 }, () => {});
    await upgradeOther(answered.port);
    await seenCount(answered, 1);
    await upgradeOther(off.port);
    await seenCount(off, 1);
    // Armed last with the same timeout: once it has fired, the others would have fired too.
    const markerClient = await upgradeOther(marker.port);
    await closed(markerClient);
    for (const socket of [answered.seen[0], off.seen[0]]) {
      expect(socket?.destroyed).toBe(false);
      expect(socket?.writable).toBe(true);
      socket?.destroy();
    }
  });

  it('are not ended by a timer after the engine closed', async () => {
    const s = await setup({ destroyUpgradeTimeout: 20 }, () => {});
    const marker = await setup({ destroyUpgradeTimeout: 20 }, () => {});
    await upgradeOther(s.port);
    await seenCount(s, 1);
    s.http.emit('close');
    const markerClient = await upgradeOther(marker.port);
    await closed(markerClient);
    expect(s.seen[0]?.destroyed).toBe(false);
    s.seen[0]?.destroy();
  });
});
