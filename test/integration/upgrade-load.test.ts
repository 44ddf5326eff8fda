import { expect, it } from 'vitest';
import { once } from '../helpers/clients.js';
import { useServers } from '../helpers/servers.js';
import { deferred } from '../helpers/wait.js';

const COUNT = 10_000;
const SLICE = 100;
const UPGRADE_AFTER = 2_000;

const { clients, start } = useServers();

/** Records numbered messages; any gap, repeat or reorder is kept as an error. */
function sequence() {
  let next = 0;
  let count = 0;
  const errors: string[] = [];
  const waiters = new Map<number, () => void>();
  return {
    errors,
    received: () => count,
    /** Resolves once `n` messages arrived. */
    reach(n: number): Promise<void> {
      if (count >= n) return Promise.resolve();
      const d = deferred();
      waiters.set(n, d.resolve);
      return d.promise;
    },
    push(n: number) {
      count += 1;
      if (n !== next) errors.push(`expected ${next}, got ${n}`);
      next = n + 1;
      waiters.get(count)?.();
      waiters.delete(count);
    },
  };
}

it('delivers 10,000 numbered messages each way exactly once, in order, across the polling → WebSocket upgrade', async () => {
  const server = await start();
  const atServer = sequence();
  const atClient = sequence();
  // Hold the WebSocket upgrade request until the exchange is well under way, so the switch happens
  // mid-stream in both directions (on loopback it would otherwise finish before the first message).
  const halfway = atServer.reach(UPGRADE_AFTER);
  server.io.engine.use((req, _res, next) => {
    if (req.headers.upgrade === undefined) next();
    else void halfway.then(() => next());
  });
  let serverCountAtUpgrade = -1;
  const serverUpgraded = deferred<string>();
  server.io.on('connection', (socket) => {
    socket.conn.on('upgrade', () => {
      serverCountAtUpgrade = atServer.received();
      serverUpgraded.resolve(socket.conn.transport.name);
    });
    socket.on('n', (n: number) => {
      atServer.push(n);
      socket.emit('n', n); // the server's own numbered stream, paced by the client's
    });
  });

  const socket = clients.open(server.url, { transports: ['polling', 'websocket'] });
  socket.on('n', (n: number) => atClient.push(n));
  let clientCountAtUpgrade = -1;
  const clientUpgraded = once(socket.io.engine, 'upgrade', 30_000).then(() => {
    clientCountAtUpgrade = atClient.received();
  });
  await once(socket, 'connect');
  expect(socket.io.engine.transport.name).toBe('polling');
  // Send in slices, each after the previous slice's echoes arrived: a steady two-way stream.
  for (let start = 0; start < COUNT; start += SLICE) {
    for (let i = start; i < start + SLICE; i += 1) socket.emit('n', i);
    await atClient.reach(start + SLICE);
  }
  await clientUpgraded;
  expect(await serverUpgraded.promise).toBe('websocket');
  expect(socket.io.engine.transport.name).toBe('websocket');
  expect(atServer.received()).toBe(COUNT);
  expect(atClient.received()).toBe(COUNT);
  expect(atServer.errors).toEqual([]);
  expect(atClient.errors).toEqual([]);
  console.log(`upgrade after ${serverCountAtUpgrade} messages at the server, ${clientCountAtUpgrade} at the client`);
  expect(serverCountAtUpgrade).toBeGreaterThanOrEqual(UPGRADE_AFTER);
  expect(serverCountAtUpgrade).toBeLessThan(COUNT);
  expect(clientCountAtUpgrade).toBeLessThan(COUNT);
}, 60_000);
