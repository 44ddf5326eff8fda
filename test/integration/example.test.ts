import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

// What `npm start` runs, on the built packages exactly as the README's first command leaves them:
// the example bundles the installed @switchback/client for the browser and serves it.
let child: ReturnType<typeof spawn> | undefined;
let base = '';

beforeAll(async () => {
  await run('npm', ['run', 'build', '--silent'], { cwd: root });
  child = spawn(process.execPath, ['examples/chat/server.js'], { cwd: root, env: { ...process.env, PORT: '0' } });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/localhost:(\d+)/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child?.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child?.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${out}`)));
  });
}, 120_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

it('serves the chat page, a browser bundle without Node code, and Engine.IO handshakes', async () => {
  const page = await fetch(`${base}/`);
  expect(await page.text()).toContain('Switchback chat');
  const bundle = await (await fetch(`${base}/bundle.js`)).text();
  expect(bundle.length).toBeGreaterThan(10_000);
  expect(bundle).not.toMatch(/node:(http|https|net|tls)|from ?["']ws["']|require\(["']ws["']\)/);
  const handshake = await (await fetch(`${base}/socket.io/?EIO=4&transport=polling`)).text();
  expect(handshake).toMatch(/^0\{"sid":"[\w-]+","upgrades":\["websocket"\]/);
});
