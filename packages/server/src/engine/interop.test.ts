// The reference client (engine.io-client 6.6) against our server: the strongest check of the wire.
// With compression on our side, its Node XHR transport (xmlhttprequest-ssl) sends no Accept-Encoding and
// cannot decode one (with `extraHeaders` asking for gzip it fails with "server error", against engine.io's
// own server as well), so compressed answers are read by its Fetch transport.
import { Fetch, Socket as ReferenceClient } from 'engine.io-client';
import type { SocketOptions } from 'engine.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineServerOptions } from './server.js';
import type { EngineSocket } from './session.js';
import { nextConnection, startServer } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

let server: TestServer | undefined;
let client: ReferenceClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

function clientMessages(c: ReferenceClient, count: number): Promise<unknown[]> {
  const got: unknown[] = [];
  return new Promise((resolve) =>
    c.on('message', (data) => {
      got.push(data);
      if (got.length === count) resolve(got);
    }),
  );
}

function serverMessages(socket: EngineSocket, count: number): Promise<Array<string | Buffer>> {
  const got: Array<string | Buffer> = [];
  return new Promise((resolve) =>
    socket.on('message', (data) => {
      got.push(data);
      if (got.length === count) resolve(got);
    }),
  );
}

const cases = [
  { name: 'polling only', transports: ['polling'], upgrade: false, final: 'polling' },
  { name: 'websocket only', transports: ['websocket'], upgrade: false, final: 'websocket' },
  { name: 'polling then upgrade', transports: ['polling', 'websocket'], upgrade: true, final: 'websocket' },
] as const;

describe('engine.io-client interop', () => {
  it.each(cases)('$name: messages both ways, text and binary', async ({ transports, upgrade, final }) => {
    server = await startServer({ pingInterval: 200, pingTimeout: 500 });
    const connected = nextConnection(server);
    client = new ReferenceClient(`http://127.0.0.1:${server.port}`, { transports: [...transports], upgrade });
    const socket = await connected;
    await new Promise<void>((resolve) => client?.once('open', () => resolve()));
    if (upgrade) {
      const upgradedOnServer = new Promise<void>((resolve) => socket.once('upgrade', () => resolve()));
      await Promise.all([upgradedOnServer, new Promise<void>((resolve) => client?.once('upgrade', () => resolve()))]);
    }
    expect(socket.transport.name).toBe(final);
    expect(client.transport.name).toBe(final);

    const toServer = serverMessages(socket, 3);
    client.send('hello');
    client.send(new Uint8Array([1, 2, 3]));
    client.send('é ✓ 😀');
    expect(await toServer).toEqual(['hello', Buffer.from([1, 2, 3]), 'é ✓ 😀']);

    const toClient = clientMessages(client, 2);
    socket.send('world').send(Buffer.from([4, 5]));
    const [text, binary] = await toClient;
    expect(text).toBe('world');
    expect(new Uint8Array(binary as ArrayBuffer)).toEqual(new Uint8Array([4, 5]));

    // A few heartbeats go by without closing the session.
    await new Promise<void>((resolve) => socket.once('heartbeat', () => resolve()));
    expect(socket.readyState).toBe('open');

    const closed = new Promise<string>((resolve) => socket.once('close', (reason) => resolve(reason)));
    client.close();
    expect(await closed).toBe('transport close');
    expect(server.engine.clientsCount).toBe(0);
  });

  it('keeps message order while upgrading under a steady stream', async () => {
    server = await startServer({ pingInterval: 10_000 });
    const connected = nextConnection(server);
    client = new ReferenceClient(`http://127.0.0.1:${server.port}`, { transports: ['polling', 'websocket'] });
    const socket = await connected;
    const total = 200;
    const toClient = clientMessages(client, total);
    const toServer = serverMessages(socket, total);
    let sent = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 10 && sent < total; i++, sent++) {
        socket.send(`s${sent}`);
        client?.send(`c${sent}`);
      }
      if (sent >= total) clearInterval(timer);
    }, 2);
    const expected = (prefix: string): string[] => Array.from({ length: total }, (_, i) => `${prefix}${i}`);
    expect(await toClient).toEqual(expected('s'));
    expect(await toServer).toEqual(expected('c'));
    expect(socket.upgraded).toBe(true);
  });

  it('the server closing gracefully reaches the client', async () => {
    server = await startServer();
    const connected = nextConnection(server);
    client = new ReferenceClient(`http://127.0.0.1:${server.port}`, { transports: ['polling'] });
    const socket = await connected;
    await new Promise<void>((resolve) => client?.once('open', () => resolve()));
    const got = clientMessages(client, 1);
    const clientClosed = new Promise<string>((resolve) => client?.once('close', (reason) => resolve(reason)));
    socket.send('bye');
    socket.close();
    expect(await got).toEqual(['bye']);
    expect(await clientClosed).toBe('transport close');
    expect(server.engine.clientsCount).toBe(0);
  });
});

const LARGE = 'interop '.repeat(2000);

/** Opens a session, sends LARGE each way and returns the Content-Encoding of every polling answer. */
async function roundTrip(serverOptions: EngineServerOptions, clientOptions: Partial<SocketOptions>): Promise<Array<string | undefined>> {
  server = await startServer(serverOptions);
  const encodings: Array<string | undefined> = [];
  server.engine.on('headers', (headers) => encodings.push(headers['Content-Encoding']));
  const connected = nextConnection(server);
  client = new ReferenceClient(`http://127.0.0.1:${server.port}`, { upgrade: false, ...clientOptions });
  const socket = await connected;
  await new Promise<void>((resolve) => client?.once('open', () => resolve()));
  const got = new Promise<unknown>((resolve) => client?.once('message', resolve));
  socket.send(LARGE);
  expect(await got).toBe(LARGE);
  const back = new Promise<unknown>((resolve) => socket.once('message', resolve));
  client.send(LARGE);
  expect(await back).toBe(LARGE);
  return encodings;
}

describe('engine.io-client with compression', () => {
  it('polling without Accept-Encoding (Node default): large messages go out uncompressed', async () => {
    const encodings = await roundTrip({}, { transports: ['polling'] });
    expect(encodings.filter((encoding) => encoding !== undefined)).toEqual([]);
  });

  it('polling (Fetch) with Accept-Encoding: gzip: the client decodes the gzip answer', async () => {
    const encodings = await roundTrip({}, { transports: [Fetch], extraHeaders: { 'Accept-Encoding': 'gzip' } });
    expect(encodings).toContain('gzip');
  });

  it('polling (Fetch) with Accept-Encoding: deflate', async () => {
    const encodings = await roundTrip({}, { transports: [Fetch], extraHeaders: { 'Accept-Encoding': 'deflate' } });
    expect(encodings).toContain('deflate');
  });

  it('polling (Fetch) with httpCompression off', async () => {
    const encodings = await roundTrip({ httpCompression: false }, { transports: [Fetch], extraHeaders: { 'Accept-Encoding': 'gzip' } });
    expect(encodings.filter((encoding) => encoding !== undefined)).toEqual([]);
  });

  it('websocket with perMessageDeflate on both sides', async () => {
    await roundTrip({ perMessageDeflate: true }, { transports: ['websocket'], perMessageDeflate: { threshold: 1024 } });
    expect(client?.transport.name).toBe('websocket');
  });
});
