// Situation 8: after a fallback, a reload of the page connects straight over polling (the choice is
// remembered in sessionStorage for this origin and path) and tries the upgrade once, in the background.
import { afterEach, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { startNginx } from './support/nginx.js';
import { expectChatBothWays, Scenario, until } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const engineRequests = (requests: readonly string[]): string[] => requests.filter((r) => r.includes('/socket.io/'));

it('reload after a fallback: straight to polling, one background upgrade attempt, chat both ways', async () => {
  const app = cleanup.use(await startChatServer());
  // nginx without upgrade forwarding: the WebSocket fails every time, polling works.
  const nginx = cleanup.use(await startNginx({ upstreamPort: app.port, forwardUpgrade: false }));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('reload after fallback');
  await scenario.run(async () => {
    const chat = await scenario.open(await browser.newContext(), `${nginx.url}/?webSocketTimeout=1000`);
    expect(await chat.connected()).toBe('polling');
    const first = await chat.state();
    scenario.report(first, ' (first load)');
    const remembered = await chat.page.evaluate(() =>
      Object.keys(sessionStorage).filter((key) => key.startsWith('switchback:fallback:')),
    );
    expect(remembered.length).toBeGreaterThan(0);

    const before = app.requests.length;
    await chat.page.reload();
    expect(await chat.connected()).toBe('polling');
    // Wait for the background probe to have been tried and given up.
    await until(async () => (await chat.state()).upgradeErrors.length > 0, 'the background upgrade failed');
    await expectChatBothWays(app, chat, 'reload');
    const state = await chat.state();
    const after = engineRequests(app.requests.slice(before));
    // Straight over polling: the first engine request after the reload is the polling handshake.
    expect(after[0]).toMatch(/^GET \/socket\.io\/\?EIO=4&transport=polling/);
    expect(after[0]).not.toContain('sid=');
    // The one upgrade attempt carries the polling session's id (a probe, not a fresh WebSocket).
    const probes = after.filter((r) => r.includes('transport=websocket'));
    expect(probes).toHaveLength(1);
    expect(probes[0]).toContain('sid=');
    expect(state.transports).toEqual(['polling']);
    expect(state.upgradeErrors).toHaveLength(1);
    expect(state.disconnects).toEqual([]);
    scenario.report(state, ` (after reload; first load took ${Math.round(first.connectMs ?? NaN)} ms)`);
  });
});
