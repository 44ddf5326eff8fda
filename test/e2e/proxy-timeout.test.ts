// Situation 6: a proxy whose read timeout is shorter than a held poll. nginx proxy_read_timeout 5 s
// answers 504 to any GET the app holds longer. The server's pollHoldTimeout (default 20 s) decides
// whether held GETs come back before the proxy cuts them.
import { afterEach, expect, it } from 'vitest';
import type { ServerOptions } from '@switchback/server';
import { launchChromium } from './support/browser.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { startNginx } from './support/nginx.js';
import { Scenario, until } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const PROXY_READ_TIMEOUT_S = 5;
/** Chat bursts this far apart leave every held GET idle past the proxy's read timeout. */
const BURST_GAP_MS = 8000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function longSession(name: string, durationMs: number, server: Partial<ServerOptions>): Promise<string[]> {
  const app = cleanup.use(await startChatServer({ server }));
  const nginx = cleanup.use(
    await startNginx({ upstreamPort: app.port, forwardUpgrade: false, readTimeoutSeconds: PROXY_READ_TIMEOUT_S }),
  );
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario(name);
  let log: string[] = [];
  await scenario.run(async () => {
    const chat = await scenario.open(await browser.newContext(), `${nginx.url}/?webSocketTimeout=1000`);
    expect(await chat.connected()).toBe('polling');
    const ups: string[] = [];
    const downs: string[] = [];
    const started = Date.now();
    const bursts = Math.floor(durationMs / BURST_GAP_MS) + 1;
    for (let i = 1; i <= bursts; i += 1) {
      const up = `up ${i}`;
      const down = `down ${i}`;
      ups.push(up);
      downs.push(down);
      await chat.send(up);
      app.io.emit('chat', { from: 'server', text: down });
      if (i < bursts) await sleep(BURST_GAP_MS);
    }
    const expected = [...ups, ...downs];
    await until(async () => {
      const texts = new Set((await chat.state()).received.map((m) => m.text));
      return expected.every((t) => texts.has(t));
    }, 'every message reached the page', 10_000).catch(() => undefined);
    const state = await chat.state();
    log = await nginx.accessLog();
    const gatewayTimeouts = log.filter((line) => line.startsWith('504 '));
    scenario.report(state, `; ${Math.round((Date.now() - started) / 1000)} s, ${ups.length} bursts, proxy 504s: ${gatewayTimeouts.length}, sessions: ${state.sids.length}`);
    // No lost and no duplicated message, either way, in order.
    expect(app.received.map((m) => m.text)).toEqual(ups);
    const received = state.received.map((m) => m.text);
    expect(received.filter((t) => t.startsWith('up '))).toEqual(ups);
    expect(received.filter((t) => t.startsWith('down '))).toEqual(downs);
    // The session survived: one connection, never dropped.
    expect(state.disconnects).toEqual([]);
    expect(state.sids).toHaveLength(1);
    expect(state.transport).toBe('polling');
  });
  return log;
}

it('proxy read timeout 5 s, server pollHoldTimeout 4 s (under it): the session survives a minute, nothing lost', async () => {
  const log = await longSession('proxy read timeout above the poll hold', 60_000, { pollHoldTimeout: 4000 });
  expect(log.filter((line) => line.startsWith('504 '))).toEqual([]);
  // Idle holds really ended with the server's noop (more GETs than bursts), not with the proxy's 504.
  expect(log.filter((line) => line.startsWith('200 GET /socket.io/')).length).toBeGreaterThan(10);
}, 120_000);

it('proxy read timeout 5 s, server pollHoldTimeout default 20 s (over it): the session survives, nothing lost', async () => {
  const log = await longSession('proxy read timeout below the poll hold', 24_000, {});
  // The situation really happened: the proxy cut held GETs.
  expect(log.filter((line) => line.startsWith('504 ')).length).toBeGreaterThan(0);
}, 120_000);
