#!/usr/bin/env node
// CPU profile of one server process during floods: node bench/profile.mjs [lib] [transport] [messages]
// Starts the server with --cpu-prof, runs the flood a few times, stops it, and prints the functions
// with the most self time. The .cpuprofile lands in bench/results/profiles/ (open it in Chrome DevTools).
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnWorker } from './lib/ipc.mjs';

const here = fileURLToPath(new URL('./', import.meta.url));
const [lib = 'switchback', transport = 'websocket', messagesArg = '20000'] = process.argv.slice(2);
const n = Number(messagesArg);
const dir = `${here}results/profiles/${lib}-${transport}-${Date.now()}`;
mkdirSync(dir, { recursive: true });

const server = await spawnWorker(`${here}lib/server-process.mjs`, {
  execArgv: ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`],
  name: `${lib} server`,
});
const client = await spawnWorker(`${here}lib/client-process.mjs`, { name: `${lib} client` });
try {
  const { port } = await server.call('listen', { lib });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 5; i += 1) {
    await client.call('openFlood', { lib, url, transports: [transport] });
    await server.call('arm', { n });
    await client.call('flood', { n });
    const done = await server.call('waitFlood', {}, 60_000);
    console.log(`flood ${i + 1}: ${(done.cpuUs / n).toFixed(2)} µs CPU/msg`);
    await client.call('closeAll');
  }
} finally {
  await client.stop();
  await server.stop(); // SIGTERM -> process.exit(0), which writes the profile
}

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
const dt = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const self = new Map();
let total = 0;
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)') continue;
  total += t;
  const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + t);
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
console.log(`\nprofile: ${dir}/${file}\nself time, top 25 (of ${(total / 1000).toFixed(0)} ms busy):`);
for (const [key, t] of top) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
