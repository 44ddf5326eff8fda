// Situation 5: a proxy that lets the WebSocket handshake (the 101) through and then silently drops every
// byte, keeping the sockets open: the TLS-inspecting proxy / antivirus case. The page must be chatting
// over polling within webSocketTimeout + 1 s.
import { afterEach, expect, it } from 'vitest';
import { startTcpProxy, type ProxyMode } from '../helpers/tcp-proxy.js';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WEBSOCKET_TIMEOUT = 1000;

async function stallSituation(name: string, mode: ProxyMode, webSocketTimeout?: number, within = WEBSOCKET_TIMEOUT + 1000): Promise<void> {
  const app = cleanup.use(await startChatServer());
  const proxy = cleanup.use(await startTcpProxy(app.port, mode));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario(name);
  await scenario.run(async () => {
    const query = webSocketTimeout === undefined ? '' : `?webSocketTimeout=${webSocketTimeout}`;
    const chat = await scenario.open(await browser.newContext(), `${proxy.url}/${query}`);
    expect(await chat.connected(within + 5000)).toBe('polling');
    const state = await chat.state();
    expect(proxy.upgrades).toBeGreaterThan(0);
    expect(state.connectMs).toBeDefined();
    expect(state.connectMs ?? Infinity).toBeLessThan(within);
    await expectChatBothWays(app, chat, name);
    const after = await chat.state();
    expect(after.transports).toEqual(['polling']);
    expect(after.connects).toBe(1);
    expect(app.received.at(-1)?.transport).toBe('polling');
    scenario.report(after, ` (webSocketTimeout ${webSocketTimeout === undefined ? 'default' : `${webSocketTimeout} ms`})`);
  });
}

it('proxy passes the 101 then stalls: polling within webSocketTimeout + 1 s, chat both ways', async () => {
  await stallSituation('stall after 101', { kind: 'stall-after-101' }, WEBSOCKET_TIMEOUT);
});

it('proxy passes the 101 and the open packet, then stalls: polling within webSocketTimeout + 1 s', async () => {
  await stallSituation('stall after the open packet', { kind: 'stall-after-frames', frames: 1 }, WEBSOCKET_TIMEOUT);
});

it('proxy passes the 101 then stalls, default options: polling within 1.5 s, not the 3 s webSocketTimeout', async () => {
  // After the 101 the open packet is awaited max(500 ms, twice the handshake's time).
  await stallSituation('stall after 101, defaults', { kind: 'stall-after-101' }, undefined, 1500);
});
