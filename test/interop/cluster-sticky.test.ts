// Switchback servers in Node cluster workers, as socket.io's "multiple nodes" guide runs them: the primary
// owns the port and routes each connection with @socket.io/sticky (by the `sid` of the request, so a
// polling session's requests all reach the worker that opened it), and @socket.io/cluster-adapter carries
// broadcasts and fetchSockets() between the workers over IPC. Clients: socket.io-client and ours.
// The worker (fixtures/cluster-worker.ts) is bundled from the sources by esbuild before the workers start.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { mkdirSync } from 'node:fs';
import { Agent, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setupPrimary } from '@socket.io/cluster-adapter';
import { setupMaster } from '@socket.io/sticky';
import { io as switchbackIo } from '@switchback/client';
import { build } from 'esbuild';
import { io as referenceIo } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceAliases } from '../../vitest.aliases.js';
import { once } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const WORKERS = 2;

/** What the tests use of both clients. */
interface AppClient {
  readonly id: string | undefined;
  readonly io: { engine: { transport: { name: string } } };
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  emit(event: string, ...args: unknown[]): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  disconnect(): unknown;
}

const httpServer = createServer();
const primarySockets = new Set<Socket>();
httpServer.on('connection', (socket: Socket) => {
  primarySockets.add(socket);
  socket.once('close', () => primarySockets.delete(socket));
});
const workers: Worker[] = [];
const clients: AppClient[] = [];
let url = '';

/** Bundles the worker from the sources; packages from node_modules stay imports (resolved from the output's folder). */
async function bundleWorker(): Promise<string> {
  const outdir = `${root}node_modules/.cache/switchback-tests`;
  mkdirSync(outdir, { recursive: true });
  const outfile = `${outdir}/cluster-worker.mjs`;
  await build({
    entryPoints: [`${root}test/interop/fixtures/cluster-worker.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'sources',
        setup(plugin) {
          plugin.onResolve({ filter: /^[^./]/ }, (args) => {
            const alias = sourceAliases.find((entry) => entry.find.test(args.path));
            return alias ? { path: alias.replacement } : { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return outfile;
}

beforeAll(async () => {
  cluster.setupPrimary({ exec: await bundleWorker(), serialization: 'advanced' }); // sticky hands Buffers over IPC
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
  setupPrimary();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const ready = [];
  for (let i = 0; i < WORKERS; i += 1) {
    const worker = cluster.fork();
    workers.push(worker);
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: { ready?: number }) => {
          if (message.ready !== undefined) resolve();
        });
        worker.once('exit', (code) => reject(new Error(`a cluster worker exited with ${code} before it was ready`)));
      }),
    );
  }
  await Promise.all(ready);
}, 30_000);

afterAll(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(
    workers.map((worker) =>
      worker.isDead() ? undefined : new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.kill();
      }),
    ),
  );
  // The primary still holds the connections whose bytes it forwarded over IPC (requests with a body).
  for (const socket of primarySockets) socket.destroy();
  // Not awaited: the close callback waits for the server's connection count to drain, and that count
  // goes below zero once sockets have been handed to workers (-36 here), so it never fires. The
  // listening socket itself is closed at once.
  httpServer.close();
});

async function connected(kind: 'socket.io-client' | 'switchback', transports?: Array<'polling' | 'websocket'>): Promise<AppClient> {
  const options = { forceNew: true, reconnection: false, ...(transports ? { transports } : {}) };
  // Sticky hands each TCP connection to the worker of its first request, so a keep-alive connection
  // must not carry requests of sessions on different workers: our client gets an agent of its own, as
  // the README advises (socket.io-client's Node XHR opens a connection per request).
  const client = (
    kind === 'switchback' ? switchbackIo(url, { ...options, agent: new Agent({ keepAlive: true }) }) : referenceIo(url, options)
  ) as unknown as AppClient;
  clients.push(client);
  await once(client, 'connect');
  return client;
}

/** The worker pid each of `rounds` acknowledged requests was answered by. */
async function answeredBy(client: AppClient, rounds: number): Promise<Set<unknown>> {
  const pids = new Set<unknown>();
  for (let i = 0; i < rounds; i += 1) pids.add(await client.emitWithAck('whoami'));
  return pids;
}

describe('Switchback in Node cluster workers behind @socket.io/sticky', () => {
  it('keeps each polling session on the worker that opened it, and spreads sessions over the workers', async () => {
    const polling = [
      await connected('socket.io-client', ['polling']),
      await connected('socket.io-client', ['polling']),
      await connected('switchback', ['polling']),
      await connected('switchback', ['polling']),
    ];
    const owners = new Set<unknown>();
    for (const client of polling) {
      // Every GET and POST of the session (POSTs reach the worker as IPC chunks) lands on one worker.
      const pids = await answeredBy(client, 10);
      expect(pids.size).toBe(1);
      owners.add([...pids][0]);
      expect(client.io.engine.transport.name).toBe('polling');
    }
    expect(owners).toEqual(new Set(workers.map((worker) => worker.process.pid)));
  });

  it('upgrades default clients on their own worker', async () => {
    const theirs = await connected('socket.io-client'); // polling, then the upgrade, routed by sid
    const ours = await connected('switchback'); // WebSocket first
    for (const client of [theirs, ours]) {
      if (client.io.engine.transport.name !== 'websocket') await once(client.io.engine as unknown as object, 'upgrade');
      expect(client.io.engine.transport.name).toBe('websocket');
      expect((await answeredBy(client, 5)).size).toBe(1);
    }
  });

  it('broadcasts and counts sockets across the workers through the cluster adapter', async () => {
    const everyone = [...clients];
    const heard = everyone.map((client) => once<[string, number]>(client, 'heard'));
    everyone[0]?.emit('shout', 'hello, cluster');
    const received = await Promise.all(heard);
    expect(received.map(([text]) => text)).toEqual(everyone.map(() => 'hello, cluster'));
    expect(await everyone[everyone.length - 1]?.emitWithAck('count')).toBe(everyone.length);
  });
});
