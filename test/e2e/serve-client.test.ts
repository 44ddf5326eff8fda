// serveClient: a page written for Socket.IO loads the client from the server itself
// (`<script src="/socket.io/socket.io.js">` then `io()`, or the ESM file) and chats both ways.
// The served files are the built @switchback/client package (dist/browser), so this builds it first.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { repositoryRoot } from '../../vitest.aliases.js';
import * as msgpackParser from '@switchback/server/msgpack-parser';
import { launchChromium } from './support/browser.js';
import { startChatServer, type ChatServer } from './support/chat-server.js';
import { Cleanup } from './support/cleanup.js';
import { answerTypes, expectTypesIntact, watchFrameKinds } from './support/msgpack.js';
import { expectChatBothWays, Scenario } from './support/scenario.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

beforeAll(async () => {
  // What `npm run build` does for the client: tsc (protocol, then client), then scripts/bundle.mjs.
  await promisify(execFile)('npm', ['run', 'build', '--silent', '-w', 'packages/protocol', '-w', 'packages/client'], {
    cwd: repositoryRoot,
  });
}, 180_000);

const BODY = `
  <p>Status: <span id="status">connecting</span> · Transport: <span id="transport">none</span></p>
  <ul id="messages"></ul>
  <form id="send"><input id="message" autocomplete="off"><button>Send</button></form>
  <pre id="log"></pre>`;

// socket.io's documented snippets, unchanged but for the app around them.
const classic = (file: string): string =>
  `${BODY}<script src="/socket.io/${file}"></script><script src="/chat-app.js"></script><script>startChatApp(io);</script>`;
const module = (file: string): string =>
  `${BODY}<script src="/chat-app.js"></script><script type="module">import { io } from '/socket.io/${file}'; startChatApp(io);</script>`;

/** Page → the client file it loads. */
const SCRIPTS = { 'script.html': 'socket.io.js', 'script-min.html': 'socket.io.min.js', 'esm.html': 'socket.io.esm.min.js' };
const PAGES: Readonly<Record<string, string>> = {
  'script.html': classic(SCRIPTS['script.html']),
  'script-min.html': classic(SCRIPTS['script-min.html']),
  'esm.html': module(SCRIPTS['esm.html']),
  'msgpack.html': classic('socket.io.msgpack.min.js'),
};

/** The chat app of the other e2e tests, with these pages under /pages/ and the client files under /socket.io/. */
function startServingChat(options: { parser?: typeof msgpackParser } = {}): Promise<ChatServer> {
  const pages = Object.entries(PAGES).map(([name, body]) => [`/pages/${name}`, { type: 'text/html; charset=utf-8', body: `<!doctype html><meta charset="utf-8">${body}` }] as const);
  return startChatServer({ server: { serveClient: true, ...options }, assets: new Map(pages) });
}

it('pages load the client from /socket.io/ (script tag, minified, ES module) and chat with acks', async () => {
  const app = cleanup.use(await startServingChat());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('serveClient');
  await scenario.run(async () => {
    for (const [page, file] of Object.entries(SCRIPTS)) {
      const context = await browser.newContext();
      const chat = await scenario.open(context, `${app.url}/pages/${page}?webSocketTimeout=1000`);
      expect(await chat.connected()).toBe('websocket');
      await expectChatBothWays(app, chat, `serveClient ${page}`);
      const loaded = await chat.page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      expect(loaded).toContain(`/socket.io/${file}`);
      scenario.report(await chat.state(), ` (${page})`);
      await context.close();
    }
  });
});

it('the script tag defines io as socket.io-client does, and its source map resolves next to it', async () => {
  const app = cleanup.use(await startServingChat());
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('serveClient global');
  await scenario.run(async () => {
    const context = await browser.newContext();
    const chat = await scenario.open(context, `${app.url}/pages/script.html`);
    await chat.connected();
    const global = await chat.page.evaluate(() => {
      const io = Reflect.get(window, 'io') as Record<string, unknown>;
      return {
        io: io['io'] === io,
        connect: io['connect'] === io,
        manager: typeof io['Manager'],
        socket: typeof io['Socket'],
        protocol: io['protocol'],
      };
    });
    expect(global).toEqual({ io: true, connect: true, manager: 'function', socket: 'function', protocol: 5 });
    // What devtools would do: follow the served file's sourceMappingURL.
    const map = await chat.page.evaluate(async () => {
      const script = new URL('/socket.io/socket.io.js', location.href);
      const code = await (await fetch(script)).text();
      const name = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1] ?? '';
      const res = await fetch(new URL(name, script));
      const json = (await res.json()) as { version?: number; sources?: string[] };
      return { status: res.status, type: res.headers.get('content-type'), version: json.version, sources: json.sources ?? [] };
    });
    expect([map.status, map.type, map.version]).toEqual([200, 'application/json; charset=utf-8', 3]);
    expect(map.sources.some((source) => source.endsWith('src/index.ts'))).toBe(true);
    await context.close();
  });
});

it('the msgpack bundle talks MessagePack to a server with the msgpack parser: binary frames, Dates and bytes intact', async () => {
  const app = cleanup.use(await startServingChat({ parser: msgpackParser }));
  const frames = watchFrameKinds(app.io);
  answerTypes(app.io);
  const browser = await launchChromium();
  cleanup.defer(() => browser.close());
  const scenario = new Scenario('serveClient msgpack');
  await scenario.run(async () => {
    for (const transports of ['websocket', 'polling']) {
      const context = await browser.newContext();
      const chat = await scenario.open(context, `${app.url}/pages/msgpack.html?webSocketTimeout=1000&transports=${transports}`);
      expect(await chat.connected()).toBe(transports);
      await expectChatBothWays(app, chat, `serveClient msgpack.html over ${transports}`);
      await expectTypesIntact(chat);
      scenario.report(await chat.state(), ` (msgpack, ${transports})`);
      await context.close();
    }
    // Every Socket.IO packet the server received was one msgpack buffer, never the default text format.
    expect([...frames]).toEqual(['binary']);
  });
});
