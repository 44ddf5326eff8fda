// One server process (forked with --expose-gc): listens for one library, echoes, counts floods,
// reports CPU and memory measured from inside.
import { createServer } from 'node:http';
import { serve } from './ipc.mjs';
import { startDelayProxy } from './delay-proxy.mjs';
import { startStallProxy } from './stall-proxy.mjs';

const listeners = [];
const flood = { target: 0, count: 0, cpuStart: undefined, startNs: 0n, firstNs: 0n, done: undefined, waiters: [] };
let sessions = 0;

function floodOnMessage() {
  if (flood.cpuStart === undefined) return;
  flood.count += 1;
  if (flood.count === 1) flood.firstNs = process.hrtime.bigint();
  if (flood.count !== flood.target) return;
  const cpu = process.cpuUsage(flood.cpuStart);
  const endNs = process.hrtime.bigint();
  flood.done = {
    count: flood.count,
    cpuUs: cpu.user + cpu.system,
    endNs: endNs.toString(),
    armedToEndMs: Number(endNs - flood.startNs) / 1e6,
    firstToEndMs: Number(endNs - flood.firstNs) / 1e6,
  };
  flood.cpuStart = undefined;
  for (const resolve of flood.waiters.splice(0)) resolve(flood.done);
}

// Engine-level peers (engine.io, ws, http) speak a one-letter prefix: e = echo back, f = flood.
function rawOnMessage(data, reply) {
  const text = typeof data === 'string' ? data : data.toString();
  if (text.charCodeAt(0) === 101 /* e */) reply(text);
  else floodOnMessage();
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function socketLayerApp(moduleName, transports) {
  const { Server } = await import(moduleName);
  const http = createServer();
  const io = new Server(http, transports ? { transports } : {});
  io.on('connection', (socket) => {
    sessions += 1;
    socket.on('disconnect', () => (sessions -= 1));
    socket.on('echo', (m) => socket.emit('echo', m));
    socket.on('flood', floodOnMessage);
    socket.emit('hello', 'world');
  });
  return { http, close: () => new Promise((resolve) => io.close(() => resolve())) };
}

const starters = {
  // The same app on both Socket.IO-shaped servers: only the import differs.
  switchback: ({ transports }) => socketLayerApp('@switchback/server', transports),
  socketio: ({ transports }) => socketLayerApp('socket.io', transports),
  async engineio({ transports }) {
    const { Server } = await import('engine.io');
    const http = createServer();
    const engine = new Server(transports ? { transports } : {});
    engine.attach(http);
    engine.on('connection', (socket) => {
      sessions += 1;
      socket.on('close', () => (sessions -= 1));
      socket.on('message', (data) => rawOnMessage(data, (m) => socket.send(m)));
      socket.send('hello');
    });
    return { http, close: async () => engine.close() };
  },
  async ws() {
    const { WebSocketServer } = await import('ws');
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => {
      sessions += 1;
      socket.on('close', () => (sessions -= 1));
      socket.on('message', (data) => rawOnMessage(data, (m) => socket.send(m)));
      socket.send('hello');
    });
    return { http, close: () => new Promise((resolve) => wss.close(() => resolve())) };
  },
  async http() {
    const http = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      if (req.method === 'GET') {
        res.end('hello');
        return;
      }
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        rawOnMessage(Buffer.concat(chunks), (m) => res.end(m));
        if (!res.writableEnded) res.end();
      });
    });
    return { http, close: async () => {} };
  },
};

serve({
  /** process.cpuUsage() now, for a window the parent times (ping-pong's server CPU per round trip). */
  cpu() {
    return process.cpuUsage();
  },
  async listen({ lib, transports }) {
    const started = await starters[lib]({ transports });
    const port = await listen(started.http);
    listeners.push(started);
    return { port };
  },
  async proxy({ targetPort, delayMs }) {
    const proxy = delayMs === undefined ? await startStallProxy(targetPort) : await startDelayProxy(targetPort, delayMs);
    listeners.push({ close: proxy.close, http: undefined });
    return { port: proxy.port };
  },
  arm({ n }) {
    flood.target = n;
    flood.count = 0;
    flood.done = undefined;
    flood.startNs = process.hrtime.bigint();
    flood.cpuStart = process.cpuUsage();
    return {};
  },
  waitFlood() {
    if (flood.done) return flood.done;
    return new Promise((resolve) => flood.waiters.push(resolve));
  },
  sessions() {
    return { sessions };
  },
  mem() {
    if (typeof globalThis.gc !== 'function') throw new Error('start the server with --expose-gc');
    for (let i = 0; i < 3; i += 1) globalThis.gc();
    const { heapUsed, rss } = process.memoryUsage();
    return { heapUsed, rss, sessions };
  },
  async close() {
    for (const { http, close } of listeners.splice(0)) {
      await close();
      http?.closeAllConnections();
      http?.close();
    }
    return {};
  },
});
