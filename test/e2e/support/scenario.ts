import { expect } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { ChatPage, type ChatState } from './browser.js';
import type { ChatServer } from './chat-server.js';

/** Polls `predicate` until it holds (for state without an event, such as a server-side count). */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The pages of one test. `run()` adds every page's engine log and console to a failure, so a failing
 * situation reports what the client did, not only what it did not do.
 */
export class Scenario {
  readonly pages: ChatPage[] = [];
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  async open(context: BrowserContext, url: string): Promise<ChatPage> {
    const chat = new ChatPage(await context.newPage());
    this.pages.push(chat);
    await chat.page.goto(url);
    return chat;
  }

  async run(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const reports = await Promise.all(this.pages.map((page, i) => page.diagnostics().then((d) => `--- tab ${i + 1}\n${d}`)));
      const detail = `\n[${this.#name}] client diagnostics:\n${reports.join('\n')}`;
      if (err instanceof Error) {
        err.message += detail;
        throw err;
      }
      throw new Error(`${String(err)}${detail}`, { cause: err });
    }
  }

  /** Prints the situation's outcome and how long connecting took (printed, not asserted). */
  report(state: ChatState, extra = ''): void {
    const ms = state.connectMs === undefined ? 'n/a' : `${Math.round(state.connectMs)} ms`;
    console.log(`[e2e] ${this.#name}: transport ${state.transport ?? 'none'} (history ${state.transports.join(' → ')}), connected in ${ms}${extra}`);
  }
}

let counter = 0;

/**
 * Chat both ways: the user types a message (the server receives it, acks it and broadcasts it back to
 * the page), then the server pushes one of its own (the page shows it).
 */
export async function expectChatBothWays(app: ChatServer, chat: ChatPage, label: string): Promise<void> {
  counter += 1;
  const up = `${label} says hello #${counter}`;
  const before = app.received.length;
  await chat.send(up);
  await until(() => app.received.slice(before).some((m) => m.text === up), `the server received "${up}"`);
  await chat.sees(up);
  await until(async () => (await chat.state()).acked.length > 0, 'the page got the ack');
  const down = `server says hi to ${label} #${counter}`;
  app.io.emit('chat', { from: 'server', text: down });
  await chat.sees(down);
  const texts = (await chat.state()).received.map((m) => m.text);
  expect(texts.filter((t) => t === up)).toHaveLength(1);
  expect(texts.filter((t) => t === down)).toHaveLength(1);
}
