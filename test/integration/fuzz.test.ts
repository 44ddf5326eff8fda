// Mutated protocol input, both ways, from a seeded generator (FUZZ_SEED to vary it; the seed of a failure
// is in the test's name). The server must answer every request with a status, never crash, and end with
// no session; the client must turn whatever a server sends into events, never into an exception.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io } from '@switchback/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startServer, type TestServer } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261204);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Up to three insertions, deletions or replacements by protocol punctuation. */
function mutator(rnd: (n: number) => number): (text: string) => string {
  const punctuation = '{}[]",:0-/\x1e';
  return (text) => {
    const chars = [...text];
    for (let k = rnd(4); k > 0; k--) {
      const at = rnd(chars.length + 1);
      const op = rnd(3);
      if (op === 0) chars.splice(at, 0, String.fromCharCode(rnd(128)));
      else if (op === 1) chars.splice(at, 1);
      else chars[at] = punctuation[rnd(punctuation.length)] ?? '';
    }
    return chars.join('');
  };
}

const crashes: unknown[] = [];
const onCrash = (err: unknown): void => {
  crashes.push(err);
};
beforeAll(() => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
afterAll(() => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

describe('fuzzed input to the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ maxHttpBufferSize: 10_000, pingInterval: 300, pingTimeout: 200, connectTimeout: 500 });
    server.io.on('connection', (socket) => {
      socket.onAny(() => {});
      socket.on('x', (...args: unknown[]) => {
        const ack = args.at(-1);
        if (typeof ack === 'function') (ack as (v: number) => void)(1);
      });
    });
    server.io.of('/admin').use((_socket, next) => next(new Error('no')));
  });
  afterAll(() => server.close());

  const seeds = [
    '40', '42["x",1]', '421["x",{"a":[1,2]}]', '451-["x",{"_placeholder":true,"num":0}]', '40/admin,', '41',
    '43["y"]', '2', '3', '6', '5', '1', '42/nope,["x"]', '499999999999999999999', '42["connect"]', '40{"t":1}',
    '0', '42[', '4\u0000', '42["x",{"_placeholder":true,"num":5}]', 'bNDJbIngiXQ==', '461-["x",{"_placeholder":true,"num":0}]',
  ];

  it(`answers every mutated request and frame, and ends with no session (seed ${SEED})`, async () => {
    const rnd = generator(SEED);
    const mutate = mutator(rnd);
    const pick = <T>(list: readonly T[]): T => list[rnd(list.length)] as T;
    const statuses = new Map<number, number>();
    const send = (method: string, path: string, body?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path }, (res) => {
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        // A held GET is answered by the session's close or a noop at the latest: never left hanging.
        req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer in 5 s`)));
        req.end(body);
      });

    for (let i = 0; i < 300; i++) {
      const open = await send('GET', '/socket.io/?EIO=4&transport=polling');
      const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
      const payload = Array.from({ length: 1 + rnd(4) }, () => mutate(pick(seeds))).join('\x1e');
      await send('POST', `/socket.io/?EIO=4&transport=polling&sid=${sid}`, payload);
      const method = pick(['GET', 'POST', 'PUT']);
      const query = `EIO=${pick(['3', '4', '5', 'x'])}&transport=${pick(['polling', 'websocket', 'x'])}&sid=${rnd(2) ? sid : 'unknown'}`;
      await send(method, `/socket.io/?${query}`, method === 'GET' ? undefined : mutate('4abc'));

      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
        ws.on('error', () => resolve());
        ws.on('close', () => resolve());
        ws.on('open', () => {
          for (let k = 1 + rnd(5); k > 0; k--) {
            const frame = mutate(pick(seeds));
            ws.send(rnd(4) ? frame : Buffer.from(frame));
          }
          setTimeout(() => ws.terminate(), rnd(30));
        });
      });
    }
    // Every request got an HTTP answer, and only these kinds.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400]));
    for (const status of statuses.keys()) expect([200, 400, 413]).toContain(status);
    await until(() => server.io.engine.clientsCount === 0, 'every fuzzed session is closed');
    expect(server.io.of('/').sockets.size).toBe(0);
    expect(crashes).toEqual([]);
  });
});

describe('fuzzed input to the client', () => {
  it(`turns whatever a server sends into events, never an exception (seed ${SEED})`, async () => {
    const rnd = generator(SEED + 1);
    const mutate = mutator(rnd);
    const seeds = [
      '40{"sid":"abc"}', '42["x",1]', '43["y"]', '421["x"]', '431["x"]', '44{"message":"no"}', '41', '2', '3', '6', '1',
      '451-["x",{"_placeholder":true,"num":0}]', '4', '40/a,{"sid":"z"}', '44/a,{"message":"x","data":{}}',
      '0{"sid":"q","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":100}',
    ];
    const pick = (): string => seeds[rnd(seeds.length)] as string;
    const openPacket = (sid: string): string => `0{"sid":"${sid}","upgrades":[],"pingInterval":300,"pingTimeout":300,"maxPayload":1000}`;
    const http = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST') {
        req.resume();
        req.on('end', () => res.end('ok'));
        return;
      }
      if (!new URL(req.url ?? '/', 'http://x').searchParams.has('sid')) return res.end(mutate(openPacket(`p${rnd(1e6)}`)));
      res.end(Array.from({ length: 1 + rnd(3) }, () => mutate(pick())).join('\x1e'));
    });
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      if (rnd(5)) ws.send(mutate(openPacket(`w${rnd(1e6)}`)));
      for (let k = rnd(6); k > 0; k--) {
        const frame = mutate(pick());
        ws.send(rnd(5) ? frame : Buffer.from(frame));
      }
      setTimeout(() => ws.terminate(), 20 + rnd(50));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const outcomes = new Map<string, number>();
      for (let i = 0; i < 60; i++) {
        const socket = io(url, {
          forceNew: true,
          reconnection: rnd(2) === 0,
          reconnectionDelay: 10,
          reconnectionDelayMax: 20,
          timeout: 300,
          webSocketTimeout: 150,
          ...(rnd(2) ? { transports: ['polling' as const] } : {}),
        });
        socket.onAny(() => {});
        socket.emit('hi', 1, () => {});
        // Whatever happens first, within the connect timeout (300 ms) plus a margin.
        const outcome = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('none'), 1_000);
          for (const event of ['connect', 'connect_error', 'disconnect']) {
            socket.once(event, () => {
              clearTimeout(timer);
              resolve(event);
            });
          }
        });
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        socket.close();
      }
      expect(outcomes.get('none') ?? 0).toBe(0);
      expect(outcomes.get('connect_error') ?? 0).toBeGreaterThan(0);
      expect(crashes).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => {
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      });
    }
  });
});
