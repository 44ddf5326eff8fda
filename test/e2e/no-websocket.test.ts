// Situation 7: a browser (or an embedding, or a privacy extension) without window.WebSocket: the client
// must not try it at all and connect over polling.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('window.WebSocket removed before the client loads: polling, chat both ways, no WebSocket attempt', async () => {
  const app = cleanup.use(await startChatServer());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('no window.WebSocket');
  await scenario.run(async () => {
    const context = await browser.newContext();
    // Runs in every page before any of its scripts.
    await context.addInitScript(() => {
      Reflect.deleteProperty(window, 'WebSocket');
    });
    const chat = await scenario.open(context, `${app.url}/?webSocketTimeout=1000`);
    expect(await chat.page.evaluate(() => typeof Reflect.get(window, 'WebSocket'))).toBe('undefined');
    expect(await chat.connected()).toBe('polling');
    await expectChatBothWays(app, chat, 'no-websocket');
    const state = await chat.state();
    expect(state.transports).toEqual(['polling']);
    expect(state.upgradeErrors).toEqual([]);
    expect(app.requests.some((r) => r.includes('transport=websocket'))).toBe(false);
    scenario.report(state);
  });
});
