// The page's code: one Switchback socket, the live transport name, a chat.
import { io } from '@switchback/client';

const params = new URLSearchParams(location.search);
const forced = params.get('transport');
const socket = io({
  transports: forced === 'polling' ? ['polling'] : forced === 'websocket' ? ['websocket'] : undefined,
});

const $ = (id) => document.getElementById(id);
const log = $('log');
const addLine = (text, kind) => {
  const li = document.createElement('li');
  li.textContent = text;
  if (kind) li.className = kind;
  log.append(li);
  log.scrollTop = log.scrollHeight;
};
const showTransport = () => {
  const name = socket.io.engine?.transport?.name ?? '—';
  $('transport').textContent = socket.connected ? name : 'disconnected';
  document.body.dataset.transport = socket.connected ? name : '';
};

socket.on('connect', () => {
  $('status').textContent = `connected as ${socket.id}`;
  showTransport();
  socket.io.engine.on('upgrade', showTransport);
});
socket.on('disconnect', (reason) => {
  $('status').textContent = `disconnected: ${reason}`;
  showTransport();
});
socket.on('connect_error', (err) => {
  $('status').textContent = `connect error: ${err.message}`;
});
socket.on('transport', showTransport);
socket.on('history', (lines) => lines.forEach((line) => addLine(line)));
socket.on('chat', (line) => addLine(line));
socket.on('system', (line) => addLine(line, 'system'));

$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('message');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  socket.timeout(5000).emit('chat', text, (err, reply) => {
    if (err) addLine('not delivered (timeout)', 'system');
    else if (!reply.ok) addLine(reply.error, 'system');
  });
});
