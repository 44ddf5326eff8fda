// Engine.IO interop over {direction} x {mode}: handshake, raw text and binary both ways, ordering across
// the upgrade, heartbeat, and close reasons from either side.
import type { Socket as EngineClient } from '@switchback/client/engine';
import type { EngineSocket } from '@switchback/server/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { once, until } from '../helpers/wait.js';
import { engineDirections, startEnginePair, type Direction, type EnginePair, type Mode } from './engine-peers.js';
import { finalTransport, modes } from './socket-peers.js';
import type { EngineServerOptions } from '@switchback/server/engine';

const matrix = engineDirections.flatMap((direction) =>
  modes.map((mode) => ({ direction, mode, label: `${direction.name}, ${mode}` })),
);

let pair: EnginePair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function opened(direction: Direction, mode: Mode, options: EngineServerOptions = {}): Promise<[EngineClient, EngineSocket]> {
  pair = await startEnginePair(direction, mode, options);
  const connection = once<[EngineSocket]>(pair.engine, 'connection');
  const client = pair.open();
  const open = once(client, 'open');
  const [socket] = await connection;
  await open;
  return [client, socket];
}

async function upgraded(client: EngineClient, socket: EngineSocket): Promise<void> {
  if (!socket.upgraded) await once(socket, 'upgrade');
  if (client.transport.name !== 'websocket') await once(client, 'upgrade');
}

/** Collects the next `count` messages of an emitter. */
interface MessageSource {
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
}

function messages(peer: EngineClient | EngineSocket, count: number): Promise<unknown[]> {
  // Both emitters deliver 'message' with one argument; their listener types differ only in the data union.
  const emitter = peer as unknown as MessageSource;
  const got: unknown[] = [];
  return new Promise((resolve) => {
    const listener = (data: unknown): void => {
      got.push(data);
      if (got.length === count) {
        emitter.off('message', listener);
        resolve(got);
      }
    };
    emitter.on('message', listener);
  });
}

function bytes(data: unknown): number[] {
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return [...view];
  }
  throw new Error(`not binary: ${typeof data}`);
}

describe.each(matrix)('$label', ({ direction, mode }) => {
  it('handshake: same sid on both sides, the mode transport, upgrade when asked', async () => {
    const [client, socket] = await opened(direction, mode, { pingInterval: 3_000, pingTimeout: 2_000 });
    expect(client.id).toBe(socket.id);
    expect(typeof socket.id).toBe('string');
    expect(socket.protocol).toBe(4);
    if (mode === 'upgrade') {
      expect(['polling', 'websocket']).toContain(socket.transport.name);
      await upgraded(client, socket);
      expect(socket.upgraded).toBe(true);
    } else {
      expect(socket.upgraded).toBe(false);
    }
    expect(socket.transport.name).toBe(finalTransport(mode));
    expect(client.transport.name).toBe(finalTransport(mode));
  });

  it('handshake data reaches the client', async () => {
    pair = await startEnginePair(direction, mode, { pingInterval: 3_000, pingTimeout: 2_000, maxHttpBufferSize: 5_000 });
    const client = pair.open();
    const [data] = await once<[{ sid: string; pingInterval: number; pingTimeout: number; maxPayload: number; upgrades: string[] }]>(
      client,
      'handshake',
    );
    expect(data.pingInterval).toBe(3_000);
    expect(data.pingTimeout).toBe(2_000);
    expect(data.maxPayload).toBe(5_000);
    expect(data.upgrades).toEqual(mode === 'websocket' ? [] : ['websocket']);
  });

  it('raw text and binary messages both ways', async () => {
    const [client, socket] = await opened(direction, mode);
    if (mode === 'upgrade') await upgraded(client, socket);
    const big = Buffer.alloc(100_000, 7);
    const toServer = messages(socket, 4);
    client.send('hello');
    client.send(new Uint8Array([1, 2, 3]));
    client.send('é ✓ 😀');
    client.send(big);
    const [a, b, c, e] = await toServer;
    expect([a, c]).toEqual(['hello', 'é ✓ 😀']);
    expect(Buffer.isBuffer(b)).toBe(true);
    expect(bytes(b)).toEqual([1, 2, 3]);
    expect(Buffer.compare(e as Buffer, big)).toBe(0);

    const toClient = messages(client, 4);
    socket.send('world');
    socket.send(Buffer.from([4, 5]));
    socket.send(new Uint8Array([6]).buffer);
    socket.send('🚀');
    const [w, x, y, z] = await toClient;
    expect(w).toBe('world');
    expect(bytes(x)).toEqual([4, 5]);
    expect(bytes(y)).toEqual([6]);
    expect(z).toBe('🚀');
  });

  it('an empty text message is delivered both ways', async () => {
    // engine.io-parser decodes the bare packet '4' as { type: 'message' } with no data.
    const [client, socket] = await opened(direction, mode);
    const atServer: unknown[] = [];
    const atClient: unknown[] = [];
    socket.on('message', (m: unknown) => atServer.push(m));
    client.on('message', (m: unknown) => atClient.push(m));
    client.send('');
    client.send('after');
    socket.send('');
    socket.send('after');
    // Each side's 'after' is the last message; the arrays are compared whatever was lost.
    await until(() => atServer.includes('after') && atClient.includes('after'), "both 'after' messages", 2_000).catch(() => undefined);
    // The reference pair delivers undefined on both ends; Switchback's server delivers '' (its 'message' is
    // typed string | Buffer). Both count as "the empty message arrived"; a missing entry is a lost message.
    const empty = (m: unknown): unknown => m ?? '';
    expect({ server: atServer.map(empty), client: atClient.map(empty) }).toEqual({ server: ['', 'after'], client: ['', 'after'] });
  });

  it('messages sent while the session opens and upgrades arrive once each, in order', async () => {
    const [client, socket] = await opened(direction, mode);
    const count = 60;
    const toServer = messages(socket, count);
    const toClient = messages(client, count);
    for (let i = 0; i < count; i += 1) {
      client.send(i % 3 === 0 ? new Uint8Array([i]) : `c${i}`);
      socket.send(i % 3 === 0 ? Buffer.from([i]) : `s${i}`);
    }
    const norm = (m: unknown): string => (typeof m === 'string' ? m : `b${bytes(m).join()}`);
    const expected = (p: string): string[] => Array.from({ length: count }, (_, i) => (i % 3 === 0 ? `b${i}` : `${p}${i}`));
    expect((await toServer).map(norm)).toEqual(expected('c'));
    expect((await toClient).map(norm)).toEqual(expected('s'));
    if (mode === 'upgrade') await upgraded(client, socket);
    expect(client.transport.name).toBe(finalTransport(mode));
  });

  it('heartbeat: several pings reach the client and the session stays open', async () => {
    const [client, socket] = await opened(direction, mode, { pingInterval: 40, pingTimeout: 400 });
    let pings = 0;
    await new Promise<void>((resolve) => {
      client.on('ping', () => {
        pings += 1;
        if (pings === 4) resolve();
      });
    });
    expect(client.readyState).toBe('open');
    expect(socket.readyState).toBe('open');
    const echo = messages(client, 1);
    socket.send('still here');
    expect(await echo).toEqual(['still here']);
  });

  it("client close() -> server close reason 'transport close'", async () => {
    const [client, socket] = await opened(direction, mode);
    if (mode === 'upgrade') await upgraded(client, socket);
    const serverClosed = once<[string]>(socket, 'close');
    const clientClosed = once<[string]>(client, 'close');
    client.close();
    expect((await clientClosed)[0]).toBe('forced close');
    expect((await serverClosed)[0]).toBe('transport close');
    expect(pair?.engine.clientsCount).toBe(0);
  });

  it('server socket.close() -> the client sees the session close', async () => {
    const [client, socket] = await opened(direction, mode);
    if (mode === 'upgrade') await upgraded(client, socket);
    const serverClosed = once<[string]>(socket, 'close');
    const clientClosed = once<[string]>(client, 'close');
    socket.close();
    expect((await serverClosed)[0]).toBe('forced close');
    expect((await clientClosed)[0]).toBe('transport close');
  });
});

// engine.io-client defers a close() made once the probe answered until the upgrade is over; the
// reference client in the baseline row shows the expected order.
describe.each(engineDirections)('$name, close() during the upgrade', (direction) => {
  it("waits for the upgrade: 'upgrade' then 'close', the message sent before close() arrives once", async () => {
    pair = await startEnginePair(direction, 'upgrade');
    const connection = once<[EngineSocket]>(pair.engine, 'connection');
    const client = pair.open();
    const events: string[] = [];
    client.on('upgrade', () => events.push('upgrade'));
    const clientClosed = new Promise<void>((resolve) =>
      client.on('close', (reason) => {
        events.push(`close: ${reason}`);
        resolve();
      }),
    );
    client.on('upgrading', () => {
      client.send('last words');
      client.close();
    });
    const [socket] = await connection;
    const received: unknown[] = [];
    socket.on('message', (data) => received.push(data));
    const serverClosed = once<[string]>(socket, 'close');
    await clientClosed;
    expect(events).toEqual(['upgrade', 'close: forced close']);
    expect((await serverClosed)[0]).toBe('transport close');
    expect(received).toEqual(['last words']);
  });
});
