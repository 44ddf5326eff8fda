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

it('direct connection: WebSocket subprotocols offered by the page reach the server, which picks one', async () => {
  const app = cleanup.use(await startChatServer());
  const offered: unknown[] = [];
  app.io.on('connection', (socket) => offered.push(socket.request.headers['sec-websocket-protocol']));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('direct-protocols');
  await scenario.run(async () => {
    const context = await browser.newContext();
    // Chromium fails the WebSocket if the server does not answer with one of the offered protocols.
    const chat = await scenario.open(context, `${app.url}/?webSocketTimeout=1000&protocols=chat.v1,token.abc`);
    expect(await chat.connected()).toBe('websocket');
    await expectChatBothWays(app, chat, 'direct protocols');
    expect((await chat.state()).transports).toEqual(['websocket']);
    expect(offered).toEqual(['chat.v1, token.abc']);
    await context.close();
  });
});
