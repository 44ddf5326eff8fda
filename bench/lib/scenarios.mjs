// The measurements of one repetition. Each writes numbers into `out` under stable keys; a failed
// measurement is logged and left out (the report shows it as missing) instead of stopping the run.
export const LIBS = ['switchback', 'socketio', 'engineio', 'ws', 'http'];
export const LABELS = { switchback: 'Switchback', socketio: 'Socket.IO', engineio: 'engine.io', ws: 'raw ws', http: 'raw http' };
export const TRANSPORTS_OF = {
  switchback: ['websocket', 'polling'],
  socketio: ['websocket', 'polling'],
  engineio: ['websocket', 'polling'],
  ws: ['websocket'],
  http: ['polling'],
};
export const SOCKET_LIBS = ['switchback', 'socketio', 'engineio'];

async function attempt(what, fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`  ! ${what}: ${err instanceof Error ? err.message.split('\n')[0] : err}`);
  }
}

export async function pingpongAll(ctx, out) {
  const { settings } = ctx;
  for (const transport of ['websocket', 'polling']) {
    for (const sessions of [1, 50]) {
      for (const lib of LIBS) {
        if (!TRANSPORTS_OF[lib].includes(transport)) continue;
        await attempt(`pingpong ${lib} ${transport} x${sessions}`, async () => {
          const client = ctx.clients[lib];
          await client.call('pingpongStart', { lib, url: ctx.urls[lib], transports: [transport], sessions, warmupMs: settings.warmupMs }, 30_000);
          // The server's CPU over the measure window, per round trip (each one message each way).
          const before = await ctx.servers[lib].call('cpu');
          await new Promise((resolve) => setTimeout(resolve, settings.durationMs));
          const after = await ctx.servers[lib].call('cpu');
          const r = await client.call('pingpongStop', {});
          const key = `pp:${transport}:${sessions}:${lib}`;
          out[`${key}:rps`] = r.perSecond;
          out[`${key}:cpu`] = (after.user + after.system - before.user - before.system) / Math.max(1, r.roundTrips);
          out[`${key}:p50`] = r.p50Us;
          out[`${key}:p99`] = r.p99Us;
          if (!r.transports.every((t) => t === transport)) throw new Error(`ran over ${r.transports.join(',')}`);
        });
        await ctx.clients[lib].call('closeAll');
      }
    }
  }
}

export async function floodAll(ctx, out) {
  const n = ctx.settings.floodMessages;
  for (const transport of ['websocket', 'polling']) {
    for (const lib of SOCKET_LIBS.concat('ws')) {
      if (!TRANSPORTS_OF[lib].includes(transport)) continue;
      await attempt(`flood ${lib} ${transport}`, async () => {
        const client = ctx.clients[lib];
        const server = ctx.servers[lib];
        await client.call('openFlood', { lib, url: ctx.urls[lib], transports: [transport] });
        await server.call('arm', { n });
        const sent = await client.call('flood', { n });
        const done = await server.call('waitFlood', {}, 60_000);
        const seconds = Number(BigInt(done.endNs) - BigInt(sent.startNs)) / 1e9;
        out[`flood:${transport}:${lib}:rate`] = n / seconds;
        out[`flood:${transport}:${lib}:cpu`] = done.cpuUs / n;
      });
      await ctx.clients[lib].call('closeAll');
    }
  }
}

async function waitForSessions(server, expected, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { sessions } = await server.call('sessions');
    if (sessions === expected || Date.now() > deadline) return sessions;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const IDLE_WARMUP_SESSIONS = 20;

export async function idleAll(ctx, out) {
  const n = ctx.settings.idleSessions;
  for (const transport of ['websocket', 'polling']) {
    for (const lib of SOCKET_LIBS.concat('ws')) {
      if (!TRANSPORTS_OF[lib].includes(transport)) continue;
      const server = ctx.servers[lib];
      const client = ctx.clients[lib];
      await attempt(`idle ${lib} ${transport}`, async () => {
        // Warm the server's code paths first, so one-time allocations (compiled code, lazily built
        // tables) are not spread over the measured sessions, whichever steps ran before this one.
        const warm = { lib, url: ctx.urls[lib], transports: [transport], sessions: IDLE_WARMUP_SESSIONS };
        await client.call('openIdle', warm, 60_000);
        await waitForSessions(server, IDLE_WARMUP_SESSIONS);
        await client.call('closeAll');
        await waitForSessions(server, 0);
        const before = await server.call('mem');
        await client.call('openIdle', { lib, url: ctx.urls[lib], transports: [transport], sessions: n }, 120_000);
        const seen = await waitForSessions(server, n);
        if (seen !== n) throw new Error(`server sees ${seen} of ${n} sessions`);
        // Let in-flight handshake requests finish so only the idle state remains.
        await new Promise((r) => setTimeout(r, 300));
        const after = await server.call('mem');
        out[`idle:${transport}:${lib}:heap`] = (after.heapUsed - before.heapUsed) / n;
        out[`idle:${transport}:${lib}:rss`] = (after.rss - before.rss) / n;
      });
      await client.call('closeAll');
    }
  }
}

export async function firstMessageAll(ctx, out) {
  const { samples } = ctx.settings;
  for (const lib of LIBS) {
    await attempt(`first message ${lib}`, async () => {
      const { times } = await ctx.clients[lib].call('firstMessage', { lib, url: ctx.urls[lib], samples: samples + 2 }, 60_000);
      out[`first:${lib}`] = ctx.median(times.slice(2)); // the first two warm the client's code paths
    });
    // The same over a link with a 20 ms round trip: the number of round trips, not CPU, decides here.
    await attempt(`first message ${lib} (20 ms RTT)`, async () => {
      const url = ctx.delayedUrls[lib];
      const { times } = await ctx.clients[lib].call('firstMessage', { lib, url, samples: ctx.settings.delayedSamples + 1 }, 60_000);
      out[`firstRtt:${lib}`] = ctx.median(times.slice(1));
    });
    // Quiet: each connection opens once the server has seen the previous one close, so a sample does
    // not also pay for the previous connection's teardown (a graceful Socket.IO disconnect costs both
    // ends more than ws's terminate()). Raw HTTP has no session to wait for.
    await attempt(`first message ${lib} (quiet)`, async () => {
      const times = [];
      for (let i = 0; i < samples + 2; i += 1) {
        const { times: [ms] } = await ctx.clients[lib].call('firstMessage', { lib, url: ctx.urls[lib], samples: 1 }, 30_000);
        times.push(ms);
        if (lib === 'http') continue;
        const deadline = Date.now() + 5_000;
        while ((await ctx.servers[lib].call('sessions')).sessions > 0) {
          if (Date.now() > deadline) throw new Error('the server still counts a session 5 s after the client closed it');
        }
      }
      out[`firstQuiet:${lib}`] = ctx.median(times.slice(2));
    });
  }
}

/** Connected-time with the server refusing WebSocket, and through a proxy that stalls it after the 101. */
export async function fallbackAll(ctx, out) {
  const { connectSamples, stallSamples } = ctx.settings;
  const cases = [
    ['refused', ctx.pollingOnlyUrls, connectSamples],
    ['stall', ctx.stallUrls, stallSamples],
  ];
  for (const [name, urls, samples] of cases) {
    for (const lib of SOCKET_LIBS) {
      for (const [variant, transports] of [['default', undefined], ['polling', ['polling']]]) {
        await attempt(`${name} ${lib} ${variant}`, async () => {
          const warm = name === 'stall' && variant === 'default' ? 0 : 1; // a 3 s stall is warm enough
          const r = await ctx.clients[lib].call(
            'connectTime',
            { lib, url: urls[lib], transports, samples: samples + warm },
            60_000 + samples * 15_000,
          );
          out[`${name}:${lib}:${variant}`] = ctx.median(r.times.slice(warm));
          out[`${name}:${lib}:${variant}:transport`] = r.transports.join(',');
        });
        await ctx.clients[lib].call('closeAll');
      }
    }
  }
}
