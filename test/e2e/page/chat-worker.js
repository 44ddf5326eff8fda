// A worker (dedicated or shared) for test/e2e/worker.test.ts: connects with the options it is sent and
// reports connect / chat / ack to whoever talks to it.
import { io } from '/switchback.mjs';
const ports = [];
const post = (message) => (ports.length ? ports.forEach((port) => port.postMessage(message)) : self.postMessage(message));
let socket;
const onCommand = (command) => {
  if (command.type === 'open') {
    const started = performance.now();
    socket = io(location.origin, command.options);
    socket.on('connect', () => post({ type: 'connect', transport: socket.io.engine.transport.name, ms: performance.now() - started }));
    socket.on('connect_error', (err) => post({ type: 'error', message: err.message }));
    socket.on('chat', (line) => post({ type: 'chat', text: line.text }));
  } else if (command.type === 'chat') {
    socket.emit('chat', { text: command.text }, (ack) => post({ type: 'ack', ack, transport: socket.io.engine.transport.name }));
  }
};
self.onconnect = (event) => {
  const port = event.ports[0];
  ports.push(port);
  port.onmessage = (event) => onCommand(event.data);
};
self.onmessage = (event) => onCommand(event.data);
