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

/** Every session echoes in a loop; round trips are counted and timed only inside the measure window. */
async function pingpong({ lib, url, transports, sessions: count, warmupMs, durationMs }) {
  const sessions = await openMany(lib, url, transports, count);
  const latencies = [];
  let measuring = false;
  let stopped = false;
  let roundTrips = 0;
  for (const session of sessions) {
    let sentAt = 0n;
    const sendNext = () => {
      if (stopped) return;
      sentAt = nowNs();
      session.echo(MESSAGE);
    };
    session.onEcho(() => {
      if (measuring) {
        latencies.push(Number(nowNs() - sentAt) / 1000);
        roundTrips += 1;
      }
      sendNext();
    });
    sendNext();
  }
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const start = nowNs();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  stopped = true;
  const seconds = Number(nowNs() - start) / 1e9;
  const used = sessions.map((s) => s.transport());
  closeAll();
  latencies.sort((a, b) => a - b);
  return {
    perSecond: roundTrips / seconds,
    p50Us: percentile(latencies, 0.5),
    p99Us: percentile(latencies, 0.99),
    transports: [...new Set(used)],
  };
}

let floodSession;
serve({
  pingpong,
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
