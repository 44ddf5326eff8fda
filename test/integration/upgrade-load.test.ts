import { afterEach, expect, it } from 'vitest';
import { Clients, once } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { deferred } from '../helpers/wait.js';

const COUNT = 10_000;

const clients = new Clients();
let server: TestServer | undefined;
afterEach(async () => {
  clients.closeAll();
  await server?.close();
  server = undefined;
});

/** Records numbered messages and resolves once `COUNT` arrived; any gap, repeat or reorder is kept. */
function sequence(): { push(n: number): void; done: Promise<void>; errors: string[] } {
  let next = 0;
  const errors: string[] = [];
  const finished = deferred();
  return {
    errors,
    done: finished.promise,
    push(n: number) {
      if (n !== next) errors.push(`expected ${next}, got ${n}`);
      next = n + 1;
      if (n === COUNT - 1) finished.resolve();
    },
  };
}

it('delivers 10,000 numbered messages each way exactly once, in order, across the polling → WebSocket upgrade', async () => {
  server = await startServer();
  const atServer = sequence();
  const serverUpgraded = deferred<string>();
  server.io.on('connection', (socket) => {
    socket.conn.on('upgrade', () => serverUpgraded.resolve(socket.conn.transport.name));
    socket.on('n', (n: number) => atServer.push(n));
    socket.on('start', () => {
      for (let i = 0; i < COUNT; i += 1) socket.emit('n', i);
    });
  });

  const socket = clients.open(server.url, { transports: ['polling', 'websocket'] });
  const atClient = sequence();
  socket.on('n', (n: number) => atClient.push(n));
  await once(socket, 'connect');
  expect(socket.io.engine.transport.name).toBe('polling');
  const clientUpgraded = once(socket.io.engine, 'upgrade');
  socket.emit('start');
  // Interleave the client's sends with the upgrade: send in slices on successive macrotasks.
  for (let i = 0; i < COUNT; i += 1) {
    socket.emit('n', i);
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all([atServer.done, atClient.done, clientUpgraded]);
  expect(await serverUpgraded.promise).toBe('websocket');
  expect(socket.io.engine.transport.name).toBe('websocket');
  expect(atServer.errors).toEqual([]);
  expect(atClient.errors).toEqual([]);
}, 60_000);
