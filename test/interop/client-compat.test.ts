// User-facing behaviour of the Switchback client next to the reference clients, against the real
// engine.io 6.6 / socket.io 4.8 servers: engine.io-client's `tryAllTransports` and per-transport `query`,
// the error of an empty transports list, the `close` reason and details of the engine Socket, and the
// Manager closing the engine on a packet it cannot decode. Each case runs for our client and for the
// reference one (engine.io-client 6.6 / socket.io-client 4.8) where both behave the same.
import type { IncomingMessage } from 'node:http';
import type { Socket as EngineClient, SocketOptions as EngineClientOptions } from '@switchback/client/engine';
import type { EngineServerOptions } from '@switchback/server/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../helpers/wait.js';
import { startEnginePair, type EnginePair } from './engine-peers.js';
import { startPair, type Direction, type SocketPair } from './socket-peers.js';

const engineClients: readonly Direction[] = [
  { name: 'switchback engine client', server: 'reference', client: 'switchback' },
  { name: 'engine.io-client (reference)', server: 'reference', client: 'reference' },
];

/** engine.io-client's own test server: small pingInterval and maxHttpBufferSize, `?deny` refused. */
const serverOptions: EngineServerOptions = {
  pingInterval: 500,
  maxHttpBufferSize: 100,
  allowRequest: (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) =>
    fn(null, !new URL(`http://host${req.url ?? ''}`).searchParams.has('deny')),
};

let pair: EnginePair | SocketPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function engineClient(direction: Direction, options: EngineClientOptions): Promise<EngineClient> {
  const p = await startEnginePair(direction, 'websocket', serverOptions);
  pair = p;
  return p.open(options);
}

/** The `close` event's arguments, with every 'error' heard before it. */
async function closeOf(client: EngineClient): Promise<{ errors: Error[]; reason: string; details: unknown }> {
  const errors: Error[] = [];
  client.on('error', (err) => errors.push(err as Error));
  const [reason, details] = await once<[string, unknown]>(client, 'close');
  return { errors, reason, details };
}

describe.each(engineClients)('$name -> engine.io server', (direction) => {
  it("tryAllTransports: ['websocket', 'polling'] opens over polling when the WebSocket is refused", async () => {
    const client = await engineClient(direction, {
      transports: ['websocket', 'polling'],
      transportOptions: { websocket: { query: { deny: '1' } } },
      tryAllTransports: true,
    });
    await once(client, 'open');
    expect(client.transport.name).toBe('polling');
  });

  it("tryAllTransports: ['polling', 'websocket'] opens over WebSocket when the polling handshake is refused", async () => {
    const client = await engineClient(direction, {
      transports: ['polling', 'websocket'],
      transportOptions: { polling: { query: { deny: '1' } } },
      tryAllTransports: true,
    });
    await once(client, 'open');
    expect(client.transport.name).toBe('websocket');
  });

  it("without tryAllTransports a refused polling handshake of ['polling', 'websocket'] is an error and a close", async () => {
    const client = await engineClient(direction, {
      transports: ['polling', 'websocket'],
      transportOptions: { polling: { query: { deny: '1' } } },
    });
    const { errors, reason, details } = await closeOf(client);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error & { type?: string }).type).toBe('TransportError');
    // engine.io's answer to the refusal, 403. (engine.io-client's per-transport `query` replaces the whole
    // query, EIO included, so its request is refused earlier, as an unsupported protocol: 400.)
    expect((errors[0] as Error & { description?: unknown }).description).toBe(direction.client === 'switchback' ? 403 : 400);
    expect(reason).toBe('transport error');
    expect(details).toBe(errors[0]);
  });

  it('an empty transports list is reported as "No transports available"', async () => {
    const client = await engineClient(direction, { transports: [] });
    const [err] = await once<[unknown]>(client, 'error');
    // engine.io-client's bare string, from both clients.
    expect(err).toBe('No transports available');
  });

  it('close details when maxHttpBufferSize is reached (polling): a 413 TransportError, then "transport error"', async () => {
    const client = await engineClient(direction, { transports: ['polling'] });
    client.on('open', () => client.send('a'.repeat(101)));
    const { errors, reason, details } = await closeOf(client);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error & { type?: string }).type).toBe('TransportError');
    expect((errors[0] as Error & { description?: unknown }).description).toBe(413);
    expect(reason).toBe('transport error');
    expect(details).toBeInstanceOf(Error);
  });

  it('close details when maxHttpBufferSize is reached (websocket): "transport close" with the close event (1009)', async () => {
    const client = await engineClient(direction, { transports: ['websocket'] });
    client.on('open', () => client.send('a'.repeat(101)));
    const { errors, reason, details } = await closeOf(client);
    expect(errors).toEqual([]);
    expect(reason).toBe('transport close');
    const d = details as { description: string; context: { code: number; reason: unknown } };
    expect(d.description).toBe('websocket connection closed');
    expect(d.context.code).toBe(1009);
    expect(String(d.context.reason)).toBe('');
  });

  it('close details when the server closes a polling session: "transport close", "transport closed by the server"', async () => {
    const p = await startEnginePair(direction, 'polling', serverOptions);
    pair = p;
    const connection = once<[{ close(): void }]>(p.engine, 'connection');
    const client = p.open();
    const closing = closeOf(client);
    await once(client, 'open');
    (await connection)[0].close();
    const { errors, reason, details } = await closing;
    expect(errors).toEqual([]);
    expect(reason).toBe('transport close');
    expect(details).toEqual({ description: 'transport closed by the server' });
  });

  it('close details when the session ID is unknown (polling): a 400 TransportError, then "transport error"', async () => {
    const client = await engineClient(direction, { transports: ['polling'], query: { sid: 'abc' } });
    const { errors, reason, details } = await closeOf(client);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error & { type?: string }).type).toBe('TransportError');
    expect((errors[0] as Error & { description?: unknown }).description).toBe(400);
    expect(reason).toBe('transport error');
    expect(details).toBeInstanceOf(Error);
  });

  it('close details when the session ID is unknown (websocket): "websocket error", then "transport error"', async () => {
    const client = await engineClient(direction, { transports: ['websocket'], query: { sid: 'abc' } });
    const { errors, reason, details } = await closeOf(client);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error & { type?: string }).type).toBe('TransportError');
    expect(errors[0]?.message).toBe('websocket error');
    expect(reason).toBe('transport error');
    expect(details).toBeInstanceOf(Error);
  });
});

describe('switchback engine client -> engine.io server: per-transport query', () => {
  it("transportOptions[name].query is merged into that transport's requests only (EIO and the shared query kept)", async () => {
    const p = await startEnginePair(engineClients[0] as Direction, 'upgrade');
    pair = p;
    // Every request's URL: the handshake and the long polls, and the WebSocket's.
    const urls: string[] = [];
    p.engine.on('headers', (_headers: unknown, req: IncomingMessage) => urls.push(String(req.url)));
    const client = p.open({
      query: { shared: '1' },
      transportOptions: { polling: { query: { only: 'polling' } }, websocket: { query: { only: 'websocket' } } },
    });
    await once(client, 'upgrade');
    const seen = urls.map((url) => {
      const q = new URL(`http://host${url}`).searchParams;
      return [q.get('EIO'), q.get('transport'), q.get('shared'), q.get('only')].join(' ');
    });
    expect(new Set(seen)).toEqual(new Set(['4 polling 1 polling', '4 websocket 1 websocket']));
  });
});

describe.each([
  { name: 'switchback client', server: 'reference', client: 'switchback' },
  { name: 'socket.io-client (reference)', server: 'reference', client: 'reference' },
] satisfies Direction[])('$name -> socket.io server', (direction) => {
  it('a packet it cannot decode closes the engine ("parse error") and the Manager reconnects on a new one', async () => {
    const p = await startPair(direction, 'websocket');
    pair = p;
    let sent = false;
    p.io.on('connection', (socket) => {
      // Once: the reconnected session is left alone.
      if (sent) return;
      sent = true;
      // An Engine.IO message that is no Socket.IO packet.
      (socket.conn as unknown as { send(data: string): void }).send('9bad');
    });
    const client = p.open('', { reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 });
    const first = once<[string]>(client, 'disconnect');
    await once(client, 'connect');
    const engine = client.io.engine;
    const [reason] = await first;
    expect(reason).toBe('parse error');
    await once(client.io, 'reconnect');
    expect(client.io.engine).not.toBe(engine);
    expect(engine.readyState).toBe('closed');
  });
});
