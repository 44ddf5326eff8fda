// One load-generator process: opens sessions with a library's own client and drives them.
import { serve } from './ipc.mjs';
import { httpHello, openSession } from './clients.mjs';
import { percentile } from './stats.mjs';

export const MESSAGE = 'm'.repeat(100);
let open = [];

const nowNs = () => process.hrtime.bigint();

async function openMany(lib, url, transports, count, concurrency = 50) {
  const sessions = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const session = await openSession(lib, url, transports);
      sessions.push(session);
      open.push(session);
      await session.opened;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return sessions;
}

function closeAll() {
  for (const session of open.splice(0)) session.close();
}

/**
 * Every session echoes in a loop; round trips are counted and timed only inside the measure window, which
 * pingpongStart opens (after the warm-up) and pingpongStop closes, so the parent can read the server's CPU
 * over the same window in between.
 */
let running;

async function pingpongStart({ lib, url, transports, sessions: count, warmupMs }) {
  const sessions = await openMany(lib, url, transports, count);
  const run = { sessions, latencies: [], measuring: false, stopped: false, roundTrips: 0, start: 0n };
  running = run;
  for (const session of sessions) {
    let sentAt = 0n;
    const sendNext = () => {
      if (run.stopped) return;
      sentAt = nowNs();
      session.echo(MESSAGE);
    };
    session.onEcho(() => {
      if (run.measuring) {
        run.latencies.push(Number(nowNs() - sentAt) / 1000);
        run.roundTrips += 1;
      }
      sendNext();
    });
    sendNext();
  }
  await new Promise((r) => setTimeout(r, warmupMs));
  run.measuring = true;
  run.start = nowNs();
  return {};
}

function pingpongStop() {
  const run = running;
  running = undefined;
  if (!run) throw new Error('pingpongStop without pingpongStart');
  run.measuring = false;
  run.stopped = true;
  const seconds = Number(nowNs() - run.start) / 1e9;
  const used = run.sessions.map((s) => s.transport());
  closeAll();
  run.latencies.sort((a, b) => a - b);
  return {
    perSecond: run.roundTrips / seconds,
    roundTrips: run.roundTrips,
    p50Us: percentile(run.latencies, 0.5),
    p99Us: percentile(run.latencies, 0.99),
    transports: [...new Set(used)],
  };
}

let floodSession;
serve({
  pingpongStart,
  pingpongStop,
  async openFlood({ lib, url, transports }) {
    [floodSession] = await openMany(lib, url, transports, 1);
    return { transport: floodSession.transport() };
  },
  flood({ n }) {
    const startNs = nowNs();
    for (let i = 0; i < n; i += 1) floodSession.flood(MESSAGE);
    return { startNs: startNs.toString(), transport: floodSession.transport() };
  },
  async openIdle({ lib, url, transports, sessions }) {
    const opened = await openMany(lib, url, transports, sessions);
    return { opened: opened.length, transports: [...new Set(opened.map((s) => s.transport()))] };
  },
  closeAll() {
    closeAll();
    floodSession = undefined;
    return {};
  },
  /** From creating the client to the first server message, on a new connection each sample. */
  async firstMessage({ lib, url, samples }) {
    const times = [];
    for (let i = 0; i < samples; i += 1) {
      const start = nowNs();
      if (lib === 'http') {
        await httpHello(url);
      } else {
        const session = await openSession(lib, url, undefined);
        await session.hello;
        times.push(Number(nowNs() - start) / 1e6);
        session.close();
        continue;
      }
      times.push(Number(nowNs() - start) / 1e6);
    }
    return { times };
  },
  /** From creating the client to connected, with the given client transports (undefined = default). */
  async connectTime({ lib, url, transports, samples }) {
    const times = [];
    const used = new Set();
    for (let i = 0; i < samples; i += 1) {
      const start = nowNs();
      const session = await openSession(lib, url, transports);
      await session.opened;
      times.push(Number(nowNs() - start) / 1e6);
      used.add(session.transport());
      session.close();
    }
    return { times, transports: [...used] };
  },
});
