import { chromium, type Browser, type Page } from 'playwright-core';
import { requireBinary } from './processes.js';

// Per /work/shared/TESTING.md: a fresh temp profile per launch, nothing phoning home.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface LaunchOptions {
  /** Send every request through this forward proxy, loopback included. */
  readonly proxyServer?: string;
}

/** Launches the Debian Chromium headless; close it with `browser.close()`. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = requireBinary('chromium', ['/usr/bin/chromium', '/usr/bin/chromium-browser']);
  const proxyArgs =
    options.proxyServer === undefined
      ? []
      : // Without the bypass rule Chromium never proxies loopback and the test would prove nothing.
        [`--proxy-server=${options.proxyServer}`, '--proxy-bypass-list=<-loopback>'];
  return chromium.launch({ executablePath, headless: true, timeout: 60_000, args: [...CHROMIUM_ARGS, ...proxyArgs] });
}

/** What the page keeps in `window.chat` (see page/chat-app.js). */
export interface ChatState {
  connectMs: number | undefined;
  transport: string | undefined;
  transports: string[];
  sids: string[];
  received: Array<{ from: string; text: string }>;
  acked: string[];
  connects: number;
  disconnects: string[];
  upgrades: number;
  upgradeErrors: string[];
  log: string[];
}

/** One tab of the chat app, driven through its DOM like a user, read through `window.chat`. */
export class ChatPage {
  readonly page: Page;
  readonly console: string[] = [];

  constructor(page: Page) {
    this.page = page;
    page.on('console', (message) => this.console.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (err) => this.console.push(`[pageerror] ${err.message}`));
  }

  async state(): Promise<ChatState> {
    return this.page.evaluate(() => (window as unknown as { chat: ChatState }).chat);
  }

  /** Resolves once the page shows "connected"; returns the transport it shows. */
  async connected(timeoutMs = 15_000): Promise<string> {
    await this.page.locator('#status', { hasText: /^connected$/ }).waitFor({ timeout: timeoutMs });
    return this.page.locator('#transport').innerText();
  }

  async shownTransport(): Promise<string> {
    return this.page.locator('#transport').innerText();
  }

  /** Types a message and presses Enter, as a user would. */
  async send(text: string): Promise<void> {
    await this.page.locator('#message').fill(text);
    await this.page.locator('#message').press('Enter');
  }

  /** Waits until the message list shows `text` (from anyone). */
  async sees(text: string, timeoutMs = 10_000): Promise<void> {
    await this.page.locator('#messages li', { hasText: text }).first().waitFor({ timeout: timeoutMs });
  }

  /** The page's engine log plus its console, for failure reports. */
  async diagnostics(): Promise<string> {
    const log = await this.state().then(
      (s) => s.log.join('\n'),
      (err: unknown) => `(state unavailable: ${String(err)})`,
    );
    return `page log:\n${log}\nconsole:\n${this.console.join('\n')}`;
  }
}
