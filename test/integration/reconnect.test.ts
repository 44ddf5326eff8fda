import { describe, expect, it } from 'vitest';
import { once, transportsFor, type TransportMode } from '../helpers/clients.js';
import { useServers, type TestServer } from '../helpers/servers.js';
import { deferred } from '../helpers/wait.js';

const modes: TransportMode[] = ['websocket', 'polling', 'default'];

describe.each(modes)('reconnect over %s', (mode) => {
  const { clients, start } = useServers();

  it('reconnects after the server restarts on the same port and delivers emits made while it was down', async () => {
    const received: number[] = [];
    const listen = (s: TestServer, got: (n: number) => void): void => {
      s.io.on('connection', (socket) => socket.on('n', (n: number) => got(n)));
    };
    let server = await start();
    const port = server.port;
    const firstTwo = deferred();
    listen(server, (n) => {
      received.push(n);
      if (n === 1) firstTwo.resolve();
    });

    const socket = clients.open(server.url, {
      ...transportsFor(mode),
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 400,
    });
    await once(socket, 'connect');
    socket.emit('n', 0);
    socket.emit('n', 1);
    await firstTwo.promise;

    const disconnected = once<[string]>(socket, 'disconnect');
    await server.close();
    const [reason] = await disconnected;
    expect(['transport close', 'transport error', 'io server disconnect']).toContain(reason);
    expect(reason).not.toBe('io server disconnect');

    // emitted while the server is down: buffered by the client, sent after reconnecting
    for (let n = 2; n < 6; n += 1) socket.emit('n', n);
    socket.volatile.emit('n', -1); // volatile emits are dropped while disconnected

    const attempts: number[] = [];
    socket.io.on('reconnect_attempt', (attempt: number) => attempts.push(attempt));
    const allArrived = deferred();
    server = await start({}, port);
    listen(server, (n) => {
      received.push(n);
      if (n === 5) allArrived.resolve();
    });
    await once(socket.io, 'reconnect', 15_000);
    await allArrived.promise;
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(received.slice(0, 2)).toEqual([0, 1]);
    expect(received.slice(2)).toEqual([2, 3, 4, 5]);
  });
});
