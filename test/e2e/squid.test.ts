// Situation 4: a restrictive corporate forward proxy (squid: no CONNECT, no Upgrade). Chromium tunnels
// ws:// through CONNECT, so the WebSocket is refused by the proxy and the app must work over polling.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';
import { startSquid } from './support/squid.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('squid denying CONNECT and Upgrade: polling through the proxy, chat both ways', async () => {
  const app = cleanup.use(await startChatServer());
  const squid = cleanup.use(await startSquid());
  const browser = await launchChromium({ proxyServer: squid.proxyUrl });
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('squid, CONNECT and Upgrade denied');
  await scenario.run(async () => {
    const chat = await scenario.open(await browser.newContext(), `${app.url}/?webSocketTimeout=1000`);
    expect(await chat.connected()).toBe('polling');
    await expectChatBothWays(app, chat, 'squid');
    const state = await chat.state();
    expect(state.transports).toEqual(['polling']);
    expect(app.received.at(-1)?.transport).toBe('polling');
    const log = await squid.accessLog();
    // The page really went through squid: its polls are in the proxy's log, its WebSocket tunnel was refused.
    expect(log.some((line) => line.includes(`GET http://127.0.0.1:${app.port}/socket.io/?`) && line.includes('transport=polling'))).toBe(true);
    expect(log.some((line) => line.startsWith('TCP_DENIED/403 CONNECT') && line.includes(`127.0.0.1:${app.port}`))).toBe(true);
    expect(app.requests.some((r) => r.includes('transport=websocket'))).toBe(false);
    scenario.report(state);
  });
});
