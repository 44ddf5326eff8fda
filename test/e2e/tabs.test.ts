// Situation 9: six tabs of the same origin on polling. Chromium allows 6 HTTP/1.1 connections per host
// and profile, and each polling tab keeps one GET hanging, so six tabs hold every connection: a POST
// (a chat message) must still get through promptly and reach every tab.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import type { ChatPage } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { startNginx } from './support/nginx.js';
import { Scenario, until } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const TABS = 6;
/** A chat message typed in one tab must show in all of them within this (a human notices more). */
const DELIVERY_MS = Number(process.env["E2E_TAB_DELIVERY_MS"] ?? 3000);

it('six polling tabs of one origin keep chatting (browser cap of 6 connections per host)', async () => {
  const app = cleanup.use(await startChatServer());
  const nginx = cleanup.use(await startNginx({ upstreamPort: app.port, forwardUpgrade: false }));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('six polling tabs');
  await scenario.run(async () => {
    const context = await browser.newContext();
    const tabs: ChatPage[] = [];
    for (let i = 0; i < TABS; i += 1) {
      const tab = await scenario.open(context, `${nginx.url}/?webSocketTimeout=1000`);
      expect(await tab.connected()).toBe('polling');
      tabs.push(tab);
    }
    // Every tab now holds a GET; each one types a message that every tab must see.
    const latencies: number[] = [];
    for (const [i, tab] of tabs.entries()) {
      const text = `tab ${i + 1} of ${TABS} here`;
      const sent = Date.now();
      await tab.send(text);
      await Promise.all(tabs.map((other) => other.sees(text, DELIVERY_MS))).catch((err: unknown) => {
        throw new Error(
          `"${text}" did not reach every tab within ${DELIVERY_MS} ms. With ${TABS} tabs each holding a poll GET, ` +
            'Chromium\'s 6-connections-per-host cap queues the POST until some hold ends (pollHoldTimeout or a ping).',
          { cause: err },
        );
      });
      latencies.push(Date.now() - sent);
    }
    // The server pushes to all of them too.
    app.io.emit('chat', { from: 'server', text: 'hello all tabs' });
    await Promise.all(tabs.map((tab) => tab.sees('hello all tabs', DELIVERY_MS)));
    await until(() => app.received.length === TABS, 'the server received one message per tab');
    const states = await Promise.all(tabs.map((tab) => tab.state()));
    for (const state of states) {
      expect(state.transport).toBe('polling');
      expect(state.connects).toBe(1);
      expect(state.disconnects).toEqual([]);
      expect(state.received.map((m) => m.text)).toHaveLength(TABS + 1);
    }
    expect(app.io.engine.clientsCount).toBe(TABS);
    const [first] = states;
    if (first !== undefined) scenario.report(first, `; delivery to all ${TABS} tabs took ${latencies.join(', ')} ms`);
  });
});
