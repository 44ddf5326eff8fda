import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { Socket } from './socket.js';
import type { TransportName, WebSocketConstructorLike } from './types.js';
import { InMemoryFallbackMemory } from './fallback-memory.js';
import { startEngineServer } from './test-support/engine-server.js';
import { waitFor } from './test-support/wait.js';

const WS: WebSocketConstructorLike = WsWebSocket;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function bytes(data: unknown): number[] {
  if (data instanceof ArrayBuffer) return [...new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  throw new Error(`not binary: ${typeof data}`);
}

describe.each<[string, TransportName[]]>([
  ['websocket', ['websocket']],
  ['polling', ['polling']],
])('messages both ways over %s', (expected, transports) => {
  it('text and binary (ArrayBuffer, Uint8Array, Blob), with send callbacks', async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    const serverGot: unknown[] = [];
    s.engine.on('connection', (ss) => {
      ss.on('message', (data: unknown) => {
        serverGot.push(data);
        if (serverGot.length === 4) {
          ss.send('from server');
          ss.send(Buffer.from([9, 8, 7]));
        }
      });
    });
    const socket = new Socket(s.url, { WebSocket: WS, transports, fallbackMemory: new InMemoryFallbackMemory() });
    cleanups.push(() => void socket.close());
    await waitFor(socket, 'open');
    expect(socket.transport.name).toBe(expected);
    const received: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        received.push(data);
        if (received.length === 2) resolve();
      });
    });
    const callbacks: number[] = [];
    socket.send('héllo ✓', () => callbacks.push(1));
    socket.send(new Uint8Array([1, 2, 3]).buffer, () => callbacks.push(2));
    socket.send(new Uint8Array([0, 4, 5, 6]).subarray(1), () => callbacks.push(3));
    socket.send(new Blob([new Uint8Array([10, 11])]), () => callbacks.push(4));
    await done;
    expect(serverGot[0]).toBe('héllo ✓');
    expect(bytes(serverGot[1])).toEqual([1, 2, 3]);
    expect(bytes(serverGot[2])).toEqual([4, 5, 6]);
    expect(bytes(serverGot[3])).toEqual([10, 11]);
    expect(callbacks).toEqual([1, 2, 3, 4]);
    expect(received[0]).toBe('from server');
    expect(Buffer.isBuffer(received[1])).toBe(true); // Node default binaryType, as engine.io-client
    expect(bytes(received[1])).toEqual([9, 8, 7]);
  });
});

describe('upgrade', () => {
  it('keeps order of 1000 numbered messages each way while upgrading', async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    const N = 1000;
    const serverGot: string[] = [];
    let serverDone!: () => void;
    const serverFinished = new Promise<void>((resolve) => (serverDone = resolve));
    s.engine.on('connection', (ss) => {
      let sent = 0;
      // Keep sending from the server across the whole upgrade window.
      const pump = (): void => {
        for (let i = 0; i < 20 && sent < N; i++) ss.send(String(sent++));
        if (sent < N) setTimeout(pump, 1);
      };
      pump();
      ss.on('message', (data: unknown) => {
        serverGot.push(String(data));
        if (serverGot.length === N) serverDone();
      });
    });
    const socket = new Socket(s.url, { WebSocket: WS, transports: ['polling', 'websocket'], fallbackMemory: new InMemoryFallbackMemory() });
    cleanups.push(() => void socket.close());
    const clientGot: string[] = [];
    const clientFinished = new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        clientGot.push(String(data));
        if (clientGot.length === N) resolve();
      });
    });
    const upgraded = waitFor(socket, 'upgrade');
    await waitFor(socket, 'open');
    let sent = 0;
    const pump = (): void => {
      for (let i = 0; i < 20 && sent < N; i++) socket.send(String(sent++));
      if (sent < N) setTimeout(pump, 1);
    };
    pump();
    await upgraded;
    const receivedAtUpgrade = clientGot.length;
    await Promise.all([clientFinished, serverFinished]);
    const expected = Array.from({ length: N }, (_, i) => String(i));
    expect(clientGot).toEqual(expected);
    expect(serverGot).toEqual(expected);
    expect(socket.transport.name).toBe('websocket');
    // The upgrade really happened mid-stream.
    expect(receivedAtUpgrade).toBeGreaterThan(0);
    expect(receivedAtUpgrade).toBeLessThan(N);
  });

  it('a remembered fallback starts on polling, upgrades in the background, and forgets the fallback once the WebSocket proved itself', async () => {
    // Short heartbeats: "proved" means outliving 2 × (pingInterval + pingTimeout) on the WebSocket.
    const s = await startEngineServer({ pingInterval: 50, pingTimeout: 50 });
    cleanups.push(() => s.close());
    const memory = new InMemoryFallbackMemory();
    const key = `${s.url}/engine.io/`;
    memory.set(key, 'polling', 60_000);
    const socket = new Socket(s.url, { WebSocket: WS, fallbackMemory: memory });
    cleanups.push(() => void socket.close());
    await waitFor(socket, 'open');
    expect(socket.transport.name).toBe('polling');
    await waitFor(socket, 'upgrade');
    expect(socket.transport.name).toBe('websocket');
    // a proxy may pass the probe and stall just after: not forgotten at the switch
    expect(memory.get(key)).toBe('polling');
    while (memory.get(key) !== undefined) await waitFor(socket, 'ping');
    expect(socket.transport.name).toBe('websocket');
  });

  it('while a fallback is remembered, every connection tries the background upgrade (socket.io-client probes on each)', async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    const memory = new InMemoryFallbackMemory();
    memory.set(`${s.url}/engine.io/`, 'polling', 60_000);
    const first = new Socket(s.url, { WebSocket: WS, fallbackMemory: memory });
    cleanups.push(() => void first.close());
    await waitFor(first, 'upgrade');
    // Closed by the app: says nothing about the network.
    first.close();
    const second = new Socket(s.url, { WebSocket: WS, fallbackMemory: memory });
    cleanups.push(() => void second.close());
    await waitFor(second, 'open');
    expect(second.transport.name).toBe('polling');
    await waitFor(second, 'upgrade');
    expect(second.transport.name).toBe('websocket');
  });

  it('an upgrade out of the remembered fallback that dies young stops the background upgrades of later connections', async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    const memory = new InMemoryFallbackMemory();
    const key = `${s.url}/engine.io/`;
    memory.set(key, 'polling', 60_000);
    const serverSide = s.nextConnection();
    const first = new Socket(s.url, { WebSocket: WS, fallbackMemory: memory });
    cleanups.push(() => void first.close());
    await waitFor(first, 'upgrade');
    // The upgraded WebSocket goes away soon after the switch (a proxy that passes the probe, then kills it).
    const closed = waitFor(first, 'close');
    ((await serverSide) as { close(): void }).close();
    expect(await closed).toBe('transport close');
    let constructed = 0;
    // The probe's WebSocket is constructed synchronously right after 'open'; count constructions.
    class CountingWS extends WS {
      constructor(...args: ConstructorParameters<typeof WS>) {
        super(...args);
        constructed += 1;
      }
    }
    const second = new Socket(s.url, { WebSocket: CountingWS, fallbackMemory: memory });
    cleanups.push(() => void second.close());
    await waitFor(second, 'open');
    expect(second.transport.name).toBe('polling');
    expect(constructed).toBe(0);
    expect(memory.get(key)).toBe('polling');
  });

  it("reports each created packet with its compress option on 'packetCreate', as engine.io-client", async () => {
    const s = await startEngineServer();
    cleanups.push(() => s.close());
    const socket = new Socket(s.url, { WebSocket: WS, transports: ['websocket'], fallbackMemory: false });
    cleanups.push(() => void socket.close());
    await waitFor(socket, 'open');
    const created: unknown[] = [];
    socket.on('packetCreate', (packet) => created.push(packet));
    socket.send('plain');
    socket.send('raw', { compress: false });
    socket.send('explicit', { compress: true }, () => undefined);
    expect(created).toEqual([
      { type: 'message', data: 'plain', options: { compress: true } },
      { type: 'message', data: 'raw', options: { compress: false } },
      { type: 'message', data: 'explicit', options: { compress: true } },
    ]);
  });

  it.each(['websocket', 'polling'] as const)(
    'hands binary to the app as a Buffer in Node, or as an ArrayBuffer with binaryType "arraybuffer" (%s)',
    async (transport) => {
      const s = await startEngineServer();
      cleanups.push(() => s.close());
      s.engine.on('connection', (ss) => {
        ss.on('message', () => ss.send(Buffer.from([1, 2, 3])));
      });
      const socket = new Socket(s.url, { WebSocket: WS, transports: [transport], fallbackMemory: false });
      cleanups.push(() => void socket.close());
      await waitFor(socket, 'open');
      expect(socket.binaryType).toBe('nodebuffer');
      socket.send('go');
      const first = await waitFor(socket, 'message');
      expect(Buffer.isBuffer(first)).toBe(true);
      expect(bytes(first)).toEqual([1, 2, 3]);
      socket.binaryType = 'arraybuffer';
      socket.send('again');
      const second = await waitFor(socket, 'message');
      expect(second).toBeInstanceOf(ArrayBuffer);
      expect(bytes(second)).toEqual([1, 2, 3]);
    },
  );
});
