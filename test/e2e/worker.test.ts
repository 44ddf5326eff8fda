// The client inside workers: no window, no document, no sessionStorage. A dedicated worker and a
// SharedWorker (one connection shared by every tab of an app) import the ES module bundle, connect on
// each transport, and chat both ways with the server. The worker is test/e2e/page/chat-worker.js, served by
// the chat server (a script fulfilled by Playwright's routing would break the worker's WebSocket).
import { afterEach, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

type Kind = 'worker' | 'shared';

/** Starts a worker of `kind` in a fresh page of `origin` (the app's, or a proxy's in front of it). */
async function startWorker(browser: Browser, origin: string, kind: Kind, options: object): Promise<Page> {
  const context = await browser.newContext();
  cleanup.defer(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/esm.html`);
  await page.evaluate(
    ({ kind, options }) => {
      const received: unknown[] = [];
      const w = globalThis as unknown as Record<string, unknown>;
      w['received'] = received;
      if (kind === 'shared') {
        const worker = new SharedWorker('/chat-worker.js', { type: 'module' });
        worker.port.onmessage = (event) => received.push(event.data);
        w['send'] = (message: unknown) => worker.port.postMessage(message);
      } else {
        const worker = new Worker('/chat-worker.js', { type: 'module' });
        worker.onmessage = (event) => received.push(event.data);
        w['send'] = (message: unknown) => worker.postMessage(message);
      }
      (w['send'] as (m: unknown) => void)({ type: 'open', options });
    },
    { kind, options },
  );
  return page;
}

async function next(page: Page, type: string): Promise<Record<string, unknown>> {
  const handle = await page.waitForFunction(
    (type) => ((globalThis as unknown as { received: Array<{ type: string }> }).received.find((m) => m.type === type) ?? false),
    type,
    { timeout: 10_000 },
  );
  return (await handle.jsonValue()) as Record<string, unknown>;
}

it.each([
  ['worker', 'default', {}],
  ['worker', 'polling', { transports: ['polling'] }],
  ['shared', 'default', {}],
  ['shared', 'polling', { transports: ['polling'] }],
] as const)('in a %s (%s transports): connects and chats both ways', async (kind, _mode, options) => {
  const app = cleanup.use(await startChatServer());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const page = await startWorker(browser, app.url, kind, options);
  const expected = 'transports' in options ? 'polling' : 'websocket';
  const connected = await next(page, 'connect');
  expect(connected['transport']).toBe(expected);
  await page.evaluate(() => (globalThis as unknown as { send: (m: unknown) => void }).send({ type: 'chat', text: 'from a worker' }));
  const ack = await next(page, 'ack');
  expect(ack).toEqual({ type: 'ack', ack: 'ok', transport: expected });
  expect((await next(page, 'chat'))['text']).toBe('from a worker');
  expect(app.received.map((m) => [m.text, m.transport])).toEqual([['from a worker', expected]]);
  expect(await page.evaluate(() => (globalThis as unknown as { received: Array<{ type: string }> }).received.filter((m) => m.type === 'error'))).toEqual([]);
});

it('in a worker behind a proxy that passes the 101 and stalls: polling in under 1.5 s, chat both ways', async () => {
  const app = cleanup.use(await startChatServer());
  const proxy = cleanup.use(await startTcpProxy(app.port, { kind: 'stall-after-101' }));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const page = await startWorker(browser, proxy.url, 'worker', {});
  const connected = await next(page, 'connect');
  expect(connected['transport']).toBe('polling');
  // From io() in the worker: the open packet is awaited ~500 ms after the 101, not webSocketTimeout (3 s).
  expect(connected['ms']).toBeLessThan(1500);
  expect(proxy.upgrades).toBeGreaterThan(0);
  await page.evaluate(() => (globalThis as unknown as { send: (m: unknown) => void }).send({ type: 'chat', text: 'stalled' }));
  expect(await next(page, 'ack')).toEqual({ type: 'ack', ack: 'ok', transport: 'polling' });
});
