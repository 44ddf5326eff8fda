import { afterEach, describe, expect, it } from 'vitest';
import { Socket } from '../socket.js';
import { isEngineError } from '../errors.js';
import { startCuttingProxy } from '../test-support/cutting-proxy.js';
import { startEngineServer } from '../test-support/engine-server.js';
import { waitFor } from '../test-support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('polling behind a proxy that cuts held GETs with 504 (real engine.io server)', () => {
  it('the cut GET is re-polled; engine.io dropped the session on the cut, so the re-poll gets 400 and the client closes cleanly', async () => {
    const server = await startEngineServer({ transports: ['polling'] });
    cleanups.push(() => server.close());
    const serverSocket = server.nextConnection();
    // engine.io closes a session whose held GET closes prematurely; the proxy answers its 504 only once
    // that happened, so the re-poll deterministically finds the session gone.
    const serverClosed = serverSocket.then((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
    const proxy = await startCuttingProxy({ targetPort: server.port, readTimeoutMs: 300, beforeGatewayTimeout: () => serverClosed });
    cleanups.push(() => proxy.close());

    const socket = new Socket(proxy.url, { transports: ['polling'], fallbackMemory: false });
    cleanups.push(() => void socket.close());
    const errors: unknown[] = [];
    socket.on('error', (err) => errors.push(err));
    await waitFor(socket, 'open');
    const reason = await waitFor(socket, 'close');

    expect(reason).toBe('transport error');
    // Handshake, the held GET cut by the proxy, then the re-poll refused by the server.
    expect(proxy.log).toEqual(['GET 200', 'GET 504', 'GET 400']);
    expect(errors).toHaveLength(1); // the 504 was absorbed; only the final 400 is reported
    const err = errors[0];
    expect(isEngineError(err) && err.status).toBe(400);
    expect(err).toMatchObject({ message: 'xhr poll error', context: { responseText: expect.stringContaining('Session ID unknown') } });
  });
});
