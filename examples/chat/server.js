// Switchback chat example: an Express app that serves a page and a chat over Switchback.
// Express style mounting: the polling requests run through the app's middleware chain, the WebSocket
// upgrade is taken on the same http.Server.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Server } from '@switchback/server';
import { bundleClient } from './bundle.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const port = Number(process.env.PORT ?? 3000);

const app = express();
const httpServer = createServer(app);
const io = new Server({ path: '/socket.io/' });

app.disable('x-powered-by');
app.use(io.middleware());
io.attachUpgrade(httpServer);

const bundle = await bundleClient();
app.get('/bundle.js', (_req, res) => {
  res.type('application/javascript').send(bundle);
});
app.use(express.static(`${here}public`));

/** @type {string[]} the last messages, replayed to whoever joins */
const history = [];

io.on('connection', (socket) => {
  const name = `guest-${socket.id.slice(0, 4)}`;
  const announceTransport = () => socket.emit('transport', socket.conn.transport.name);
  announceTransport();
  socket.conn.on('upgrade', announceTransport);
  socket.emit('history', history);
  socket.broadcast.emit('system', `${name} joined`);

  socket.on('chat', (text, ack) => {
    if (typeof text !== 'string' || text.length === 0 || text.length > 500) {
      if (typeof ack === 'function') ack({ ok: false, error: 'a message is 1 to 500 characters' });
      return;
    }
    const line = `${name}: ${text}`;
    history.push(line);
    if (history.length > 50) history.shift();
    io.emit('chat', line);
    if (typeof ack === 'function') ack({ ok: true });
  });

  socket.on('disconnect', (reason) => {
    io.emit('system', `${name} left (${reason})`);
  });
});

httpServer.listen(port, () => {
  const address = httpServer.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  console.log(`Switchback chat on http://localhost:${actual}  (force polling: http://localhost:${actual}/?transport=polling)`);
});

const shutdown = () => {
  io.close(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
