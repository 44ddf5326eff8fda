import { afterEach, describe, expect, it } from 'vitest';
import type { EngineSocket } from './session.js';
import { decode, handshake, nextServerRequest, poll, pollUrl, rawGet, startServer, waitUntil } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function openSession(s: TestServer): Promise<{ sid: string; socket: EngineSocket }> {
  const connected = new Promise<EngineSocket>((resolve) => s.engine.once('connection', resolve));
  const { sid } = await handshake(s);
  return { sid, socket: await connected };
}

function closeOf(socket: EngineSocket): Promise<[string, unknown]> {
  return new Promise((resolve) => socket.once('close', (reason, description) => resolve([reason, description])));
}

// A proxy whose read timeout is shorter than the hold (nginx proxy_read_timeout 5s) cuts the held GET
// and answers the browser 504; the client polls again. The session must survive that. A closed tab
// never polls again: the session closes after cutPollGrace.
describe('a held GET dropped before it was answered', () => {
  it('is forgotten: the session stays open and a message sent meanwhile arrives on the next GET', async () => {
    server = await startServer({ pingInterval: 300, pingTimeout: 5_000, cutPollGrace: 50 });
    const { sid, socket } = await openSession(server);
    const seen = nextServerRequest(server);
    const held = rawGet(pollUrl(server, sid));
    const { res } = await seen;
    await waitUntil(() => socket.transport.writable);

    const closedOnServer = new Promise((resolve) => res.once('close', resolve));
    held.request.destroy();
    await closedOnServer;
    expect(socket.readyState).toBe('open');
    expect(socket.transport.writable).toBe(false);

    const sent: string[] = [];
    socket.send('kept', {}, () => sent.push('kept'));
    expect(sent).toEqual([]);
    expect(decode((await poll(server, sid)).body)).toEqual([{ type: 'message', data: 'kept' }]);
    expect(sent).toEqual(['kept']);
    expect(socket.readyState).toBe('open');
    // The next GET came in time: the grace is over for good (the ping comes well after its 50 ms).
    expect(decode((await poll(server, sid)).body)).toEqual([{ type: 'ping' }]);
    expect(socket.readyState).toBe('open');
  });

  it('closes the session with "transport error" when no GET comes within cutPollGrace (a closed tab)', async () => {
    server = await startServer({ pingInterval: 10_000, pingTimeout: 5_000, cutPollGrace: 50 });
    const { sid, socket } = await openSession(server);
    const closed = closeOf(socket);
    const seen = nextServerRequest(server);
    const held = rawGet(pollUrl(server, sid));
    await seen;
    await waitUntil(() => socket.transport.writable);
    held.request.destroy();
    const [reason, description] = await closed;
    expect(reason).toBe('transport error');
    expect(description).toMatchObject({ code: 'POLL_CLOSED_PREMATURELY', message: 'poll connection closed prematurely' });
    expect(server.engine.clientsCount).toBe(0);
  });

  it('is not written to once its socket is gone, even before the response reports its close', async () => {
    server = await startServer({ pingInterval: 10_000, pingTimeout: 5_000 });
    const { sid, socket } = await openSession(server);
    const seen = nextServerRequest(server);
    rawGet(pollUrl(server, sid));
    const { req } = await seen;
    await waitUntil(() => socket.transport.writable);

    // The response's 'close' comes on a later tick; a send in between must keep the packet buffered.
    req.socket.destroy();
    const sent: string[] = [];
    socket.send('in between', {}, () => sent.push('in between'));
    expect(sent).toEqual([]);
    expect(socket.transport.writable).toBe(false);

    expect(decode((await poll(server, sid)).body)).toEqual([{ type: 'message', data: 'in between' }]);
    expect(sent).toEqual(['in between']);
    expect(socket.readyState).toBe('open');
  });

  it('still lets a session whose client vanished close with ping timeout, when that comes first', async () => {
    server = await startServer({ pingInterval: 150, pingTimeout: 50, cutPollGrace: 10_000 });
    const { sid, socket } = await openSession(server);
    const closed = closeOf(socket);
    const seen = nextServerRequest(server);
    const held = rawGet(pollUrl(server, sid));
    const { res } = await seen;
    await waitUntil(() => socket.transport.writable);
    const closedOnServer = new Promise((resolve) => res.once('close', resolve));
    held.request.destroy();
    await closedOnServer;
    expect(socket.readyState).toBe('open');

    expect((await closed)[0]).toBe('ping timeout');
    expect(server.engine.clientsCount).toBe(0);
  });

  it('keeps the overlap rule for a GET that is still alive', async () => {
    server = await startServer({ pingInterval: 10_000, pingTimeout: 5_000 });
    const { sid, socket } = await openSession(server);
    const closed = closeOf(socket);
    const first = rawGet(pollUrl(server, sid));
    await waitUntil(() => socket.transport.writable);
    const second = await rawGet(pollUrl(server, sid)).answer;
    expect(second.status).toBe(400);
    const [reason, description] = await closed;
    expect(reason).toBe('transport error');
    expect(description).toMatchObject({ code: 'POLL_OVERLAP' });
    // The first GET is answered by the close, as the reference.
    expect(decode((await first.answer).body)).toEqual([{ type: 'close' }]);
  });
});
