#!/usr/bin/env node
// Broadcast cost: node bench/broadcast.mjs [sessions] [messages] [repetitions]
// One server process per library on 127.0.0.1; 200 raw WebSocket clients (Engine.IO v4 spoken by hand, so
// no client library's cost is in it) in a child process. The server sends `messages` ~100-byte events to
// every session (io.emit for Switchback and Socket.IO; raw ws loops over its clients, sending the same
// text); the server's CPU (process.cpuUsage) from the first emit until the clients hold every message,
// per recipient. Libraries interleaved, repetitions bounded; everything it starts it stops.
// Not in `npm run bench` (no target asks for it): see bench/README.md for what it showed.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const role = ['clients', 'server'].includes(process.argv[2]) ? process.argv[2] : 'main';

if (role === 'clients') {
  // argv: clients <url> <raw|eio> sessions messages
  const { WebSocket } = await import('ws');
  const [url, protocol] = [process.argv[3], process.argv[4]];
  const count = Number(process.argv[5]);
  let received = 0;
  let target = Infinity;
  const sockets = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('error', reject);
        if (protocol === 'raw') ws.once('open', () => resolve(ws));
        ws.on('message', (data) => {
          const text = String(data);
          if (text[0] === '0') ws.send('40');
          else if (text.startsWith('40')) resolve(ws);
          else if (text === '2') ws.send('3');
          else if (text.startsWith('42') && ++received === target) process.send('received');
        });
      }),
    ),
  );
  process.on('message', (message) => {
    if (message === 'expect') {
      received = 0;
      target = count * Number(process.argv[6]);
      process.send('expecting');
    } else if (message === 'exit') {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
  process.send('connected');
} else if (role === 'server') {
  // argv: server <lib> sessions messages repetitions; answers with the CPU per recipient of each repetition.
  const lib = process.argv[3];
  const [count, n, reps] = process.argv.slice(4).map(Number);
  const http = createServer();
  let broadcast;
  if (lib === 'raw ws') {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ server: http });
    broadcast = (text) => {
      for (const ws of wss.clients) ws.send(text);
    };
  } else {
    const { Server } = await import(lib === 'Switchback' ? `${root}packages/server/dist/esm/index.js` : 'socket.io');
    const io = new Server(http);
    broadcast = (text) => io.emit('news', text.slice(11, -2));
  }
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${http.address().port}${lib === 'raw ws' ? '/' : '/socket.io/?EIO=4&transport=websocket'}`;
  const clients = fork(fileURLToPath(import.meta.url), ['clients', url, lib === 'raw ws' ? 'raw' : 'eio', String(count), String(n)]);
  const next = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${lib}: clients did not answer within 60 s`)), 60_000);
      clients.once('message', (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  try {
    await next();
    const frame = `42["news","${'x'.repeat(100)}"]`;
    const results = [];
    for (let rep = 0; rep < reps + 1; rep += 1) {
      clients.send('expect');
      await next();
      const start = process.cpuUsage();
      for (let i = 0; i < n; i += 1) broadcast(frame);
      await next();
      const used = process.cpuUsage(start);
      // The first repetition warms the code up and is not counted.
      if (rep > 0) results.push((used.user + used.system) / (count * n));
    }
    process.send(results);
  } finally {
    clients.send('exit');
  }
  process.exit(0);
} else {
  const [sessions = 200, messages = 500, repetitions = 5] = process.argv.slice(2).map(Number);
  const libs = ['Switchback', 'Socket.IO', 'raw ws'];
  const runs = Object.fromEntries(libs.map((lib) => [lib, []]));
  // Interleaved: one server process per library and round, so drift hits all alike.
  for (let round = 0; round < repetitions; round += 1) {
    for (const lib of libs) {
      const server = fork(fileURLToPath(import.meta.url), ['server', lib, String(sessions), String(messages), '1']);
      const [result] = await new Promise((resolve, reject) => {
        server.once('message', resolve);
        server.once('exit', (code) => code !== 0 && reject(new Error(`${lib} server exited with ${code}`)));
      });
      runs[lib].push(result);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`Broadcast: ${messages} events of ~100 bytes to ${sessions} WebSocket sessions, ${repetitions} rounds, server CPU µs per recipient`);
  console.log('| Library | µs/recipient, median (min–max) | vs raw ws | vs Socket.IO |');
  console.log('|---|---|---|---|');
  for (const lib of libs) {
    const values = runs[lib];
    const ratio = (other) => median(values.map((v, i) => v / runs[other][i])).toFixed(2);
    console.log(`| ${lib} | ${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}) | ${ratio('raw ws')}× | ${ratio('Socket.IO')}× |`);
  }
}
