// Turns the per-repetition numbers into the markdown report and a hand-written SVG chart of the ratios.
import { LABELS, LIBS, SOCKET_LIBS, TRANSPORTS_OF } from './scenarios.mjs';
import { summarize } from './stats.mjs';

const BUNDLE_LIMIT_BYTES = 6.5 * 1024;

/** Ratios with a target: numerator / denominator per repetition, met when the median ≤ limit. */
export const TARGETS = [
  { name: 'Server CPU per WebSocket message vs raw ws', num: 'flood:websocket:switchback:cpu', den: 'flood:websocket:ws:cpu', limit: 1.3 },
  { name: 'Server CPU per polling message vs Socket.IO', num: 'flood:polling:switchback:cpu', den: 'flood:polling:socketio:cpu', limit: 0.5 },
  { name: 'Heap per idle WebSocket session vs Socket.IO', num: 'idle:websocket:switchback:heap', den: 'idle:websocket:socketio:heap', limit: 0.5 },
  { name: 'Heap per idle polling session vs Socket.IO', num: 'idle:polling:switchback:heap', den: 'idle:polling:socketio:heap', limit: 0.5 },
  { name: 'Time to first message (default options) vs raw ws', num: 'first:switchback', den: 'first:ws', limit: 1.5 },
  { name: 'Connected with WebSocket refused vs polling-only connect', num: 'refused:switchback:default', den: 'refused:switchback:polling', limit: 2 },
  { name: 'Polling ping-pong p50 (1 session) vs raw keep-alive HTTP', num: 'pp:polling:1:switchback:p50', den: 'pp:polling:1:http:p50', limit: 2 },
];

/** Ratios shown for context, without a target (lower is better for Switchback in every row). */
export const CONTEXT = [
  { name: 'WebSocket ping-pong p50 (1 session) vs Socket.IO', num: 'pp:websocket:1:switchback:p50', den: 'pp:websocket:1:socketio:p50' },
  { name: 'WebSocket ping-pong p50 (1 session) vs raw ws', num: 'pp:websocket:1:switchback:p50', den: 'pp:websocket:1:ws:p50' },
  { name: 'Polling ping-pong p50 (1 session) vs Socket.IO', num: 'pp:polling:1:switchback:p50', den: 'pp:polling:1:socketio:p50' },
  { name: 'Server CPU per WebSocket message vs Socket.IO', num: 'flood:websocket:switchback:cpu', den: 'flood:websocket:socketio:cpu' },
  { name: 'Server CPU per polling round trip (ping-pong, 50 sessions: a request per message) vs Socket.IO', num: 'pp:polling:50:switchback:cpu', den: 'pp:polling:50:socketio:cpu' },
  { name: 'Server CPU per WebSocket round trip (ping-pong, 50 sessions) vs Socket.IO', num: 'pp:websocket:50:switchback:cpu', den: 'pp:websocket:50:socketio:cpu' },
  { name: 'Time to first message (default options) vs Socket.IO', num: 'first:switchback', den: 'first:socketio' },
  { name: 'Time to first message, quiet (previous connection closed first), vs raw ws', num: 'firstQuiet:switchback', den: 'firstQuiet:ws' },
  { name: 'Time to first message over a 20 ms RTT link vs raw ws', num: 'firstRtt:switchback', den: 'firstRtt:ws' },
  { name: 'Time to first message over a 20 ms RTT link vs Socket.IO', num: 'firstRtt:switchback', den: 'firstRtt:socketio' },
  { name: 'Connected through a stalling proxy vs polling-only connect', num: 'stall:switchback:default', den: 'stall:switchback:polling' },
];

function ratioStats(reps, { num, den }) {
  return summarize(reps.map((r) => (typeof r[num] === 'number' && typeof r[den] === 'number' ? r[num] / r[den] : Number.NaN)));
}

function stat(reps, key) {
  return summarize(reps.map((r) => (typeof r[key] === 'number' ? r[key] : Number.NaN)));
}

function num(v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 100_000) return `${(v / 1000).toFixed(0)}k`;
  if (a >= 10_000) return `${(v / 1000).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(s) {
  if (s.n === 0) return '–';
  if (s.n === 1) return num(s.median);
  return `${num(s.median)} <sub>${num(s.min)}–${num(s.max)}</sub>`;
}

function ratioCell(s) {
  if (s.n === 0) return '–';
  return s.n === 1 ? `${s.median.toFixed(2)}×` : `${s.median.toFixed(2)}× <sub>${s.min.toFixed(2)}–${s.max.toFixed(2)}</sub>`;
}

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function firstString(reps, key) {
  const found = reps.map((r) => r[key]).find((v) => typeof v === 'string');
  return found ?? '–';
}

export function targetRows({ reps, bundle }) {
  const rows = TARGETS.map((t) => {
    const s = ratioStats(reps, t);
    return { name: t.name, stats: s, limit: t.limit, met: s.n > 0 ? s.median <= t.limit : undefined };
  });
  if (!bundle) return rows;
  const gz = bundle.switchback.gzipBytes;
  rows.push({
    name: 'Client bundle, min+gzip (KB, esbuild default target)',
    stats: { median: gz / 1024, min: gz / 1024, max: gz / 1024, n: 1 },
    limit: BUNDLE_LIMIT_BYTES / 1024,
    met: gz <= BUNDLE_LIMIT_BYTES,
    absolute: true,
  });
  return rows;
}

export function renderMarkdown({ machine, reps, bundle }) {
  const out = [];
  out.push('# Switchback benchmarks (side by side)');
  out.push('');
  out.push(`- Date: ${machine.date}`);
  out.push(`- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, Node ${machine.node}`);
  out.push(`- Mode: ${machine.mode}, ${reps.length} repetitions interleaved (${LIBS.map((l) => LABELS[l]).join(', ')}), run time ${machine.seconds.toFixed(0)} s`);
  out.push(`- Settings: ${Object.entries(machine.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push('- Cells: median <sub>min–max</sub> over repetitions; ratios are computed per repetition, then summarized.');
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(
    table(
      ['Target', 'Switchback', 'Limit', 'Met'],
      targetRows({ reps, bundle }).map((t) => [
        t.name,
        t.absolute ? `${t.stats.median.toFixed(2)} KB` : ratioCell(t.stats),
        t.absolute ? `≤ ${t.limit} KB` : `≤ ${t.limit}×`,
        t.met === undefined ? 'no data' : t.met ? '✅ yes' : '❌ no',
      ]),
    ),
  );
  out.push('');
  out.push('Context (no target; < 1× means Switchback is lower):');
  out.push('');
  out.push(table(['Ratio', 'Switchback'], CONTEXT.map((c) => [c.name, ratioCell(ratioStats(reps, c))])));
  out.push('');

  out.push('## Ping-pong (~100-byte message echoed; round trips/s over all sessions, latency in µs, server CPU per round trip)');
  out.push('');
  const ppRows = [];
  for (const transport of ['websocket', 'polling']) {
    for (const sessions of [1, 50]) {
      for (const lib of LIBS) {
        if (!TRANSPORTS_OF[lib].includes(transport)) continue;
        const key = `pp:${transport}:${sessions}:${lib}`;
        ppRows.push([
          transport,
          sessions,
          LABELS[lib],
          cell(stat(reps, `${key}:rps`)),
          cell(stat(reps, `${key}:p50`)),
          cell(stat(reps, `${key}:p99`)),
          cell(stat(reps, `${key}:cpu`)),
        ]);
      }
    }
  }
  out.push(table(['Transport', 'Sessions', 'Library', 'Round trips/s', 'p50 µs', 'p99 µs', 'Server CPU µs/round trip'], ppRows));
  out.push('');

  out.push(`## Flood (${machine.settings.floodMessages} messages client→server, one session)`);
  out.push('');
  const floodRows = [];
  for (const transport of ['websocket', 'polling']) {
    for (const lib of [...SOCKET_LIBS, 'ws']) {
      if (!TRANSPORTS_OF[lib].includes(transport)) continue;
      const key = `flood:${transport}:${lib}`;
      floodRows.push([transport, LABELS[lib], cell(stat(reps, `${key}:rate`)), cell(stat(reps, `${key}:cpu`))]);
    }
  }
  out.push(table(['Transport', 'Library', 'Delivered msgs/s', 'Server CPU µs/msg'], floodRows));
  out.push('');

  out.push(`## Idle memory (${machine.settings.idleSessions} sessions, server after forced GC, bytes per session)`);
  out.push('');
  const idleRows = [];
  for (const transport of ['websocket', 'polling']) {
    for (const lib of [...SOCKET_LIBS, 'ws']) {
      if (!TRANSPORTS_OF[lib].includes(transport)) continue;
      const key = `idle:${transport}:${lib}`;
      idleRows.push([transport, LABELS[lib], cell(stat(reps, `${key}:heap`)), cell(stat(reps, `${key}:rss`))]);
    }
  }
  out.push(table(['Transport', 'Library', 'heapUsed B/session', 'RSS B/session'], idleRows));
  out.push('');

  out.push('## Time to first server message, default client options (ms)');
  out.push('');
  out.push('On loopback, connections back to back (the first step of each repetition, fresh processes); quiet: the same, each connection opened once the server has seen the previous one close; and through `lib/delay-proxy.mjs`, which delays every chunk by 10 ms each way (a 20 ms round trip; the TCP connect is not delayed).');
  out.push('');
  out.push(
    table(
      ['Library', 'Client default', 'ms', 'ms, quiet', 'ms, 20 ms RTT'],
      LIBS.map((lib) => [
        LABELS[lib],
        { switchback: 'WebSocket first', socketio: 'polling, then upgrade', engineio: 'polling, then upgrade', ws: 'WebSocket', http: 'one GET, new connection' }[lib],
        cell(stat(reps, `first:${lib}`)),
        cell(stat(reps, `firstQuiet:${lib}`)),
        cell(stat(reps, `firstRtt:${lib}`)),
      ]),
    ),
  );
  out.push('');

  out.push('## Time to connected when WebSocket fails (ms; transport finally used in brackets)');
  out.push('');
  const fbRows = SOCKET_LIBS.map((lib) => {
    const c = (key) => `${cell(stat(reps, key))} (${firstString(reps, `${key}:transport`)})`;
    return [LABELS[lib], c(`refused:${lib}:default`), c(`refused:${lib}:polling`), c(`stall:${lib}:default`), c(`stall:${lib}:polling`)];
  });
  out.push(
    table(
      ['Library', 'Refused: default client', 'Refused: polling-only client', 'Stall after 101: default client', 'Stall: polling-only client'],
      fbRows,
    ),
  );
  out.push('');
  if (bundle) {
    out.push('## Client bundle (`export { io }`, esbuild, platform browser, minified, gzip -9)');
    out.push('');
    out.push(
      table(
        ['Client', 'Minified B', 'Min+gzip B', 'es2020: minified B', 'es2020: min+gzip B', 'Modules'],
        Object.entries(bundle).map(([lib, b]) => [
          LABELS[lib],
          String(b.minBytes),
          String(b.gzipBytes),
          String(b.es2020MinBytes),
          String(b.es2020GzipBytes),
          String(b.inputs),
        ]),
      ),
    );
    out.push('');
  }
  out.push('Chart: [latest.svg](latest.svg)');
  out.push('');
  return out.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal bar per ratio on a log axis (0.1×–10×), whiskers for min–max, a tick at the target. */
export function renderSvg({ machine, reps, bundle }) {
  const rows = [
    ...targetRows({ reps, bundle }).map((t) =>
      t.absolute
        ? { name: `${t.name.replace(/ \(KB(, )?/, ' (').replace(' ()', '')} vs ${t.limit} KB target`, stats: { ...t.stats, median: t.stats.median / t.limit, min: t.stats.min / t.limit, max: t.stats.max / t.limit }, limit: 1, met: t.met }
        : t,
    ),
    ...CONTEXT.map((c) => ({ name: c.name, stats: ratioStats(reps, c), limit: undefined, met: undefined })),
  ];
  const left = 430;
  const plotW = 420;
  const rowH = 26;
  const top = 64;
  const width = left + plotW + 90;
  const height = top + rows.length * rowH + 40;
  const lo = Math.log10(0.1);
  const hi = Math.log10(10);
  const x = (v) => left + ((Math.log10(Math.min(10, Math.max(0.1, v))) - lo) / (hi - lo)) * plotW;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="12" y="20" font-size="15" font-weight="bold">Switchback ratios (median, min–max whiskers; log scale; lower is better)</text>`);
  parts.push(`<text x="12" y="38" fill="#555">${esc(`${machine.date} · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} · ${machine.mode}, ${reps.length} reps`)}</text>`);
  for (const tick of [0.1, 0.25, 0.5, 1, 2, 4, 10]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + rows.length * rowH}" stroke="${tick === 1 ? '#999' : '#e5e5e5'}"/>`);
    parts.push(`<text x="${x(tick)}" y="${top - 10}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2;
    parts.push(`<text x="${left - 8}" y="${mid + 4}" text-anchor="end">${esc(row.name)}</text>`);
    const s = row.stats;
    if (s.n === 0) {
      parts.push(`<text x="${left + 4}" y="${mid + 4}" fill="#999">no data</text>`);
      return;
    }
    const color = row.met === undefined ? '#9aa5b1' : row.met ? '#2e9e5b' : '#d64545';
    parts.push(`<rect x="${x(0.1)}" y="${y + 6}" width="${Math.max(1, x(s.median) - x(0.1))}" height="${rowH - 12}" fill="${color}" opacity="0.85"/>`);
    parts.push(`<line x1="${x(s.min)}" y1="${mid}" x2="${x(s.max)}" y2="${mid}" stroke="#222"/>`);
    parts.push(`<line x1="${x(s.min)}" y1="${mid - 4}" x2="${x(s.min)}" y2="${mid + 4}" stroke="#222"/>`);
    parts.push(`<line x1="${x(s.max)}" y1="${mid - 4}" x2="${x(s.max)}" y2="${mid + 4}" stroke="#222"/>`);
    if (row.limit !== undefined) {
      parts.push(`<line x1="${x(row.limit)}" y1="${y + 2}" x2="${x(row.limit)}" y2="${y + rowH - 2}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`);
    }
    parts.push(`<text x="${left + plotW + 8}" y="${mid + 4}">${s.median.toFixed(2)}×${row.limit !== undefined ? ` (≤ ${row.limit})` : ''}</text>`);
  });
  const ly = top + rows.length * rowH + 24;
  parts.push(`<rect x="12" y="${ly - 10}" width="12" height="12" fill="#2e9e5b"/><text x="30" y="${ly}">target met</text>`);
  parts.push(`<rect x="110" y="${ly - 10}" width="12" height="12" fill="#d64545"/><text x="128" y="${ly}">target missed</text>`);
  parts.push(`<rect x="225" y="${ly - 10}" width="12" height="12" fill="#9aa5b1"/><text x="243" y="${ly}">context, no target</text>`);
  parts.push(`<line x1="370" y1="${ly - 10}" x2="370" y2="${ly + 2}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/><text x="378" y="${ly}">target (bundle: size ÷ 6.5 KB)</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
