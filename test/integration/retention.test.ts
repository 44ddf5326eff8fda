// Nothing of a finished session stays reachable, on either end: after sessions end in each of the ways
// they end in production (the client leaves, the server disconnects them, the heartbeat times out, the
// network drops, an upgrade happens first, acks are still pending, rooms and socket.data are in use),
// weak references to the server's Socket, Client, engine session, transport and request copy, and to
// the client's Socket, Manager and engine, are all cleared by the garbage collector (connection state
// recovery keeps a dropped session's id, rooms and data, not these). A count of sessions
// going back to zero (heartbeat-cleanup.test.ts) would not see a Map, a listener or a timer that still
// holds one of them.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io as connect } from '@switchback/client';
import type { Socket as ClientSocket } from '@switchback/client';
import type { Socket as ServerSocket } from '@switchback/server';
import { afterEach, describe, expect, it } from 'vitest';
import { rawWebSocket } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/servers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { once, until } from '../helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Weak references to what one session was made of, by name. */
class Held {
  readonly #refs: Array<[string, WeakRef<object>]> = [];

  add(name: string, value: unknown): void {
    if (typeof value === 'object' && value !== null) this.#refs.push([name, new WeakRef(value)]);
  }

  server(socket: ServerSocket, what: string): void {
    this.add(`${what}: server Socket`, socket);
    this.add(`${what}: server Client`, socket.client);
    this.add(`${what}: engine session`, socket.conn);
    this.add(`${what}: engine transport`, socket.conn.transport);
    this.add(`${what}: request copy`, socket.request);
  }

  client(socket: ClientSocket, what: string): void {
    this.add(`${what}: client Socket`, socket);
    this.add(`${what}: client Manager`, socket.io);
    this.add(`${what}: client engine`, socket.io.engine);
  }

  /** What is still reachable after a few collections (timers and ws close callbacks get turns between). */
  async alive(): Promise<string[]> {
    for (let i = 0; i < 6; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    return this.#refs.filter(([, ref]) => ref.deref() !== undefined).map(([name]) => name);
  }
}

/** Connects our client; returns it with the server's Socket for it. */
async function session(url: string, options: Parameters<typeof connect>[1] = {}): Promise<[ClientSocket, ServerSocket]> {
  const io = server?.io;
  if (io === undefined) throw new Error('no server');
  const serverSide = once<[ServerSocket]>(io, 'connection');
  const client = connect(url, { forceNew: true, ...options });
  await once(client, 'connect');
  return [client, (await serverSide)[0]];
}

// Each case opens a session, records it in `held`, and returns how it ends. Kept in functions of their
// own: variables of a suspended async test body can keep the last session reachable on their own.
type End = () => Promise<void>;

/** Runs and drops the ends (in a function, so no variable of the test body keeps the last one). */
async function endAll(ends: End[]): Promise<void> {
  for (const end of ends.splice(0)) await end();
}

async function leaves(url: string, held: Held, transports: Transports): Promise<End> {
  const [client, socket] = await session(url, { transports: [...transports], reconnection: false });
  if (transports.length === 2 && client.io.engine.transport.name !== 'websocket') await once(client.io.engine, 'upgrade');
  expect(await client.emitWithAck('hello')).toBe('hi');
  held.server(socket, `${transports.join('+')} left`);
  held.client(client, `${transports.join('+')} left`);
  return async () => {
    const gone = once(socket, 'disconnect');
    client.disconnect();
    await gone;
  };
}

/** The server disconnects it, with an ack of the server's still unanswered and a namespace beside '/'. */
async function kicked(url: string, held: Held, transports: Transports): Promise<End> {
  const [client, socket] = await session(url, { transports: [...transports], reconnection: false });
  const chat = client.io.socket('/chat').connect(); // the same connection
  await once(chat, 'connect');
  client.on('question', () => undefined); // never acknowledges
  socket.timeout(60_000).emit('question', () => undefined);
  held.server(socket, `${transports.join('+')} kicked`);
  held.client(client, `${transports.join('+')} kicked`);
  held.add(`${transports.join('+')} kicked: client Socket /chat`, chat);
  return async () => {
    const gone = once(client, 'disconnect');
    socket.disconnect(true);
    await gone;
  };
}

/** The network drops (a proxy between them goes away). */
async function dropped(port: number, held: Held, transport: 'websocket' | 'polling'): Promise<End> {
  const proxy = await startTcpProxy(port, { kind: 'pass' });
  const [client, socket] = await session(proxy.url, { transports: [transport], reconnection: false });
  held.server(socket, `${transport} dropped`);
  held.client(client, `${transport} dropped`);
  return async () => {
    const gone = once<[string]>(socket, 'disconnect');
    const lost = once(client, 'disconnect');
    await proxy.close();
    expect((await gone)[0]).toMatch(/^(transport close|transport error|ping timeout)$/);
    await lost;
  };
}

/** A raw WebSocket that never answers pings: 'ping timeout' on the server. */
async function silent(url: string, held: Held): Promise<End> {
  const io = server?.io;
  if (io === undefined) throw new Error('no server');
  const serverSide = once<[ServerSocket]>(io, 'connection');
  const raw = await rawWebSocket(url);
  await raw.next(); // the open packet
  raw.send('40');
  const [socket] = await serverSide;
  held.server(socket, 'ping timeout');
  return async () => {
    const [reason] = await once<[string]>(socket, 'disconnect', 5_000);
    expect(reason).toBe('ping timeout');
    raw.ws.terminate();
  };
}

/** A client whose connection the server ends `times` times; each earlier connection is held weakly. */
async function reconnecting(url: string, held: Held, times: number, transport: 'websocket' | 'polling'): Promise<ClientSocket> {
  const [client, first] = await session(url, { transports: [transport], reconnectionDelay: 10, randomizationFactor: 0 });
  let socket = first;
  for (let i = 0; i < times; i += 1) {
    held.server(socket, `${transport} connection ${i + 1}`);
    held.add(`${transport} connection ${i + 1}: client engine`, client.io.engine);
    const io = server?.io;
    if (io === undefined) throw new Error('no server');
    const next = once<[ServerSocket]>(io, 'connection');
    const back = once(client, 'connect');
    socket.conn.close();
    [socket] = await next;
    await back;
  }
  return client;
}

type Transports = readonly ['websocket'] | readonly ['polling'] | readonly ['polling', 'websocket'];

describe('retention: what ended sessions leave reachable', () => {
  it('nothing, after clients leave, are disconnected by the server, or drop, on both transports and after upgrades', async () => {
    server = await startServer({ pingInterval: 200, pingTimeout: 200 });
    const io = server.io;
    io.of('/chat');
    io.on('connection', (socket) => {
      void socket.join(['lobby', `user:${socket.id}`]);
      socket.data = { user: { name: 'ada', tags: ['x'] } };
      socket.on('hello', (ack: (reply: string) => void) => ack('hi'));
    });
    const held = new Held();
    const ends: End[] = [];
    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']] as const) {
      ends.push(await leaves(server.url, held, transports), await kicked(server.url, held, transports));
    }
    for (const transport of ['websocket', 'polling'] as const) ends.push(await dropped(server.port, held, transport));
    ends.push(await silent(server.url, held));
    await endAll(ends);
    await until(() => io.engine.clientsCount === 0, 'every session is gone');
    expect(io.of('/').adapter.rooms.size).toBe(0);
    expect(await held.alive()).toEqual([]);
  }, 30_000);

  it("nothing of earlier connections, in a client that reconnected five times and is still connected", async () => {
    server = await startServer({ pingInterval: 200, pingTimeout: 200 });
    const io = server.io;
    io.on('connection', (socket) => socket.on('hello', (ack: (reply: string) => void) => ack('hi')));
    for (const transport of ['websocket', 'polling'] as const) {
      const held = new Held();
      const client = await reconnecting(server.url, held, 5, transport);
      expect(await client.emitWithAck('hello')).toBe('hi');
      expect(io.engine.clientsCount).toBe(1);
      expect(await held.alive()).toEqual([]);
      client.disconnect();
      await until(() => io.engine.clientsCount === 0, 'the client left');
    }
  });

  it('nothing but plain data, while connection state recovery keeps a dropped session for its return', async () => {
    server = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 }, pingInterval: 200, pingTimeout: 200 });
    const held = new Held();
    await endAll([await dropped(server.port, held, 'websocket')]); // recovery keeps a dropped session, not one that left
    expect(await held.alive()).toEqual([]);
  });
});
