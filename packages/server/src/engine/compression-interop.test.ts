// The reference client (engine.io-client 6.6) with compression on our side: polling answers compressed
// when it asks for them, permessage-deflate frames. Its Node XHR transport (xmlhttprequest-ssl) sends no
// Accept-Encoding and cannot decode one (with `extraHeaders` asking for gzip it fails with "server error",
// against engine.io's own server as well), so the compressed answers are read by its Fetch transport.
import { Fetch, Socket as ReferenceClient } from 'engine.io-client';
import type { SocketOptions } from 'engine.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { nextConnection, startServer } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';
import type { EngineServerOptions } from './server.js';

let server: TestServer | undefined;
let client: ReferenceClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
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
