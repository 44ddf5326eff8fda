// One adapter per library, each using that library's own Node client. A session exposes
// echo(text) (the reply comes to onEcho), flood(text), close(); `opened` resolves when it is connected.
import { Agent, request } from 'node:http';

// Polling in the reference clients goes through this keep-alive agent (our client uses node:http with a keep-alive agent in Node, whose
// undici dispatcher keeps connections alive by default).
const keepAlive = new Agent({ keepAlive: true, maxSockets: Infinity });

function withTransports(transports) {
  return transports ? { transports } : {};
}

function socketLayer(io, url, transports, extra) {
  const socket = io(url, { forceNew: true, reconnection: false, ...withTransports(transports), ...extra });
  let echoHandler = () => {};
  socket.on('echo', (m) => echoHandler(m));
  const opened = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const hello = new Promise((resolve) => socket.once('hello', resolve));
  return {
    opened,
    hello,
    onEcho: (fn) => (echoHandler = fn),
    echo: (m) => socket.emit('echo', m),
    flood: (m) => socket.emit('flood', m),
    transport: () => socket.io.engine?.transport?.name,
    close: () => socket.disconnect(),
  };
}

function prefixed(send, onMessage, opened, close, transport) {
  let echoHandler = () => {};
  let helloResolve;
  const hello = new Promise((resolve) => (helloResolve = resolve));
  onMessage((data) => {
    const text = typeof data === 'string' ? data : data.toString();
    if (text === 'hello') helloResolve(text);
    else echoHandler(text.slice(1));
  });
  return {
    opened,
    hello,
    onEcho: (fn) => (echoHandler = fn),
    echo: (m) => send(`e${m}`),
    flood: (m) => send(`f${m}`),
    transport,
    close,
  };
}

let modules;
async function load() {
  if (modules) return modules;
  const [sb, sio, eio, ws] = await Promise.all([
    import('@switchback/client'),
    import('socket.io-client'),
    import('engine.io-client'),
    import('ws'),
  ]);
  modules = { sb, sio, eio, ws };
  return modules;
}

/** Opens one session; `transports` undefined = the library's default options. */
export async function openSession(lib, url, transports) {
  const m = await load();
  switch (lib) {
    case 'switchback':
      return socketLayer(m.sb.io, url, transports, {});
    case 'socketio':
      return socketLayer(m.sio.io, url, transports, { agent: keepAlive });
    case 'engineio': {
      const socket = new m.eio.Socket(url, { ...withTransports(transports), agent: keepAlive });
      const opened = new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return prefixed(
        (t) => socket.send(t),
        (fn) => socket.on('message', fn),
        opened,
        () => socket.close(),
        () => socket.transport?.name,
      );
    }
    case 'ws': {
      const socket = new m.ws.WebSocket(url.replace(/^http/, 'ws'));
      const opened = new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.on('error', () => {});
      return prefixed(
        (t) => socket.send(t),
        (fn) => socket.on('message', (data, isBinary) => fn(isBinary ? data : data.toString())),
        opened,
        () => socket.terminate(),
        () => 'websocket',
      );
    }
    case 'http': {
      // A keep-alive request loop: one POST per message, answered with the same body.
      let echoHandler = () => {};
      const post = (body, onBody) => {
        const req = request({ host: '127.0.0.1', port: new URL(url).port, method: 'POST', path: '/', agent: keepAlive }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => onBody(Buffer.concat(chunks).toString()));
        });
        req.on('error', () => {});
        req.end(body);
      };
      return {
        opened: Promise.resolve(),
        hello: undefined,
        onEcho: (fn) => (echoHandler = fn),
        echo: (m) => post(`e${m}`, (body) => echoHandler(body.slice(1))),
        flood: (m) => post(`f${m}`, () => {}),
        transport: () => 'polling',
        close: () => {},
      };
    }
    default:
      throw new Error(`unknown library ${lib}`);
  }
}

/** Raw HTTP's "first message": one GET on a fresh connection, resolved when the body has arrived. */
export function httpHello(url) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: new URL(url).port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}
