// Two servers joined by @socket.io/redis-adapter over a real redis-server on 127.0.0.1: a cluster of two
// Switchback servers, and a mixed one of Switchback and socket.io 4 (packets cross Redis in the
// adapter's encoding, so each side must read the other's), also fed by an @socket.io/redis-emitter.
// Then connection state recovery across
// servers with @socket.io/redis-streams-adapter, behind a load balancer without stickiness. Needs redis-server:
// `bash scripts/e2e-deps.sh redis` installs it from Debian when run as root.
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Socket as TcpSocket } from 'node:net';
import { join } from 'node:path';
import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { io as switchbackIo } from '@switchback/client';
import type { Socket as ClientSocket } from '@switchback/client';
import { Server, type ServerOptions } from '@switchback/server';
import { createClient } from 'redis';
import { Server as ReferenceServer } from 'socket.io';
import { io as referenceIo } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTempDir, removeDir, requireBinary, startService } from '../e2e/support/processes.js';
import type { ChildService } from '../e2e/support/processes.js';
import { once } from '../helpers/wait.js';

/** What the teardown needs of a node-redis client. */
interface RedisClient {
  quit(): Promise<unknown>;
}
type Implementation = 'switchback' | 'socket.io';

const INSTALL = 'run `bash scripts/e2e-deps.sh redis` as root, or `apt-get install -y redis-server`';

interface ClusterNode {
  readonly impl: Implementation;
  /** Seen through Switchback's types: the APIs are the same, the reference is cast at this one place. */
  readonly io: Server;
  readonly url: string;
  close(): Promise<void>;
}

let redis: ChildService;
let redisDir: string;

beforeAll(async () => {
  const binary = requireBinary('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server'], INSTALL);
  redisDir = await makeTempDir('redis');
  const port = await freePort();
  redis = await startService({
    name: 'redis-server',
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
    port,
    logFile: join(redisDir, 'redis.log'),
  });
});

afterAll(async () => {
  await redis?.stop();
  if (redisDir) await removeDir(redisDir);
});

async function connectRedis(redisClients: RedisClient[]) {
  const client = createClient({ url: `redis://127.0.0.1:${redis.port}` });
  await client.connect();
  redisClients.push(client);
  return client;
}

/** A node with the pub/sub adapter (@socket.io/redis-adapter). */
async function startPubSubNode(impl: Implementation, redisClients: RedisClient[]): Promise<ClusterNode> {
  const pub = await connectRedis(redisClients);
  const sub = await connectRedis(redisClients);
  return startNode(impl, { adapter: createAdapter(pub, sub, { requestsTimeout: 2000 }) });
}

async function startNode(impl: Implementation, options: Partial<ServerOptions>): Promise<ClusterNode> {
  const http: HttpServer = createServer();
  const io =
    impl === 'switchback'
      ? new Server(http, options)
      : (new ReferenceServer(http, options as ConstructorParameters<typeof ReferenceServer>[1]) as unknown as Server);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    impl,
    io,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}

/** Until every node's adapter has subscribed: before that a broadcast would not reach it. */
async function untilJoined(nodes: readonly ClusterNode[], nsp = '/'): Promise<void> {
  const deadline = Date.now() + 5000;
  for (const node of nodes) {
    while ((await node.io.of(nsp).adapter.serverCount()) < nodes.length) {
      if (Date.now() > deadline) throw new Error(`the ${nsp} adapters did not see ${nodes.length} servers in 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe.each([
  ['two Switchback servers', 'switchback', 'switchback'],
  ['a Switchback and a socket.io server', 'switchback', 'socket.io'],
] as const)('@socket.io/redis-adapter with %s', (_name, implA, implB) => {
  const redisClients: RedisClient[] = [];
  const clients: ClientSocket[] = [];
  let a: ClusterNode;
  let b: ClusterNode;
  /** socket.io-client on node A, Switchback's client on node B. */
  let onA: ClientSocket;
  let onB: ClientSocket;

  beforeAll(async () => {
    a = await startPubSubNode(implA, redisClients);
    b = await startPubSubNode(implB, redisClients);
    a.io.on('connection', (socket) => {
      void socket.join('room-a');
      socket.data = { node: 'a' };
    });
    b.io.on('connection', (socket) => {
      void socket.join('room-b');
      socket.data = { node: 'b' };
    });
    b.io.of('/chat');
    await untilJoined([a, b]);
    await untilJoined([a, b], '/chat');
    onA = referenceIo(a.url, { forceNew: true, reconnection: false }) as unknown as ClientSocket;
    onB = switchbackIo(b.url, { forceNew: true, reconnection: false });
    clients.push(onA, onB);
    await Promise.all([once(onA, 'connect'), once(onB, 'connect')]);
    onA.on('question', (n: number, ack: (answer: string) => void) => ack(`a:${n}`));
    onB.on('question', (n: number, ack: (answer: string) => void) => ack(`b:${n}`));
  });

  afterAll(async () => {
    for (const client of clients) client.io.disconnect();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all(redisClients.map((client) => client.quit().catch(() => undefined)));
  });

  it('delivers broadcasts, rooms and except across the servers, both ways, binary included', async () => {
    const both = Promise.all([once(onA, 'news'), once(onB, 'news')]);
    a.io.emit('news', 'from a', { n: 1 });
    expect(await both).toEqual([
      ['from a', { n: 1 }],
      ['from a', { n: 1 }],
    ]);

    const toA = once(onA, 'news');
    b.io.to('room-a').emit('news', 'from b', Buffer.from([1, 2, 3]));
    const [text, bytes] = await toA;
    expect(text).toBe('from b');
    expect(Buffer.from(bytes as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));

    // except: only A's socket, and nothing else arrives at B before the marker sent after it.
    const seenByB: unknown[] = [];
    onB.on('only-a', (...args) => seenByB.push(args));
    const onlyA = once(onA, 'only-a');
    a.io.except('room-b').emit('only-a', 1);
    expect(await onlyA).toEqual([1]);
    const marker = once(onB, 'marker');
    a.io.to('room-b').emit('marker');
    await marker;
    expect(seenByB).toEqual([]);
  });

  it('broadcasts in another namespace and keeps namespaces apart', async () => {
    const chatB = switchbackIo(`${b.url}/chat`, { forceNew: true, reconnection: false });
    clients.push(chatB);
    await once(chatB, 'connect');
    const mainB: unknown[] = [];
    onB.on('chat', (...args) => mainB.push(args));
    const got = once(chatB, 'chat');
    a.io.of('/chat').emit('chat', 'hi');
    expect(await got).toEqual(['hi']);
    const marker = once(onB, 'marker');
    b.io.to('room-b').emit('marker');
    await marker;
    expect(mainB).toEqual([]);
  });

  it('finds the sockets of both servers and acts on the remote one', async () => {
    const sockets = await a.io.fetchSockets();
    const byId = new Map(sockets.map((s) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual([onA.id, onB.id].sort());
    const remote = byId.get(onB.id!)!;
    expect([...remote.rooms].sort()).toEqual([onB.id, 'room-b'].sort());
    expect(remote.data).toEqual({ node: 'b' });
    expect(remote.handshake.url).toContain('/socket.io/');

    const echo = once(onB, 'direct');
    remote.emit('direct', 'to b only');
    expect(await echo).toEqual(['to b only']);
    await expect(remote.timeout(2000).emitWithAck('question', 7)).resolves.toBe('b:7');

    a.io.in('room-b').socketsJoin('joined');
    await expect.poll(async () => (await b.io.in('joined').fetchSockets()).map((s) => s.id)).toEqual([onB.id]);
    a.io.in('joined').socketsLeave('joined');
    await expect.poll(async () => (await a.io.in('joined').fetchSockets()).length).toBe(0);
  });

  it('collects acks of a broadcast from the clients of both servers', async () => {
    const answers = await a.io.timeout(2000).emitWithAck('question', 3);
    expect([...answers].sort()).toEqual(['a:3', 'b:3']);
    const fromB = await b.io.to('room-a').timeout(2000).emitWithAck('question', 4);
    expect(fromB).toEqual(['a:4']);
  });

  it('sends server-side events with and without acks', async () => {
    b.io.on('sync', (version: number, ack?: (answer: string) => void) => ack?.(`b has ${version}`));
    a.io.on('sync', (version: number, ack?: (answer: string) => void) => ack?.(`a has ${version}`));
    const received = once(b.io, 'sync');
    a.io.serverSideEmit('sync', 1);
    expect((await received)[0]).toBe(1);
    await expect(a.io.serverSideEmitWithAck('sync', 2)).resolves.toEqual(['b has 2']);
    await expect(b.io.serverSideEmitWithAck('sync', 3)).resolves.toEqual(['a has 3']);
    expect(await a.io.of('/').adapter.serverCount()).toBe(2);
  });

  it('disconnects a remote socket', async () => {
    const extra = referenceIo(b.url, { forceNew: true, reconnection: false }) as unknown as ClientSocket;
    clients.push(extra);
    await once(extra, 'connect');
    b.io.in(extra.id!).socketsJoin('doomed');
    const closed = once(extra, 'disconnect');
    a.io.in('doomed').disconnectSockets(true);
    expect((await closed)[0]).toBe('io server disconnect');
    expect(onB.connected).toBe(true);
  });

  it('takes what an @socket.io/redis-emitter process (no server of its own) sends', async () => {
    const emitter = new Emitter(await connectRedis(redisClients));
    const toBoth = Promise.all([once(onA, 'from-emitter'), once(onB, 'from-emitter')]);
    emitter.emit('from-emitter', 'to all', { n: 1 });
    expect(await toBoth).toEqual([
      ['to all', { n: 1 }],
      ['to all', { n: 1 }],
    ]);
    const toB = once(onB, 'from-emitter');
    emitter.to('room-b').emit('from-emitter', Buffer.from([4, 5]));
    expect(Buffer.from((await toB)[0] as Uint8Array)).toEqual(Buffer.from([4, 5]));

    const chatB = switchbackIo(`${b.url}/chat`, { forceNew: true, reconnection: false });
    clients.push(chatB);
    await once(chatB, 'connect');
    const inChat = once(chatB, 'from-emitter');
    emitter.of('/chat').emit('from-emitter', 'chat only');
    expect(await inChat).toEqual(['chat only']);

    const heard = once(b.io, 'from-emitter');
    emitter.serverSideEmit('from-emitter', 'to the servers');
    expect(await heard).toEqual(['to the servers']);

    emitter.in('room-a').socketsJoin('picked');
    await expect.poll(async () => (await b.io.in('picked').fetchSockets()).map((s) => s.id)).toEqual([onA.id]);
    const extra = switchbackIo(b.url, { forceNew: true, reconnection: false });
    clients.push(extra);
    await once(extra, 'connect');
    b.io.in(extra.id!).socketsJoin('kicked');
    const closed = once(extra, 'disconnect');
    emitter.in('kicked').disconnectSockets(true);
    expect((await closed)[0]).toBe('io server disconnect');
    expect(onA.connected && onB.connected).toBe(true);
  });
});

/** A TCP load balancer with no stickiness: new connections go to the current target; cut() drops all. */
async function startBalancer(firstTarget: number): Promise<{ url: string; target: number; cut(): void; close(): Promise<void> }> {
  const open = new Set<TcpSocket>();
  const balancer = {
    url: '',
    target: firstTarget,
    cut() {
      for (const socket of open) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => {
      balancer.cut();
      server.close(() => resolve());
    }),
  };
  const server = createTcpServer((inbound) => {
    const outbound = tcpConnect(balancer.target, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    inbound.once('close', () => outbound.destroy());
    outbound.once('close', () => inbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  balancer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return balancer;
}

describe.each([
  ['from a Switchback server to another', 'switchback', 'switchback'],
  ['from a Switchback server to a socket.io server', 'switchback', 'socket.io'],
  ['from a socket.io server to a Switchback server', 'socket.io', 'switchback'],
] as const)('connection state recovery with @socket.io/redis-streams-adapter, %s', (_name, implA, implB) => {
  it('restores the session, its rooms and the packets missed, on the server the balancer picks next', async () => {
    const redisClients: RedisClient[] = [];
    const nodes: ClusterNode[] = [];
    const recoveryOf = async (impl: Implementation) => {
      const client = await connectRedis(redisClients);
      const node = await startNode(impl, {
        adapter: createStreamsAdapter(client),
        connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
      });
      nodes.push(node);
      return { ...node, redis: client };
    };
    const a = await recoveryOf(implA);
    const b = await recoveryOf(implB);
    const balancer = await startBalancer(Number(new URL(a.url).port));
    const socket = switchbackIo(balancer.url, { forceNew: true, reconnection: false });
    try {
      const seenByB: Array<{ recovered: boolean; rooms: string[] }> = [];
      a.io.on('connection', (s) => void s.join('team'));
      b.io.on('connection', (s) => seenByB.push({ recovered: s.recovered, rooms: [...s.rooms] }));
      const serverSide = once<[{ id: string } & NodeJS.EventEmitter]>(a.io, 'connection');
      await once(socket, 'connect');
      const [onA] = await serverSide;
      const firstId = socket.id;
      const first = once(socket, 'news');
      a.io.to('team').emit('news', 1);
      await first;

      // The connection is cut; the balancer sends the next one to B.
      const gone = once(onA, 'disconnect');
      balancer.target = Number(new URL(b.url).port);
      balancer.cut();
      await gone;
      a.io.to('team').emit('news', 2);
      // A's adapter wrote the session and the packet to Redis on its own connection: one more round
      // trip there and both are stored.
      await a.redis.ping();

      const missed = once(socket, 'news');
      socket.connect();
      await once(socket, 'connect');
      // With recovery on, each event carries its stream offset last (the client keeps it for next time).
      const offset = expect.stringMatching(/^\d+-\d+$/);
      expect(await missed).toEqual([2, offset]);
      expect(socket.recovered).toBe(true);
      expect(socket.id).toBe(firstId);
      expect(seenByB).toEqual([{ recovered: true, rooms: expect.arrayContaining([firstId, 'team']) }]);
      // The restored socket is in its room on B.
      const again = once(socket, 'news');
      b.io.to('team').emit('news', 3);
      expect(await again).toEqual([3, offset]);
    } finally {
      socket.io.disconnect();
      await balancer.close();
      await Promise.all(nodes.map((node) => node.close()));
      await Promise.all(redisClients.map((client) => client.quit().catch(() => undefined)));
    }
  });
});
