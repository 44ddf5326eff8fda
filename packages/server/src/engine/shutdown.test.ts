// Shutdown leaves nothing open: every polling request is answered, every WebSocket dropped, and
// http.Server#close (which only closes idle connections) calls back without closeAllConnections().
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineServer } from './server.js';
import type { EngineServerOptions } from './server.js';
import type { EngineSocket } from './session.js';
import { RawWebSocket, decode } from './test-helpers.js';

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
  readonly body: string;
}

interface Setup {
  readonly engine: EngineServer;
  readonly http: HttpServer;
  readonly base: string;
  readonly agent: Agent;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function start(options: EngineServerOptions = {}, configure?: (engine: EngineServer) => void): Promise<Setup> {
  const http = createServer();
  const engine = new EngineServer(options);
  configure?.(engine);
  engine.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  // One kept-alive connection, as browsers and the Node clients reuse theirs.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  cleanups.push(() => {
    agent.destroy();
    engine.close();
    http.closeAllConnections();
    http.close();
  });
  const { port } = http.address() as AddressInfo;
  return { engine, http, base: `127.0.0.1:${port}${engine.opts.path}`, agent };
}

/** `fresh` sends on a new connection (the kept-alive one may be carrying a held GET). */
function send(setup: Setup, query: string, method = 'GET', body?: string, fresh = false): Promise<Answer> {
  const agent = fresh ? false : setup.agent;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`http://${setup.base}?EIO=4&transport=polling${query}`, { method, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves once the server received a request (or an upgrade) whose URL contains `marker`. */
function arrival(setup: Setup, marker: string, event: 'request' | 'upgrade' = 'request'): Promise<void> {
  return new Promise((resolve) => {
    const listener = (req: { url?: string }): void => {
      if (req.url?.includes(marker) !== true) return;
      setup.http.off(event, listener);
      resolve();
    };
    setup.http.on(event, listener);
  });
}

/** http.Server#close must call back promptly: well below the 5 s keep-alive timeout. */
function httpClose(http: HttpServer): Promise<'closed' | 'timed out'> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => resolve('timed out'), 1000);
    http.close(() => {
      clearTimeout(deadline);
      resolve('closed');
    });
  });
}

async function session(setup: Setup): Promise<{ sid: string; socket: EngineSocket }> {
  const connected = new Promise<EngineSocket>((resolve) => setup.engine.once('connection', resolve));
  const answer = await send(setup, '');
  const socket = await connected;
  expect(decode(answer.body)[0]?.type).toBe('open');
  return { sid: socket.id, socket };
}

/** Sends a GET and resolves once the server holds it; `answer` settles when the server answers it. */
async function holdPoll(setup: Setup, sid: string): Promise<{ answer: Promise<Answer> }> {
  const arrived = arrival(setup, `sid=${sid}`);
  const answer = send(setup, `&sid=${sid}`);
  await arrived;
  return { answer };
}

describe('EngineServer#close', () => {
  it('refuses a poll that arrives after close (a client re-polling), and http.close completes', async () => {
    const setup = await start();
    const { sid } = await session(setup);
    setup.engine.close();
    // What socket.io-client does when its held GET was answered during the shutdown: it polls again.
    const late = arrival(setup, `sid=${sid}`);
    const answer = send(setup, `&sid=${sid}`);
    await late;
    const closed = httpClose(setup.http);
    expect(await answer).toMatchObject({ status: 400, connection: 'close' });
    expect(JSON.parse((await answer).body)).toEqual({ code: 1, message: 'Session ID unknown' });
    expect(await closed).toBe('closed');
  });

  it('answers the held GET with the close packet and closes its connection', async () => {
    const setup = await start();
    const { sid } = await session(setup);
    const { answer: held } = await holdPoll(setup, sid);
    setup.engine.close();
    const closed = httpClose(setup.http);
    const answer = await held;
    expect(answer.connection).toBe('close');
    expect(decode(answer.body)).toEqual([{ type: 'close' }]);
    expect(setup.engine.clientsCount).toBe(0);
    expect(await closed).toBe('closed');
  });

  it('answers a request still waiting in a middleware', async () => {
    const setup = await start({}, (engine) =>
      engine.use((req, _res, next) => {
        if (req.url?.includes('stuck') !== true) next();
      }),
    );
    const stuck = arrival(setup, 'stuck');
    const answer = send(setup, '&stuck=1');
    await stuck;
    setup.engine.close();
    const closed = httpClose(setup.http);
    expect(await answer).toMatchObject({ status: 400, connection: 'close' });
    expect(await closed).toBe('closed');
  });

  it('terminates WebSockets: a session, a probe mid-upgrade, an upgrade waiting in a middleware', async () => {
    const setup = await start({}, (engine) =>
      engine.use((req, _res, next) => {
        if (req.url?.includes('stuck') !== true) next();
      }),
    );
    const wsBase = `ws://${setup.base}?EIO=4&transport=websocket`;
    const plain = await RawWebSocket.open(wsBase);
    expect(String(await plain.next())[0]).toBe('0');
    const { sid, socket } = await session(setup);
    const probe = await RawWebSocket.open(`${wsBase}&sid=${sid}`);
    const probed = new Promise((resolve) => socket.once('upgrading', resolve));
    probe.send('2probe');
    expect(await probe.next()).toBe('3probe');
    await probed;
    const stuckArrived = arrival(setup, 'stuck', 'upgrade');
    const stuck = new RawWebSocket(`${wsBase}&stuck=1`);
    await stuckArrived;

    setup.engine.close();
    const closed = httpClose(setup.http);
    await Promise.all([plain.closed, probe.closed, stuck.closed]);
    expect(setup.engine.clientsCount).toBe(0);
    expect(await closed).toBe('closed');
  });

  it('refuses upgrades after close', async () => {
    const setup = await start();
    setup.engine.close();
    await expect(RawWebSocket.open(`ws://${setup.base}?EIO=4&transport=websocket`)).rejects.toThrow();
    expect(await httpClose(setup.http)).toBe('closed');
  });
});

interface CloseWay {
  readonly name: string;
  readonly options?: EngineServerOptions;
  /** Ends the session while `held` is held; resolves the answer of that GET. */
  run(setup: Setup, sid: string, socket: EngineSocket, held: Promise<Answer>): Promise<Answer>;
  readonly packets: string[];
}

const closeWays: CloseWay[] = [
  { name: 'socket.close()', run: async (_s, _sid, socket, held) => (socket.close(), held), packets: ['close'] },
  { name: 'socket.close(true)', run: async (_s, _sid, socket, held) => (socket.close(true), held), packets: ['close'] },
  {
    name: 'a close packet from the client',
    run: async (setup, sid, _socket, held) => {
      expect((await send(setup, `&sid=${sid}`, 'POST', '1', true)).body).toBe('ok');
      return held;
    },
    packets: ['noop'],
  },
  {
    name: 'a transport error (overlapping GET)',
    run: async (setup, sid, _socket, held) => {
      expect((await send(setup, `&sid=${sid}`, 'GET', undefined, true)).status).toBe(400);
      return held;
    },
    packets: ['close'],
  },
  {
    name: 'a ping timeout',
    options: { pingInterval: 30, pingTimeout: 300 },
    run: async (setup, sid, _socket, held) => {
      expect(decode((await held).body)).toEqual([{ type: 'ping' }]);
      // No pong: the timeout ends the session while this GET is held.
      return (await holdPoll(setup, sid)).answer;
    },
    packets: ['close'],
  },
];

describe.each(closeWays)('a held GET when the session ends by $name', (way) => {
  it('is answered, and http.close completes', async () => {
    const setup = await start(way.options);
    const { sid, socket } = await session(setup);
    const ended = new Promise((resolve) => socket.once('close', resolve));
    const { answer: held } = await holdPoll(setup, sid);
    const answer = await way.run(setup, sid, socket, held);
    expect(answer.status).toBe(200);
    expect(decode(answer.body).map((p) => p.type)).toEqual(way.packets);
    await ended;
    expect(setup.engine.clientsCount).toBe(0);
    setup.engine.close();
    expect(await httpClose(setup.http)).toBe('closed');
  });
});
