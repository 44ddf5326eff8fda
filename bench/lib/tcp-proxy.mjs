// The part every bench proxy shares: a TCP server on 127.0.0.1 that opens one upstream connection per
// client connection to `targetPort`, hands the pair to `onPair`, and on close() destroys every socket.
import { createConnection, createServer } from 'node:net';

/** `onPair(client, upstream, destroyBoth)` wires the two; an error on either destroys both. */
export async function startTcpProxy(targetPort, onPair) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
    onPair(client, upstream, destroyBoth);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
