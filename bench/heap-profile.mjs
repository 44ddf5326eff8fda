// Server heap per idle session, optionally broken down from heap snapshots.
//
//   node --expose-gc bench/heap-profile.mjs [switchback|socketio] [websocket|polling] [sessions] [--snapshot] [--keep]
//     [--filter=TEXT]
//
// Builds nothing: run `npm run build` first (Switchback is imported from its dist). Clients (the bench's own, from
// lib/clients.mjs: same keep-alive agent, 50 opening at a time) run in a child process so only the server's heap
// is measured: heapUsed after forced GC, before and after `sessions` idle clients connected (after 20 warm-up
// sessions came and went), and the server's TCP connections per session. With --snapshot, a heap snapshot is
// written before and after; once the server is closed, the nodes new in the second one are grouped by
// (type:name <-edge- retainer) and listed per session, largest first. --filter=TEXT lists only nodes
// whose label contains TEXT, with their retainer's retainer. Snapshots go to the OS temp dir and are deleted
// (--keep: kept, and their paths printed, for a closer look).
import { createServer } from 'node:http';
import { fork } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

const args = process.argv.slice(2);
const [lib = 'switchback', transport = 'websocket', nArg = '500'] = args.filter((a) => !a.startsWith('--'));
const n = Number(nArg);
const keepSnapshots = args.includes('--keep');
const wantSnapshot = keepSnapshots || args.includes('--snapshot');
const filter = args.find((a) => a.startsWith('--filter='))?.slice('--filter='.length);

if (process.env.HEAP_PROFILE_CLIENT) {
  await runClients(JSON.parse(process.env.HEAP_PROFILE_CLIENT));
} else {
  await runServer();
}

async function runClients({ url, lib: clientLib, transport: t, n: count }) {
  // As the bench's idle step opens them, so the numbers match it.
  const { openSession } = await import('./lib/clients.mjs');
  const sessions = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const session = await openSession(clientLib, url, [t]);
      sessions.push(session);
      await session.opened;
    }
  };
  await Promise.all(Array.from({ length: Math.min(50, count) }, worker));
  process.send({ connected: sessions.length });
  process.on('message', () => {
    for (const s of sessions) s.close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

async function runServer() {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
  const http = createServer();
  const { Server } = lib === 'switchback' ? await import('@switchback/server') : await import('socket.io');
  const io = new Server(http, {});
  let sessions = 0;
  io.on('connection', (socket) => {
    sessions += 1;
    socket.on('disconnect', () => (sessions -= 1));
    socket.on('echo', (m) => socket.emit('echo', m));
    socket.emit('hello', 'world');
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${http.address().port}`;
  const heapUsed = () => {
    for (let i = 0; i < 4; i += 1) gc();
    return process.memoryUsage().heapUsed;
  };
  const until = async (predicate) => {
    const deadline = Date.now() + 60_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out (server sees ${sessions} sessions)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const open = async (count) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, HEAP_PROFILE_CLIENT: JSON.stringify({ url, lib, transport, n: count }) },
    });
    await new Promise((resolve) => child.once('message', resolve));
    await until(() => sessions >= count);
    await new Promise((resolve) => setTimeout(resolve, 300)); // in-flight handshake requests finish
    return child;
  };
  const closeAll = async (child) => {
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
    await until(() => sessions === 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
  };

  await closeAll(await open(20)); // warm code paths and pools
  const before = heapUsed();
  const snapBefore = wantSnapshot ? writeHeapSnapshot(join(tmpdir(), `heap-profile-${process.pid}-before.heapsnapshot`)) : undefined;
  const child = await open(n);
  const after = heapUsed();
  const snapAfter = wantSnapshot ? writeHeapSnapshot(join(tmpdir(), `heap-profile-${process.pid}-after.heapsnapshot`)) : undefined;
  const connections = await new Promise((resolve) => http.getConnections((_, c) => resolve(c)));
  console.log(
    `${lib} ${transport}: ${((after - before) / n / 1024).toFixed(2)} KB/session (${n} sessions, ${(connections / n).toFixed(2)} TCP connections/session)`,
  );
  await closeAll(child);
  await new Promise((resolve) => io.close(() => resolve()));
  if (snapBefore !== undefined && snapAfter !== undefined) {
    try {
      report(snapBefore, snapAfter);
    } finally {
      if (keepSnapshots) console.log(`snapshots kept: ${snapBefore} ${snapAfter}`);
      else {
        unlinkSync(snapBefore);
        unlinkSync(snapAfter);
      }
    }
  }
  process.exit(0);
}

/** Nodes of `afterFile` absent from `beforeFile`, grouped by label and first strong retainer. */
function report(beforeFile, afterFile) {
  const load = (file) => JSON.parse(readFileSync(file, 'utf8'));
  const idsOf = (snap) => {
    const fields = snap.snapshot.meta.node_fields;
    const stride = fields.length;
    const idIndex = fields.indexOf('id');
    const ids = new Set();
    for (let i = 0; i < snap.nodes.length; i += stride) ids.add(snap.nodes[i + idIndex]);
    return ids;
  };
  const old = idsOf(load(beforeFile));
  const snap = load(afterFile);
  const { meta } = snap.snapshot;
  const nf = meta.node_fields;
  const stride = nf.length;
  const ef = meta.edge_fields;
  const edgeStride = ef.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / stride;
  const [typeI, nameI, sizeI, idI, edgeCountI] = ['type', 'name', 'self_size', 'id', 'edge_count'].map((f) => nf.indexOf(f));
  const [edgeTypeI, edgeNameI, toI] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const retainer = new Int32Array(count).fill(-1);
  const via = new Array(count);
  for (let k = 0, e = 0; k < count; k += 1) {
    for (let j = nodes[k * stride + edgeCountI]; j > 0; j -= 1, e += edgeStride) {
      const type = edgeTypes[edges[e + edgeTypeI]];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[e + toI] / stride;
      if (retainer[to] !== -1) continue;
      retainer[to] = k;
      via[to] = type === 'element' || type === 'hidden' ? `[${edges[e + edgeNameI]}]` : String(strings[edges[e + edgeNameI]]);
    }
  }
  const label = (k) => {
    const type = nodeTypes[nodes[k * stride + typeI]];
    const name = strings[nodes[k * stride + nameI]];
    return type.includes('string') ? `${type}` : `${type}:${name.slice(0, 50)}`;
  };
  const groups = new Map();
  for (let k = 0; k < count; k += 1) {
    if (old.has(nodes[k * stride + idI])) continue;
    const own = label(k);
    if (filter !== undefined && !own.includes(filter)) continue;
    const r = retainer[k];
    let key = `${own}  <-${via[k]}-  ${r >= 0 ? label(r) : '?'}`;
    if (filter !== undefined && r >= 0 && retainer[r] >= 0) key += `  <-${via[r]}-  ${label(retainer[r])}`;
    const group = groups.get(key) ?? { count: 0, size: 0 };
    group.count += 1;
    group.size += nodes[k * stride + sizeI];
    groups.set(key, group);
  }
  const rows = [...groups].sort((a, b) => b[1].size - a[1].size).filter(([, g]) => g.size / n >= 4);
  console.log('bytes/session  count/session  node <-edge- first retainer');
  for (const [key, g] of rows.slice(0, 80)) {
    console.log(`${(g.size / n).toFixed(0).padStart(8)} B  ${(g.count / n).toFixed(2).padStart(6)}x  ${key}`);
  }
}
