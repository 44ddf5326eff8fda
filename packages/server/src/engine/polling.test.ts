import { afterEach, describe, expect, it } from 'vitest';
import type { EngineSocket } from './session.js';
import { decode, handshake, poll, push, request, startServer } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function nextConnection(s: TestServer): Promise<EngineSocket> {
  return new Promise((resolve) => s.engine.once('connection', resolve));
}

function closeOf(socket: EngineSocket): Promise<[string, unknown]> {
  return new Promise((resolve) => socket.once('close', (reason, description) => resolve([reason, description])));
}

describe('polling handshake', () => {
  it('answers the open packet with the configured fields and headers', async () => {
    server = await startServer({ pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 1234 });
    const answer = await request(`${server.url}?EIO=4&transport=polling`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const [open, ...rest] = decode(answer.body);
    expect(rest).toEqual([]);
    expect(open?.type).toBe('open');
    const data: unknown = JSON.parse(String(open?.data));
    expect(data).toEqual({
      sid: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), // engine.io's length
      upgrades: ['websocket'],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: 1234,
    });
    expect(server.engine.clientsCount).toBe(1);
  });

  it('offers no upgrade when upgrades are off or websocket is not allowed', async () => {
    server = await startServer({ allowUpgrades: false });
    expect((await handshake(server)).upgrades).toEqual([]);
    await server.close();
    server = await startServer({ transports: ['polling'] });
    expect((await handshake(server)).upgrades).toEqual([]);
  });

  it('accepts the path without its trailing slash', async () => {
    server = await startServer();
    const answer = await request(`http://127.0.0.1:${server.port}/engine.io?EIO=4&transport=polling`);
    expect(answer.status).toBe(200);
  });
});

describe('polling messages', () => {
  it('carries messages both ways; a held GET is released by a send', async () => {
    server = await startServer();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const received: Array<string | Buffer> = [];
    socket.on('message', (data) => received.push(data));

    const held = poll(server, sid);
    // The GET stays pending until the server sends something.
    await new Promise((resolve) => setImmediate(resolve));
    socket.send('hello').send(Buffer.from([1, 2, 3]));
    const answer = await held;
    expect(decode(answer.body)).toEqual([
      { type: 'message', data: 'hello' },
      { type: 'message', data: Buffer.from([1, 2, 3]) },
    ]);

    const posted = await push(server, sid, '4one\x1e4two\x1ebAQID');
    expect(posted).toMatchObject({ status: 200, body: 'ok' });
    expect(posted.headers.get('content-type')).toBe('text/html');
    expect(received).toEqual(['one', 'two', Buffer.from([1, 2, 3])]);
    expect(Buffer.isBuffer(received[2])).toBe(true);
  });

  it('sends everything queued while no GET was held as one payload, callbacks after the write', async () => {
    server = await startServer();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const sent: string[] = [];
    socket.send('a', {}, () => sent.push('a'));
    socket.send('b', {}, () => sent.push('b'));
    expect(sent).toEqual([]);
    const answer = await poll(server, sid);
    expect(decode(answer.body).map((p) => p.data)).toEqual(['a', 'b']);
    expect(sent).toEqual(['a', 'b']);
  });

  it('answers a held GET with a noop after pollHoldTimeout', async () => {
    server = await startServer({ pollHoldTimeout: 50 });
    const { sid } = await handshake(server);
    const answer = await poll(server, sid);
    expect(decode(answer.body)).toEqual([{ type: 'noop' }]);
    expect(server.engine.clientsCount).toBe(1);
  });

  it('closes gracefully: buffered packets first, then the close packet', async () => {
    server = await startServer();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const closed = closeOf(socket);
    socket.send('last words');
    socket.close();
    expect(socket.readyState).toBe('closing');
    const first = decode((await poll(server, sid)).body);
    const second = first.some((p) => p.type === 'close') ? [] : decode((await poll(server, sid)).body);
    // The second GET carries the close packet (after a noop, as the reference).
    const packets = [...first, ...second].filter((p) => p.type !== 'noop');
    expect(packets).toEqual([{ type: 'message', data: 'last words' }, { type: 'close' }]);
    expect((await closed)[0]).toBe('forced close');
    expect(server.engine.clientsCount).toBe(0);
  });

  it('a close packet from the client ends the session with transport close', async () => {
    server = await startServer();
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const closed = closeOf(socket);
    const held = poll(server, sid);
    expect((await push(server, sid, '1')).body).toBe('ok');
    expect((await closed)[0]).toBe('transport close');
    expect(decode((await held).body)).toEqual([{ type: 'noop' }]);
    expect(server.engine.clientsCount).toBe(0);
  });
});

describe('heartbeat', () => {
  it('pings every pingInterval and keeps the session on pong', async () => {
    server = await startServer({ pingInterval: 40, pingTimeout: 200 });
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    for (let round = 0; round < 2; round++) {
      expect(decode((await poll(server, sid)).body)).toEqual([{ type: 'ping' }]);
      const beat = new Promise((resolve) => socket.once('heartbeat', () => resolve(true)));
      await push(server, sid, '3');
      expect(await beat).toBe(true);
    }
    expect(socket.readyState).toBe('open');
  });

  it('closes with ping timeout when no pong comes back', async () => {
    server = await startServer({ pingInterval: 20, pingTimeout: 30 });
    const connected = nextConnection(server);
    await handshake(server);
    const socket = await connected;
    const [reason] = await closeOf(socket);
    expect(reason).toBe('ping timeout');
    expect(server.engine.clientsCount).toBe(0);
  });
});

interface BadCase {
  readonly name: string;
  readonly send: (s: TestServer, sid: string) => Promise<{ status: number; body: string }>;
  readonly status: number;
  readonly body?: unknown;
  /** Close reason of the session used for the request, when it must end. */
  readonly closes?: string;
}

const badCases: BadCase[] = [
  {
    name: 'unknown transport',
    send: (s) => request(`${s.url}?EIO=4&transport=carrier-pigeon`),
    status: 400,
    body: { code: 0, message: 'Transport unknown' },
  },
  {
    name: 'unknown sid',
    send: (s) => request(`${s.url}?EIO=4&transport=polling&sid=nope`),
    status: 400,
    body: { code: 1, message: 'Session ID unknown' },
  },
  {
    name: 'bad handshake method',
    send: (s) => request(`${s.url}?EIO=4&transport=polling`, { method: 'POST', body: '4x' }),
    status: 400,
    body: { code: 2, message: 'Bad handshake method' },
  },
  {
    name: 'missing EIO',
    send: (s) => request(`${s.url}?transport=polling`),
    status: 400,
    body: { code: 5, message: 'Unsupported protocol version' },
  },
  {
    name: 'EIO=3',
    send: (s) => request(`${s.url}?EIO=3&transport=polling`),
    status: 400,
    body: { code: 5, message: 'Unsupported protocol version' },
  },
  {
    name: 'websocket handshake over plain GET',
    send: (s) => request(`${s.url}?EIO=4&transport=websocket`),
    status: 400,
    body: { code: 3, message: 'Bad request' },
  },
  {
    name: 'overlapping GET',
    send: async (s, sid) => {
      const first = poll(s, sid);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await poll(s, sid);
      await first;
      return second;
    },
    status: 400,
    closes: 'transport error',
  },
  {
    name: 'oversized POST',
    send: (s, sid) => push(s, sid, `4${'x'.repeat(2000)}`),
    status: 413,
    closes: 'transport error',
  },
  {
    name: 'malformed payload',
    send: (s, sid) => push(s, sid, '4ok\x1e9garbage'),
    status: 400,
    body: { code: 3, message: 'Bad request' },
    closes: 'parse error',
  },
  {
    name: 'empty payload',
    send: (s, sid) => push(s, sid, ''),
    status: 400,
    closes: 'parse error',
  },
  {
    name: 'octet-stream POST',
    send: (s, sid) =>
      request(`${s.url}?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST',
        body: new Uint8Array([4, 1]),
        headers: { 'Content-Type': 'application/octet-stream' },
      }),
    status: 400,
    closes: 'transport error',
  },
  {
    name: 'ping from the client (v4 heartbeat direction)',
    send: (s, sid) => push(s, sid, '2'),
    status: 200,
    closes: 'transport error',
  },
];

describe('bad input', () => {
  it.each(badCases)('$name', async (bad) => {
    server = await startServer({ maxHttpBufferSize: 1000 });
    const connected = nextConnection(server);
    const { sid } = await handshake(server);
    const socket = await connected;
    const closed = closeOf(socket);

    const answer = await bad.send(server, sid);
    expect(answer.status).toBe(bad.status);
    if (bad.body !== undefined) expect(JSON.parse(answer.body)).toEqual(bad.body);
    if (bad.closes !== undefined) {
      expect((await closed)[0]).toBe(bad.closes);
    } else {
      expect(socket.readyState).toBe('open');
      socket.close(true);
      await closed;
    }

    // The server still serves other sessions, and the registry is empty once they end.
    const other = nextConnection(server);
    const fresh = await handshake(server);
    const otherSocket = await other;
    const held = poll(server, fresh.sid);
    otherSocket.send('still alive');
    expect(decode((await held).body)).toEqual([{ type: 'message', data: 'still alive' }]);
    otherSocket.close(true);
    expect(server.engine.clientsCount).toBe(0);
  });

  it('reports refused requests as connection_error', async () => {
    server = await startServer();
    const errors = new Promise<unknown>((resolve) => server?.engine.once('connection_error', resolve));
    await request(`${server.url}?EIO=4&transport=polling&sid=missing`);
    expect(await errors).toMatchObject({ code: 1, message: 'Session ID unknown', context: { sid: 'missing' } });
  });
});
