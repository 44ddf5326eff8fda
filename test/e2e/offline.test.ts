// The browser loses the network (Chromium's offline mode, as a laptop leaving Wi-Fi or a phone in a
// tunnel) and gets it back: the client notices (a failed request over polling, the heartbeat over
// WebSocket, whose open connection the offline mode leaves silent), fails its reconnection attempts
// while offline, and is connected again, on a new session, as soon as the network is back (the page's
// `online` event), not when its backoff next allows.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { expectChatBothWays, Scenario, until } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

for (const [transport, reason] of [
  ['polling', 'transport error'],
  ['websocket', 'ping timeout'],
] as const) {
  it(`offline, then online again, over ${transport}: '${reason}', failed attempts while offline, connected at once when online`, async () => {
    // A short heartbeat so that the silent WebSocket is judged dead within the test's time.
    const app = cleanup.use(await startChatServer({ server: { pingInterval: 1000, pingTimeout: 1000 } }));
    const browser = await launchChromium();
    cleanup.defer(() => browser.close());
    const scenario = new Scenario(`offline-${transport}`);
    await scenario.run(async () => {
      const context = await browser.newContext();
      // After one failed attempt the backoff is 1–3 s (2 s ± 50 %); the `online` event is faster.
      const chat = await scenario.open(context, `${app.url}/?transports=${transport}&reconnectionDelayMax=20000`);
      expect(await chat.connected()).toBe(transport);

      await context.setOffline(true);
      await until(async () => (await chat.state()).disconnects.length === 1, 'the page saw the disconnect', 15_000);
      expect((await chat.state()).disconnects).toEqual([reason]);
      // A reconnection attempt is made, and fails, while the network is down.
      await until(async () => (await chat.state()).log.some((line) => line.includes('connect_error')), 'an attempt failed', 15_000);
      expect((await chat.state()).connects).toBe(1);

      const back = Date.now();
      await context.setOffline(false);
      await until(async () => (await chat.state()).connects === 2, 'the page connected again', 15_000);
      console.log('[e2e] reconnected', Date.now() - back, 'ms after online');
      expect(Date.now() - back).toBeLessThan(900);
      const state = await chat.state();
      expect(new Set(state.sids).size).toBe(2);
      expect(state.transport).toBe(transport);
      await expectChatBothWays(app, chat, `back online ${transport}`);
      await context.close();
    });
  });
}
