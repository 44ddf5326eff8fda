// In Chromium, over each transport: binary data both ways (typed arrays, a Blob, an ArrayBuffer nested in
// an object; the browser's own WebSocket frames and, over polling, base64 in fetch bodies), and a session
// the server drops coming back on its own, recovered (connectionStateRecovery): same socket id, rooms
// kept, and what was emitted while it was away delivered.
import { afterEach, expect, it } from 'vitest';
import type { Socket } from '@switchback/server';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { expectChatBothWays, Scenario, until } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const bytesOf = (value: unknown): number[] | string => (Buffer.isBuffer(value) ? [...value] : typeof value);

for (const transport of ['websocket', 'polling'] as const) {
  it(`binary both ways over ${transport}: typed arrays, a Blob, a nested ArrayBuffer`, async () => {
    const app = cleanup.use(await startChatServer());
    app.io.on('connection', (socket) => {
      socket.on('bytes', (a: unknown, b: unknown, c: { inner?: unknown }, ack: (sizes: unknown) => void) => {
        ack({ a: bytesOf(a), b: bytesOf(b), c: bytesOf(c.inner), transport: socket.conn.transport.name });
        socket.emit('bytes-back', Buffer.from([250, 251, 0, 1]), { nested: Buffer.from('héllo') });
      });
    });
    const browser = await launchChromium();
    cleanup.defer(() => browser.close());
    const scenario = new Scenario(`binary-${transport}`);
    await scenario.run(async () => {
      const context = await browser.newContext();
      const chat = await scenario.open(context, `${app.url}/?transports=${transport}`);
      expect(await chat.connected()).toBe(transport);
      const result = await chat.page.evaluate(async () => {
        const socket = (window as unknown as { chatSocket: import('@switchback/client').Socket }).chatSocket;
        const back = new Promise<{ bytes: number[]; kind: string; nested: string }>((resolve) => {
          socket.once('bytes-back', (buffer: ArrayBuffer, object: { nested: ArrayBuffer }) =>
            resolve({
              bytes: Array.from(new Uint8Array(buffer)),
              kind: Object.prototype.toString.call(buffer),
              nested: new TextDecoder().decode(object.nested),
            }),
          );
        });
        const ack: unknown = await socket.emitWithAck(
          'bytes',
          new Uint8Array([1, 2, 3]),
          new Blob([new Uint8Array([4, 5])]),
          { inner: new Uint8Array([6, 7, 8, 9]).subarray(1, 3) },
        );
        return { ack, back: await back };
      });
      expect(result.ack).toEqual({ a: [1, 2, 3], b: [4, 5], c: [7, 8], transport });
      expect(result.back).toEqual({ bytes: [250, 251, 0, 1], kind: '[object ArrayBuffer]', nested: 'héllo' });
      await context.close();
    });
  });

  it(`a session the server drops over ${transport} reconnects by itself and is recovered`, async () => {
    const app = cleanup.use(await startChatServer({ server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } } }));
    const browser = await launchChromium();
    cleanup.defer(() => browser.close());
    const scenario = new Scenario(`recover-${transport}`);
    await scenario.run(async () => {
      const context = await browser.newContext();
      const chat = await scenario.open(context, `${app.url}/?transports=${transport}`);
      expect(await chat.connected()).toBe(transport);
      const id = await chat.page.evaluate(() => {
        const page = window as unknown as { chatSocket: import('@switchback/client').Socket; missed: unknown[] };
        page.missed = [];
        page.chatSocket.on('missed', (value: unknown) => page.missed.push(value));
        return page.chatSocket.id;
      });
      const serverSocket = app.io.sockets.sockets.get(id ?? '') as Socket | undefined;
      expect(serverSocket).toBeDefined();
      void serverSocket?.join('vip');

      // The server ends the engine session, as a restart of the connection would.
      const gone = new Promise<string>((resolve) => serverSocket?.once('disconnect', (reason) => resolve(reason)));
      serverSocket?.conn.close();
      expect(await gone).toBe('forced close');
      app.io.to('vip').emit('missed', 'to the room while away');
      app.io.emit('chat', { from: 'server', text: 'broadcast while away' });

      await until(async () => (await chat.state()).connects === 2, 'the page connected again');
      const after = await chat.page.evaluate(() => {
        const page = window as unknown as { chatSocket: import('@switchback/client').Socket; missed: unknown[] };
        return { id: page.chatSocket.id, recovered: page.chatSocket.recovered, missed: page.missed };
      });
      expect(after).toEqual({ id, recovered: true, missed: ['to the room while away'] });
      await chat.sees('broadcast while away');
      const state = await chat.state();
      expect(state.disconnects).toEqual(['transport close']);
      expect(new Set(state.sids).size).toBe(2); // a new engine session carries the recovered socket
      expect([...(app.io.sockets.sockets.get(id ?? '')?.rooms ?? [])].sort()).toEqual([id, 'vip'].sort());
      await expectChatBothWays(app, chat, `recovered ${transport}`);
      await context.close();
    });
  });
}
