// A server-side close landing at each step of the polling → WebSocket upgrade: whatever the order, the
// session ends closed, every transport is closed and the client learns it at once (no orphan WebSocket
// left "connected" until the client's ping timeout).
import { describe, expect, it } from 'vitest';
import type { EngineSocket } from './session.js';
import type { Transport, TransportBase } from './transport.js';
import { RawWebSocket, decode, handshake, nextConnection, poll, useTestServers, waitUntil, wsUrl } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

const { started } = useTestServers();

interface Upgrading {
  readonly server: TestServer;
  readonly sid: string;
  readonly socket: EngineSocket;
  readonly polling: Transport;
  readonly ws: RawWebSocket;
  /** Session events in order: 'upgrading', 'upgrade', 'close:<reason>'. */
  readonly events: string[];
  readonly closed: Promise<string>;
}

/** A polling session with a WebSocket candidate open (not probed yet) and no GET held. */
async function upgrading(): Promise<Upgrading> {
  // Long heartbeat: nothing but the close under test may end the session or the WebSocket.
  const server = await started({ pingInterval: 60_000, pingTimeout: 60_000 });
  const connected = nextConnection(server);
  const { sid } = await handshake(server);
  const socket = await connected;
  const polling = socket.transport;
  const events: string[] = [];
  socket.on('upgrading', () => events.push('upgrading'));
  socket.on('upgrade', () => events.push('upgrade'));
  const closed = new Promise<string>((resolve) =>
    socket.once('close', (reason) => {
      events.push(`close:${reason}`);
      resolve(reason);
    }),
  );
  const ws = await RawWebSocket.open(wsUrl(server, `EIO=4&transport=websocket&sid=${sid}`));
  return { server, sid, socket, polling, ws, events, closed };
}

async function probe(ws: RawWebSocket): Promise<void> {
  ws.send('2probe');
  expect(await ws.next()).toBe('3probe');
}

/** The end state every case must reach: nothing of the session left open or registered. */
async function expectFullyClosed(u: Upgrading): Promise<void> {
  await u.closed;
  expect(u.socket.readyState).toBe('closed');
  // The upgrade's timers (upgradeTimeout, the noop interval) end with it.
  expect(u.socket.upgrading).toBe(false);
  // Nor does anything of the upgrade still listen to the session or the transport it ended on.
  expect(u.socket.listenerCount('close')).toBe(0);
  const last = u.socket.transport as TransportBase;
  const upgradeEvents = ['packet', 'error', 'parseError', 'close'] as const;
  expect(upgradeEvents.map((event) => last.listenerCount(event))).toEqual([0, 0, 0, 0]);
  expect(u.polling.readyState).toBe('closed');
  // The transport the session ended on (the WebSocket when the upgrade went through) is closing or closed.
  expect(u.socket.transport.readyState).not.toBe('open');
  expect(u.server.engine.clientsCount).toBe(0);
  expect(u.server.engine.clients.has(u.sid)).toBe(false);
  // The client sees its WebSocket closed (before the fix it stayed open until the client's ping timeout).
  await u.ws.closed;
  await waitUntil(() => u.socket.transport.readyState === 'closed');
}

describe('server-side close during the polling → WebSocket upgrade', () => {
  it("graceful close waiting for a GET, then the client's `5`: the new WebSocket is closed with the session", async () => {
    const u = await upgrading();
    await probe(u.ws);
    // No GET is held (the paused client sends none): the close waits for one, as polling does.
    u.socket.close();
    expect(u.socket.readyState).toBe('closing');
    u.ws.send('5');
    expect(await u.closed).toBe('forced close');
    // As engine.io: the upgrade completes, then the session closes over the new transport.
    expect(u.events).toEqual(['upgrading', 'upgrade', 'close:forced close']);
    expect(u.socket.transport.name).toBe('websocket');
    await expectFullyClosed(u);
  });

  it('graceful close before the probe, no GET held: probe and `5` still end with everything closed', async () => {
    const u = await upgrading();
    u.socket.close();
    expect(u.socket.readyState).toBe('closing');
    await probe(u.ws);
    u.ws.send('5');
    expect(await u.closed).toBe('forced close');
    await expectFullyClosed(u);
  });

  it('graceful close before the probe, then the client polls: the close packet goes out and the candidate is closed', async () => {
    const u = await upgrading();
    u.socket.close();
    expect(decode((await poll(u.server, u.sid)).body)).toEqual([{ type: 'noop' }, { type: 'close' }]);
    expect(await u.closed).toBe('forced close');
    expect(u.events).toEqual(['close:forced close']);
    expect(u.socket.transport).toBe(u.polling);
    await u.ws.closed;
    expect(u.server.engine.clientsCount).toBe(0);
  });

  it('graceful close with packets buffered: they go out over the new WebSocket, then it closes', async () => {
    const u = await upgrading();
    await probe(u.ws);
    // No GET held: the message stays in the session's buffer and the close waits for it to drain.
    u.socket.send('last words');
    u.socket.close();
    expect(u.socket.readyState).toBe('closing');
    u.ws.send('5');
    expect(await u.ws.next()).toBe('4last words');
    expect(await u.closed).toBe('forced close');
    expect(u.events).toEqual(['upgrading', 'upgrade', 'close:forced close']);
    await expectFullyClosed(u);
  });

  it('graceful close as the GET after the probe comes: the GET gets its noop, the session still closes fully', async () => {
    const u = await upgrading();
    await probe(u.ws);
    // Closed in the tick the GET is taken. That GET is answered with a noop at once (the pausing client
    // waits for it), so no GET is held for the close packet: the close goes on without one.
    (u.polling as TransportBase).once('ready', () => u.socket.close());
    const held = await poll(u.server, u.sid);
    expect(decode(held.body)).toEqual([{ type: 'noop' }]);
    // Released, the client finishes its upgrade: the close then goes over the new WebSocket.
    u.ws.send('5');
    expect(await u.closed).toBe('forced close');
    await expectFullyClosed(u);
  });

  it("an 'upgrade' listener that closes the session closes the new WebSocket", async () => {
    const u = await upgrading();
    u.socket.once('upgrade', () => u.socket.close());
    await probe(u.ws);
    u.ws.send('5');
    expect(await u.closed).toBe('forced close');
    await expectFullyClosed(u);
  });

  it('a discarding close(true) right after the probe closes everything', async () => {
    const u = await upgrading();
    await probe(u.ws);
    u.socket.close(true);
    expect(await u.closed).toBe('forced close');
    expect(u.events).toEqual(['upgrading', 'close:forced close']);
    await u.ws.closed;
    expect(u.socket.upgrading).toBe(false);
    expect(u.server.engine.clientsCount).toBe(0);
  });
});
