// Situations 2 and 3: nginx as the reverse proxy in front of the app, without and with the
// Upgrade/Connection forwarding WebSocket needs.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { startNginx } from './support/nginx.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const isWebSocketRequest = (line: string): boolean => line.includes('transport=websocket');

it('nginx without upgrade forwarding (proxy_pass alone): falls back to polling, chat both ways', async () => {
  const app = cleanup.use(await startChatServer());
  const nginx = cleanup.use(await startNginx({ upstreamPort: app.port, forwardUpgrade: false }));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('nginx, no upgrade forwarding');
  await scenario.run(async () => {
    const chat = await scenario.open(await browser.newContext(), `${nginx.url}/?webSocketTimeout=1000`);
    expect(await chat.connected()).toBe('polling');
    await expectChatBothWays(app, chat, 'nginx-plain');
    const state = await chat.state();
    expect(state.transports).toEqual(['polling']);
    expect(app.received.at(-1)?.transport).toBe('polling');
    // The WebSocket was tried through nginx and reached the app as a plain GET, refused at once.
    const attempts = (await nginx.accessLog()).filter(isWebSocketRequest);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((line) => !line.startsWith('101 '))).toBe(true);
    expect((await nginx.accessLog()).some((line) => line.startsWith('200 GET /socket.io/?') && line.includes('transport=polling'))).toBe(true);
    scenario.report(state, `; nginx answered the WebSocket with ${attempts.map((l) => l.split(' ')[0]).join(', ')}`);
  });
});

it('nginx with upgrade forwarding: WebSocket, chat both ways', async () => {
  const app = cleanup.use(await startChatServer());
  const nginx = cleanup.use(await startNginx({ upstreamPort: app.port, forwardUpgrade: true }));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('nginx, upgrade forwarding');
  await scenario.run(async () => {
    const chat = await scenario.open(await browser.newContext(), `${nginx.url}/?webSocketTimeout=1000`);
    expect(await chat.connected()).toBe('websocket');
    await expectChatBothWays(app, chat, 'nginx-upgrade');
    const state = await chat.state();
    expect(state.transports).toEqual(['websocket']);
    expect(app.received.at(-1)?.transport).toBe('websocket');
    // nginx logs a WebSocket when it closes; the live one is still open, so check the app side instead.
    expect(app.requests.some((r) => r.includes('transport=polling'))).toBe(false);
    scenario.report(state);
  });
});
