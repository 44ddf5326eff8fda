// The migration most users make first: keep the browser's socket.io-client 4.8 (its own <script> and ES
// module builds, from the npm package) and swap the server for Switchback. In Chromium: the default
// client (polling, then the upgrade to WebSocket), WebSocket only, the ES module build, the msgpack build
// against our msgpack codec, a reconnect after the server drops the connection, and a proxy that passes
// the WebSocket's 101 and then stalls it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as msgpackParser from '@switchback/server/msgpack-parser';
import type { Socket as ServerSocket } from '@switchback/server';
import { afterEach, expect, it } from 'vitest';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { once } from '../helpers/wait.js';
import { launchChromium } from './support/browser.js';
import { startChatServer, type Asset, type ChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { answerTypes, expectTypesIntact, watchFrameKinds } from './support/msgpack.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const require = createRequire(import.meta.url);
const vendorDir = join(dirname(require.resolve('socket.io-client/package.json')), 'dist');
const { version } = require('socket.io-client/package.json') as { version: string };

const BODY = `
  <p>Status: <span id="status">connecting</span> · Transport: <span id="transport">none</span></p>
  <ul id="messages"></ul>
  <form id="send"><input id="message" autocomplete="off"><button>Send</button></form>
  <pre id="log"></pre>`;

const html = (body: string): Asset => ({ type: 'text/html; charset=utf-8', body: `<!doctype html><meta charset="utf-8">${BODY}${body}` });
const classic = (file: string): Asset => html(`<script src="/vendor/${file}"></script><script src="/chat-app.js"></script><script>startChatApp(io);</script>`);

async function startWithSocketIoClient(options: { parser?: typeof msgpackParser; upgradeTimeout?: number } = {}): Promise<ChatServer> {
  const js = 'text/javascript; charset=utf-8';
  const files = ['socket.io.min.js', 'socket.io.esm.min.js', 'socket.io.msgpack.min.js'];
  const vendor = await Promise.all(files.map(async (file) => [`/vendor/${file}`, { type: js, body: await readFile(join(vendorDir, file), 'utf8') }] as const));
  const assets = new Map<string, Asset>([
    ...vendor,
    ['/pages/script.html', classic('socket.io.min.js')],
    ['/pages/msgpack.html', classic('socket.io.msgpack.min.js')],
    [
      '/pages/esm.html',
      html(`<script src="/chat-app.js"></script><script type="module">import { io } from '/vendor/socket.io.esm.min.js'; startChatApp(io);</script>`),
    ],
  ]);
  // serveClient off: the page must run socket.io-client's files, not ours under /socket.io/.
  return startChatServer({ server: { serveClient: false, ...options }, assets });
}

it(`socket.io-client ${version} in Chromium: polling then the upgrade, WebSocket only, the ES module build`, async () => {
  const app = cleanup.use(await startWithSocketIoClient());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('socket.io-client');
  await scenario.run(async () => {
    for (const [page, query, first] of [
      ['script.html', '', 'polling'],
      ['esm.html', '', 'polling'],
      ['script.html', '?transports=websocket', 'websocket'],
    ] as const) {
      const context = await browser.newContext();
      const seen = app.requests.length;
      const chat = await scenario.open(context, `${app.url}/pages/${page}${query}`);
      await chat.connected();
      // HTTP requests only (a WebSocket arrives as an upgrade): the polling handshake, or none at all.
      const polling = app.requests.slice(seen).filter((line) => line.includes('EIO=4&transport=polling'));
      expect(polling.length > 0).toBe(first === 'polling');
      if (first === 'polling') {
        // socket.io-client's default: polling first, then the upgrade to WebSocket (which may finish
        // before or after 'connect').
        await chat.page.waitForFunction(() => Reflect.get(window, 'chat').upgrades === 1, undefined, { timeout: 10_000 });
      }
      expect((await chat.state()).transport).toBe('websocket');
      await expectChatBothWays(app, chat, `socket.io-client ${page}${query}`);
      scenario.report(await chat.state(), ` (${page}${query})`);
      await context.close();
    }
  });
});

it('socket.io-client reconnects to Switchback after the server drops the connection, with a new session', async () => {
  const app = cleanup.use(await startWithSocketIoClient());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('socket.io-client reconnect');
  await scenario.run(async () => {
    const context = await browser.newContext();
    const first = once<[ServerSocket]>(app.io, 'connection');
    const chat = await scenario.open(context, `${app.url}/pages/script.html?transports=websocket`);
    await chat.connected();
    const [socket] = await first;
    const again = once<[ServerSocket]>(app.io, 'connection');
    socket.conn.close();
    const [next] = await again;
    expect(next.id).not.toBe(socket.id);
    await chat.page.waitForFunction(() => Reflect.get(window, 'chat').connects === 2, undefined, { timeout: 10_000 });
    const state = await chat.state();
    expect(state.disconnects).toEqual(['transport close']);
    await expectChatBothWays(app, chat, 'socket.io-client after a reconnect');
    await context.close();
  });
});

it("socket.io-client's msgpack build against Switchback's msgpack codec: binary frames, Dates and bytes intact", async () => {
  const app = cleanup.use(await startWithSocketIoClient({ parser: msgpackParser }));
  const frames = watchFrameKinds(app.io);
  answerTypes(app.io);
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('socket.io-client msgpack');
  await scenario.run(async () => {
    const context = await browser.newContext();
    const chat = await scenario.open(context, `${app.url}/pages/msgpack.html`);
    await chat.connected();
    await chat.page.waitForFunction(() => Reflect.get(window, 'chat').upgrades === 1, undefined, { timeout: 10_000 });
    expect((await chat.state()).transport).toBe('websocket');
    await expectChatBothWays(app, chat, 'socket.io-client msgpack');
    await expectTypesIntact(chat);
    expect([...frames]).toEqual(['binary']);
    await context.close();
  });
});

it('socket.io-client through a proxy that passes the 101 then stalls: stays on polling, and the session outlives the dead probe', async () => {
  const app = cleanup.use(await startWithSocketIoClient({ upgradeTimeout: 1000 }));
  const proxy = cleanup.use(await startTcpProxy(app.port, { kind: 'stall-after-101' }));
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('socket.io-client stalled upgrade');
  await scenario.run(async () => {
    const chat = await scenario.open(await browser.newContext(), `${proxy.url}/pages/script.html`);
    expect(await chat.connected()).toBe('polling');
    // socket.io-client's probe has no timer of its own: the server gives up on it after upgradeTimeout
    // (1 s) and drops that WebSocket at once, which the client sees as an upgrade error (a close
    // handshake through the stalled proxy would have held it for the 5 s close grace).
    await chat.page.waitForFunction(() => Reflect.get(window, 'chat').upgradeErrors.length === 1, undefined, { timeout: 4_000 });
    expect(proxy.upgrades).toBe(1);
    await expectChatBothWays(app, chat, 'socket.io-client after the stalled upgrade');
    const state = await chat.state();
    expect([state.transports, state.connects, state.disconnects]).toEqual([['polling'], 1, []]);
    expect(app.received.at(-1)?.transport).toBe('polling');
    expect(app.io.engine.clientsCount).toBe(1);
  });
});
