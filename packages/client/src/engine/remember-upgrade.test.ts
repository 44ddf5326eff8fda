import { describe, expect, it } from 'vitest';
import { Socket } from './socket.js';
import { FakeWebSocket, fakePollingServer, openPacket } from './test-support/fake-websocket.js';
import { waitFor } from './test-support/wait.js';

// The remembered success is module state (one per page or process, as engine.io-client's static
// Socket.priorWebsocketSuccess): the cases below run in order and build on each other.
describe('rememberUpgrade', () => {
  const pollingFirst = { transports: ['polling', 'websocket'] as Array<'polling' | 'websocket'>, WebSocket: FakeWebSocket, fallbackMemory: false as const };

  it('starts on polling while no WebSocket has worked yet', () => {
    const socket = new Socket('http://example.test', { ...pollingFirst, rememberUpgrade: true, fetch: fakePollingServer('s0').fetch });
    expect(socket.transport.name).toBe('polling');
    socket.close();
  });

  it('after a session opened over WebSocket, starts the next one on WebSocket (polling stays the fallback)', async () => {
    FakeWebSocket.instances = [];
    const first = new Socket('http://example.test', { transports: ['websocket'], WebSocket: FakeWebSocket, fallbackMemory: false });
    const opened = waitFor(first, 'open');
    // The WebSocket is constructed on the next turn of the event loop; nothing emits when it is.
    await new Promise((resolve) => setImmediate(resolve));
    const ws = FakeWebSocket.instances[0];
    if (ws === undefined) throw new Error('no WebSocket');
    ws.accept();
    ws.deliver(openPacket('s1'));
    await opened;
    first.close();

    const remembering = new Socket('http://example.test', { ...pollingFirst, rememberUpgrade: true, fetch: fakePollingServer('s2').fetch });
    expect(remembering.transport.name).toBe('websocket');
    remembering.close();
    // Without the option, `transports` decides, as engine.io-client's.
    const plain = new Socket('http://example.test', { ...pollingFirst, fetch: fakePollingServer('s3').fetch });
    expect(plain.transport.name).toBe('polling');
    plain.close();
  });

  it('a failed upgrade probe forgets it', async () => {
    FakeWebSocket.instances = [];
    const server = fakePollingServer('s4', 25000, 20000, ['websocket']);
    // Opens on polling (not remembering), then probes the upgrade, which is answered wrongly.
    const socket = new Socket('http://example.test', { ...pollingFirst, fetch: server.fetch });
    await waitFor(socket, 'open');
    const probe = FakeWebSocket.instances[0];
    if (probe === undefined) throw new Error('no probe WebSocket');
    probe.accept();
    const failed = waitFor(socket, 'upgradeError');
    probe.deliver('3nope');
    await failed;
    socket.close();

    const next = new Socket('http://example.test', { ...pollingFirst, rememberUpgrade: true, fetch: fakePollingServer('s5').fetch });
    expect(next.transport.name).toBe('polling');
    next.close();
  });
});
