// Situation 1: nothing between the browser and the app: the page ends up on WebSocket.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('direct connection: WebSocket, chat both ways (script-tag and ES module builds)', async () => {
  const app = cleanup.use(await startChatServer());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('direct');
  await scenario.run(async () => {
    for (const path of ['/', '/esm.html']) {
      const context = await browser.newContext();
      const chat = await scenario.open(context, `${app.url}${path}?webSocketTimeout=1000`);
      expect(await chat.connected()).toBe('websocket');
      await expectChatBothWays(app, chat, `direct ${path}`);
      const state = await chat.state();
      expect(state.transports).toEqual(['websocket']);
      expect(state.connects).toBe(1);
      expect(app.received.at(-1)?.transport).toBe('websocket');
      scenario.report(state, ` (${path})`);
      await context.close();
    }
  });
});
