// Socket.IO interop with a custom parser: the real socket.io-client 4.8 against Switchback's server, our
// client against socket.io's server and against ours (and, as the baseline, socket.io-client against
// socket.io), over polling, WebSocket and an upgrade: connect, events and acks both ways, binary, rooms,
// middleware refusal. The wire must carry msgpack (binary messages), not the default text format.
// Each pairing runs twice: socket.io-msgpack-parser on both ends, then Switchback's own msgpack codec
// (@switchback/{server,client}/msgpack-parser) on the Switchback ends against socket.io-msgpack-parser on
// socket.io's.
import type { Socket as ClientSocket } from '@switchback/client';
import type { Socket as ServerSocket } from '@switchback/server';
import * as ourClientParser from '@switchback/client/msgpack-parser';
import * as ourServerParser from '@switchback/server/msgpack-parser';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../helpers/wait.js';
import { directions, modes, startPair, type ClientOptions, type Direction, type Mode, type SocketPair } from './socket-peers.js';

const allDirections: Direction[] = [
  ...directions,
  { name: 'switchback client -> switchback server', server: 'switchback', client: 'switchback' },
];
type Codec = 'socket.io-msgpack-parser' | 'switchback msgpack-parser';
const matrix = (['socket.io-msgpack-parser', 'switchback msgpack-parser'] as const).flatMap((codec: Codec) =>
  allDirections
    .filter((direction) => codec === 'socket.io-msgpack-parser' || direction.server === 'switchback' || direction.client === 'switchback')
    .flatMap((direction) => modes.map((mode) => ({ direction, mode, codec, label: `${direction.name}, ${mode}, ${codec}` }))),
);

/** The parsers of each end: ours on the Switchback ends when the codec says so. */
function parsers(direction: Direction, codec: Codec): { server: ClientOptions['parser']; client: ClientOptions['parser'] } {
  const ours = codec === 'switchback msgpack-parser';
  return {
    server: ours && direction.server === 'switchback' ? ourServerParser : msgpackParser,
    client: ours && direction.client === 'switchback' ? ourClientParser : msgpackParser,
  };
}

let clientOptions: ClientOptions = {};

let pair: SocketPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function start(direction: Direction, mode: Mode, codec: Codec): Promise<SocketPair> {
  const { server, client } = parsers(direction, codec);
  clientOptions = { parser: client };
  pair = await startPair(direction, mode, { parser: server });
  return pair;
}

/** Connects a client and returns it with its server-side socket. */
async function connected(p: SocketPair, nsp = '', options: ClientOptions = {}): Promise<[ClientSocket, ServerSocket]> {
  const namespace = p.io.of(nsp === '' ? '/' : nsp);
  const peer = once<[ServerSocket]>(namespace, 'connection');
  const client = await p.connect(nsp, { ...clientOptions, ...options });
  const [socket] = await peer;
  return [client, socket];
}

describe.each(matrix)('$label', ({ direction, mode, codec }) => {
  it('connects and carries events and acks both ways, as msgpack on the wire', async () => {
    const p = await start(direction, mode, codec);
    const incoming: string[] = [];
    p.io.engine.on('connection', (conn: ServerSocket['conn']) => {
      conn.on('message', (data: unknown) => incoming.push(typeof data === 'string' ? 'text' : 'binary'));
    });
    const [client, socket] = await connected(p, '', { auth: { token: 'abc' } });
    expect(client.id).toBe(socket.id);
    expect(socket.handshake.auth).toEqual({ token: 'abc' });

    socket.on('echo', (value: unknown, ack: (reply: unknown) => void) => ack({ echoed: value }));
    await expect(client.timeout(2_000).emitWithAck('echo', { n: 1, s: 'é' })).resolves.toEqual({ echoed: { n: 1, s: 'é' } });

    const heard = once<[string, number]>(socket, 'note');
    client.emit('note', 'from client', 2);
    await expect(heard).resolves.toEqual(['from client', 2]);

    const pushed = once<[string]>(client, 'push');
    socket.emit('push', 'from server');
    await expect(pushed).resolves.toEqual(['from server']);

    client.on('ask', (question: string, ack: (reply: string) => void) => ack(`${question}!`));
    await expect(socket.timeout(2_000).emitWithAck('ask', 'why')).resolves.toBe('why!');

    // Every Socket.IO message the server received (CONNECT, events, acks) was a msgpack buffer.
    expect(incoming.length).toBeGreaterThanOrEqual(4);
    expect(new Set(incoming)).toEqual(new Set(['binary']));
  });

  it('carries binary payloads both ways', async () => {
    const p = await start(direction, mode, codec);
    const [client, socket] = await connected(p);
    socket.on('upload', (meta: { name: string; part: Buffer }, raw: Buffer, ack: (r: unknown) => void) => {
      ack({ isBuffer: [Buffer.isBuffer(meta.part), Buffer.isBuffer(raw)], joined: Buffer.concat([meta.part, raw]) });
    });
    const answer = (await client.timeout(2_000).emitWithAck('upload', { name: 'f', part: Buffer.from([1, 2]) }, Buffer.from([3, 4, 5]))) as {
      isBuffer: boolean[];
      joined: Uint8Array;
    };
    expect(answer.isBuffer).toEqual([true, true]);

    // notepack's conventions, which both codecs keep: Dates and undefined survive the trip.
    socket.on('types', (value: unknown, ack: (r: unknown) => void) => ack(value));
    const when = new Date(1_700_000_000_123);
    await expect(client.timeout(2_000).emitWithAck('types', { when, nothing: undefined, n: -(2 ** 40), f: 0.25 })).resolves.toStrictEqual({
      when,
      nothing: undefined,
      n: -(2 ** 40),
      f: 0.25,
    });
    expect([...answer.joined]).toEqual([1, 2, 3, 4, 5]);

    const got = once<[{ list: Uint8Array[] }, Uint8Array]>(client, 'download');
    socket.emit('download', { list: [Buffer.from([9]), Buffer.alloc(0)] }, Buffer.from('hi'));
    const [data, raw] = await got;
    expect(data.list.map((part) => [...part])).toEqual([[9], []]);
    expect(Buffer.from(raw).toString()).toBe('hi');
  });

  it('broadcasts to a room: members only, and not the sender of socket.to()', async () => {
    const p = await start(direction, mode, codec);
    p.io.on('connection', (s: ServerSocket) => {
      s.on('join', (room: string, ack: () => void) => {
        void s.join(room);
        ack();
      });
      s.on('tell', (room: string, msg: string) => s.to(room).emit('told', msg));
    });
    const [a] = await connected(p);
    const [b] = await connected(p);
    const [c] = await connected(p);
    await a.timeout(2_000).emitWithAck('join', 'r1');
    await b.timeout(2_000).emitWithAck('join', 'r1');
    const seen: string[] = [];
    for (const [name, client] of [['a', a], ['b', b], ['c', c]] as const) {
      client.on('news', (msg: string) => seen.push(`${name}:${msg}`));
      client.on('told', (msg: string) => seen.push(`${name}:${msg}`));
    }
    const bTold = once(b, 'told');
    const cNews = once(c, 'news');
    p.io.to('r1').emit('news', 'room');
    a.emit('tell', 'r1', 'from a');
    p.io.except('r1').emit('news', 'others');
    await bTold;
    await cNews;
    // The last broadcast went out after the room one: once it arrived everywhere, so did the rest.
    await a.timeout(2_000).emitWithAck('join', 'sync');
    await b.timeout(2_000).emitWithAck('join', 'sync');
    expect(seen.sort()).toEqual(['a:room', 'b:from a', 'b:room', 'c:others']);
  });

  it('refuses in middleware: connect_error with the message and data', async () => {
    const p = await start(direction, mode, codec);
    p.io.of('/admin').use((_socket, next) => next(Object.assign(new Error('not authorized'), { data: { reason: 'token' } })));
    const client = p.open('/admin', clientOptions);
    const [err] = await once<[Error & { data?: unknown }]>(client, 'connect_error');
    expect(err.message).toBe('not authorized');
    expect(err.data).toEqual({ reason: 'token' });
    // The main namespace still works on its own session.
    const [main] = await connected(p);
    expect(main.connected).toBe(true);
  });
});
