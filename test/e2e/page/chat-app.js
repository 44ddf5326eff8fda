// A small chat app that uses the client the way an app would: connect, show the transport, send and
// receive chat messages. It also keeps `window.chat` (timings, transports, received messages, a log of
// engine events) for the end-to-end tests to read; the app itself never depends on it.
/* global window, document, location, performance */
'use strict';

window.startChatApp = function startChatApp(io) {
  const params = new URLSearchParams(location.search);
  const options = {};
  if (params.has('webSocketTimeout')) options.webSocketTimeout = Number(params.get('webSocketTimeout'));
  if (params.has('protocols')) options.protocols = params.get('protocols').split(',');
  if (params.has('transports')) options.transports = params.get('transports').split(',');
  if (params.has('reconnectionDelayMax')) options.reconnectionDelayMax = Number(params.get('reconnectionDelayMax'));
  const byId = (id) => document.getElementById(id);
  const state = {
    connectMs: undefined,
    transport: undefined,
    transports: [],
    sids: [],
    received: [],
    acked: [],
    connects: 0,
    disconnects: [],
    upgrades: 0,
    upgradeErrors: [],
    log: [],
  };
  window.chat = state;
  const log = (line) => {
    state.log.push(`${Math.round(performance.now())}ms ${line}`);
    byId('log').textContent = state.log.join('\n');
  };
  const showTransport = (name) => {
    state.transport = name;
    state.transports.push(name);
    byId('transport').textContent = name;
  };

  const started = performance.now();
  const socket = io(options);
  window.chatSocket = socket;

  // Engine events are the app's way to see the transport change (socket.io-client's API).
  const watched = new WeakSet();
  const watchEngine = () => {
    const engine = socket.io.engine;
    if (engine === undefined || watched.has(engine)) return;
    watched.add(engine);
    engine.on('stateChange', ({ from, to }) => log(`engine ${from} -> ${to} (${engine.transport.name})`));
    engine.on('upgrading', (t) => log(`upgrading to ${t.name}`));
    engine.on('upgrade', (t) => {
      state.upgrades += 1;
      log(`upgraded to ${t.name}`);
      showTransport(t.name);
    });
    engine.on('upgradeError', (err) => {
      state.upgradeErrors.push(String(err && err.message));
      log(`upgrade error: ${err && err.message}`);
    });
    engine.on('error', (err) => log(`engine error: ${err && err.message}`));
    engine.on('close', (reason) => log(`engine close: ${reason}`));
  };
  watchEngine();
  socket.io.on('open', watchEngine);
  socket.io.on('reconnect_attempt', (n) => log(`reconnect attempt ${n}`));

  socket.on('connect', () => {
    watchEngine();
    const engine = socket.io.engine;
    state.connects += 1;
    if (state.connectMs === undefined) state.connectMs = performance.now() - started;
    state.sids.push(engine.id);
    showTransport(engine.transport.name);
    byId('status').textContent = 'connected';
    log(`connect sid=${engine.id} transport=${engine.transport.name}`);
  });
  socket.on('disconnect', (reason) => {
    state.disconnects.push(reason);
    byId('status').textContent = 'disconnected';
    log(`disconnect: ${reason}`);
  });
  socket.on('connect_error', (err) => log(`connect_error: ${err && err.message}`));

  socket.on('chat', (msg) => {
    state.received.push(msg);
    const item = document.createElement('li');
    item.textContent = `${msg.from}: ${msg.text}`;
    byId('messages').append(item);
  });

  byId('send').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('message');
    const text = input.value;
    if (text === '') return;
    input.value = '';
    socket.emit('chat', { text }, (reply) => state.acked.push(reply));
  });
};
