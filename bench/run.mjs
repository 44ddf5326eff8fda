#!/usr/bin/env node
// Side-by-side benchmarks: Switchback, Socket.IO, engine.io, raw ws and raw http keep-alive.
// Usage: node bench/run.mjs [--quick] [--reps N] [--only STEP,STEP]
//   --only runs just the named steps (first, pingpong, flood, fallback, idle, bundle), prints the tables
//   and writes nothing to bench/results/ (the published files always come from a complete run).
// Servers and load generators run in forked processes on 127.0.0.1; every repetition runs each
// library in turn (A B C D E, A B C D E, ...) and ratios are computed per repetition.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bundleSizes } from './lib/bundle.mjs';
import { killAll, spawnWorker } from './lib/ipc.mjs';
import { renderMarkdown, renderSvg } from './lib/report.mjs';
import { LIBS, SOCKET_LIBS, fallbackAll, firstMessageAll, floodAll, idleAll, pingpongAll } from './lib/scenarios.mjs';
import { median } from './lib/stats.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repsArg = args.indexOf('--reps');

const settings = quick
  ? { reps: 3, warmupMs: 300, durationMs: 1000, floodMessages: 20_000, idleSessions: 500, samples: 10, delayedSamples: 5, connectSamples: 5, stallSamples: 1 }
  : { reps: 5, warmupMs: 1000, durationMs: 3000, floodMessages: 20_000, idleSessions: 2000, samples: 30, delayedSamples: 10, connectSamples: 15, stallSamples: 2 };
if (repsArg !== -1) settings.reps = Number(args[repsArg + 1]);
/** Each way, for the time to first message over a slower link: a 20 ms round trip. */
const LINK_DELAY_MS = 10;
const STEPS = [
  ['first', 'first message', firstMessageAll],
  ['pingpong', 'ping-pong', pingpongAll],
  ['flood', 'flood', floodAll],
  ['fallback', 'fallback', fallbackAll],
  ['idle', 'idle memory', idleAll],
];
const onlyArg = args.indexOf('--only');
const only = onlyArg === -1 ? null : new Set(String(args[onlyArg + 1] ?? '').split(','));
if (only) {
  const known = new Set([...STEPS.map(([key]) => key), 'bundle']);
  const unknown = [...only].filter((k) => !known.has(k));
  if (unknown.length > 0 || only.size === 0) {
    console.error(`--only takes a comma-separated list of: ${[...known].join(', ')} (got ${[...only].join(',')})`);
    process.exit(2);
  }
}
// The whole run is bounded: past this, everything is killed and the run fails.
const budgetMs = quick ? 170_000 : 20 * 60_000;

function ensureBuilt() {
  const dists = ['protocol', 'server', 'client'].map((p) => `${root}packages/${p}/dist/esm/index.js`);
  if (dists.every((d) => existsSync(d))) return;
  console.log('building packages (npm run build)…');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

async function startRep() {
  const servers = {};
  const clients = {};
  const urls = {};
  const pollingOnlyUrls = {};
  const stallUrls = {};
  const delayedUrls = {};
  const serverModule = `${here}lib/server-process.mjs`;
  const clientModule = `${here}lib/client-process.mjs`;
  const opts = (name) => ({ execArgv: ['--expose-gc'], name });
  const proxy = await spawnWorker(serverModule, { name: 'proxy' });
  for (const lib of LIBS) {
    servers[lib] = await spawnWorker(serverModule, opts(`${lib} server`));
    clients[lib] = await spawnWorker(clientModule, { name: `${lib} client` });
    const { port } = await servers[lib].call('listen', { lib });
    urls[lib] = `http://127.0.0.1:${port}`;
    const delayed = await proxy.call('proxy', { targetPort: port, delayMs: LINK_DELAY_MS });
    delayedUrls[lib] = `http://127.0.0.1:${delayed.port}`;
    if (SOCKET_LIBS.includes(lib)) {
      const polling = await servers[lib].call('listen', { lib, transports: ['polling'] });
      pollingOnlyUrls[lib] = `http://127.0.0.1:${polling.port}`;
      const stall = await proxy.call('proxy', { targetPort: port });
      stallUrls[lib] = `http://127.0.0.1:${stall.port}`;
    }
  }
  const stop = async () => {
    await Promise.all([proxy, ...Object.values(servers), ...Object.values(clients)].map((w) => w.stop()));
  };
  return { servers, clients, urls, pollingOnlyUrls, stallUrls, delayedUrls, settings, median, stop };
}

async function main() {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    console.error(`run exceeded ${budgetMs / 1000} s; stopping everything`);
    killAll();
    process.exit(1);
  }, budgetMs);
  watchdog.unref();

  ensureBuilt();
  const bundle = !only || only.has('bundle') ? await bundleSizes(root) : null;
  const steps = STEPS.filter(([key]) => !only || only.has(key));
  const reps = [];
  for (let rep = 0; rep < settings.reps && steps.length > 0; rep += 1) {
    const repStart = Date.now();
    const out = {};
    const ctx = await startRep();
    try {
      for (const [, name, step] of steps) {
        const t = Date.now();
        await step(ctx, out);
        console.log(`rep ${rep + 1}/${settings.reps} ${name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
    } finally {
      await ctx.stop();
    }
    reps.push(out);
    console.log(`rep ${rep + 1} done in ${((Date.now() - repStart) / 1000).toFixed(1)} s`);
  }

  const machine = {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    mode: quick ? 'quick' : 'full',
    settings,
    seconds: (Date.now() - started) / 1000,
  };
  if (only) {
    console.log(renderMarkdown({ machine, reps, bundle }));
    console.log('partial run (--only): bench/results/ left as it was');
    return;
  }
  const resultsDir = `${here}results/`;
  mkdirSync(resultsDir, { recursive: true });
  const markdown = renderMarkdown({ machine, reps, bundle });
  writeFileSync(`${resultsDir}latest.md`, markdown);
  writeFileSync(`${resultsDir}latest.svg`, renderSvg({ machine, reps, bundle }));
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify({ machine, bundle, reps }, null, 2)}\n`);
  console.log(markdown);
  console.log(`wrote bench/results/latest.{md,svg,json} in ${machine.seconds.toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
