import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Adapter as SocketIoAdapter } from 'socket.io-adapter';
import * as socketIoParser from 'socket.io-parser';
import { PacketType } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import type { Server } from './server.js';
import type { Parser } from './server-options.js';
import { SessionAwareAdapter } from './session-aware-adapter.js';
import type { Socket } from './socket.js';
import { flush, openFakeSession, useServers } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

// A tiny parser of our own: each packet is one text message, `J:` then its JSON. Binary is not supported
// (enough to see which codec wrote or read a message).
const PREFIX = 'J:';
const encoders: TestEncoder[] = [];
const decoders: TestDecoder[] = [];

class TestEncoder {
  readonly packets: SocketPacket[] = [];
  constructor() {
    encoders.push(this);
  }

  encode(packet: SocketPacket): string[] {
    this.packets.push(packet);
    return [PREFIX + JSON.stringify(packet)];
  }
}

class TestDecoder extends EventEmitter {
  destroyed = false;
  constructor() {
    super();
    decoders.push(this);
  }

  add(chunk: unknown): void {
    if (typeof chunk !== 'string' || !chunk.startsWith(PREFIX)) throw new Error('not a J: message');
    this.emit('decoded', JSON.parse(chunk.slice(PREFIX.length)));
  }

  destroy(): void {
    this.destroyed = true;
  }
}

const jsonParser: Parser = { Encoder: TestEncoder, Decoder: TestDecoder };

function message(packet: SocketPacket): string {
  return PREFIX + JSON.stringify(packet);
}

/** The packets written on `conn`, decoded with the test parser. */
function written(conn: FakeEngineSocket): SocketPacket[] {
  return conn.frames.map((frame) => {
    expect(typeof frame === 'string' && frame.startsWith(PREFIX)).toBe(true);
    return JSON.parse((frame as string).slice(PREFIX.length)) as SocketPacket;
  });
}

const makeServer = useServers();

afterEach(() => {
  encoders.length = 0;
  decoders.length = 0;
});

async function connect(io: Server, nsp = '/'): Promise<{ conn: FakeEngineSocket; socket: Socket }> {
  const connected = new Promise<Socket>((resolve) => io.of(nsp).once('connection', resolve));
  const conn = openFakeSession(io);
  conn.receive(message({ type: PacketType.CONNECT, nsp, data: { token: 't' } }));
  const socket = await connected;
  return { conn, socket };
}

describe('Server: the parser option', () => {
  it('encodes with one encoder per server, exposed as io.encoder, and decodes with one decoder per connection', async () => {
    const io = makeServer({ parser: jsonParser });
    expect(encoders).toHaveLength(1);
    expect(io.encoder).toBe(encoders[0]);
    const { conn, socket } = await connect(io);
    await connect(io);
    expect(decoders).toHaveLength(2);
    expect(encoders).toHaveLength(1);
    expect(socket.handshake.auth).toEqual({ token: 't' });
    expect(written(conn)).toEqual([{ type: PacketType.CONNECT, nsp: '/', data: { sid: socket.id } }]);
  });

  it('carries emits and acks both ways through the parser', async () => {
    const io = makeServer({ parser: jsonParser });
    const { conn, socket } = await connect(io);
    conn.frames.length = 0;
    const received: unknown[] = [];
    socket.on('greet', (name: string, ack: (reply: string) => void) => {
      received.push(name);
      ack(`hello ${name}`);
    });
    conn.receive(message({ type: PacketType.EVENT, nsp: '/', data: ['greet', 'ann'], id: 7 }));
    await flush();
    expect(received).toEqual(['ann']);
    expect(written(conn)).toEqual([{ type: PacketType.ACK, nsp: '/', data: ['hello ann'], id: 7 }]);

    conn.frames.length = 0;
    const answer = new Promise<unknown>((resolve) => socket.emit('ask', 1, resolve));
    const [asked] = written(conn);
    expect(asked).toMatchObject({ type: PacketType.EVENT, nsp: '/', data: ['ask', 1] });
    conn.receive(message({ type: PacketType.ACK, nsp: '/', data: ['yes'], id: asked?.id as number }));
    await expect(answer).resolves.toBe('yes');
  });

  it('a custom namespace: CONNECT, events and DISCONNECT carry its name', async () => {
    const io = makeServer({ parser: jsonParser });
    const { conn, socket } = await connect(io, '/chat');
    socket.emit('x');
    socket.disconnect();
    expect(written(conn)).toEqual([
      { type: PacketType.CONNECT, nsp: '/chat', data: { sid: socket.id } },
      { type: PacketType.EVENT, nsp: '/chat', data: ['x'] },
      { type: PacketType.DISCONNECT, nsp: '/chat' },
    ]);
  });

  it('answers a middleware error and an unknown namespace with CONNECT_ERROR through the parser', async () => {
    const io = makeServer({ parser: jsonParser });
    io.of('/admin').use((_socket, next) => next(Object.assign(new Error('not authorized'), { data: { code: 1 } })));
    const conn = openFakeSession(io);
    conn.receive(message({ type: PacketType.CONNECT, nsp: '/admin' }));
    await flush();
    conn.receive(message({ type: PacketType.CONNECT, nsp: '/nowhere' }));
    await flush();
    expect(written(conn)).toEqual([
      { type: PacketType.CONNECT_ERROR, nsp: '/admin', data: { message: 'not authorized', data: { code: 1 } } },
      { type: PacketType.CONNECT_ERROR, nsp: '/nowhere', data: { message: 'Invalid namespace' } },
    ]);
    expect(conn.readyState).toBe('open');
  });

  it('broadcasts to rooms through the parser, encoded once for all targets', async () => {
    const io = makeServer({ parser: jsonParser });
    const a = await connect(io);
    const b = await connect(io);
    const c = await connect(io);
    a.socket.join('room');
    b.socket.join('room');
    for (const { conn } of [a, b, c]) conn.frames.length = 0;
    const encoder = encoders[0] as TestEncoder;
    const before = encoder.packets.length;
    io.to('room').emit('news', { n: 1 });
    expect(encoder.packets.length - before).toBe(1);
    expect(written(a.conn)).toEqual([{ type: PacketType.EVENT, nsp: '/', data: ['news', { n: 1 }] }]);
    expect(written(b.conn)).toEqual(written(a.conn));
    expect(c.conn.frames).toEqual([]);
    // From a socket: everyone in the room but itself.
    a.socket.to('room').emit('from-a');
    expect(written(b.conn)).toEqual([
      { type: PacketType.EVENT, nsp: '/', data: ['news', { n: 1 }] },
      { type: PacketType.EVENT, nsp: '/', data: ['from-a'] },
    ]);
    expect(written(a.conn)).toHaveLength(1);
  });

  it('broadcasts with acks through the parser', async () => {
    const io = makeServer({ parser: jsonParser });
    const a = await connect(io);
    a.conn.frames.length = 0;
    const replies = io.timeout(1_000).emitWithAck('poll');
    const [packet] = written(a.conn);
    expect(packet).toMatchObject({ type: PacketType.EVENT, nsp: '/', data: ['poll'] });
    a.conn.receive(message({ type: PacketType.ACK, nsp: '/', data: ['ok'], id: packet?.id as number }));
    await expect(replies).resolves.toEqual(['ok']);
  });

  it('broadcasts through the session-aware adapter (connectionStateRecovery) with the parser', async () => {
    const io = makeServer({ parser: jsonParser, connectionStateRecovery: {} });
    expect(io.of('/').adapter).toBeInstanceOf(SessionAwareAdapter);
    const a = await connect(io);
    const [connectPacket] = written(a.conn);
    expect(connectPacket).toMatchObject({ type: PacketType.CONNECT, data: { sid: a.socket.id, pid: expect.any(String) } });
    a.conn.frames.length = 0;
    io.emit('kept', 1);
    const [packet] = written(a.conn);
    expect(packet).toMatchObject({ type: PacketType.EVENT, nsp: '/', data: ['kept', 1, expect.any(String)] });
  });

  it('an adapter built on socket.io-adapter broadcasts with io.encoder, the parser\'s', async () => {
    const io = makeServer({ parser: jsonParser, adapter: SocketIoAdapter });
    const a = await connect(io);
    const b = await connect(io);
    await a.socket.join('room');
    a.conn.frames.length = 0;
    b.conn.frames.length = 0;
    io.to('room').emit('news', 2);
    expect(written(a.conn)).toEqual([{ type: PacketType.EVENT, nsp: '/', data: ['news', 2] }]);
    expect(b.conn.frames).toEqual([]);
  });

  it('closes the client with "forced close" when the decoder throws, and destroys the decoder', async () => {
    const io = makeServer({ parser: jsonParser });
    const { conn, socket } = await connect(io);
    const errors: Error[] = [];
    socket.on('error', (err) => errors.push(err));
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    // What our own codec would accept is bad input for this parser.
    conn.receive('2["hello"]');
    expect(reasons).toEqual(['forced close']);
    expect(errors.map((err) => err.message)).toEqual(['not a J: message']);
    expect(conn.readyState).toBe('closed');
    expect((decoders[0] as TestDecoder).destroyed).toBe(true);
  });

  it('closes the client with "forced close" on a decoded packet that is not valid', async () => {
    const io = makeServer({ parser: jsonParser });
    const { conn, socket } = await connect(io);
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    conn.receive(PREFIX + JSON.stringify({ type: PacketType.EVENT, nsp: '/', data: 'not an array' }));
    expect(reasons).toEqual(['forced close']);
  });

  it('destroys the decoder when the session closes', async () => {
    const io = makeServer({ parser: jsonParser });
    const { conn } = await connect(io);
    conn.end('transport close');
    await flush();
    expect((decoders[0] as TestDecoder).destroyed).toBe(true);
  });

  it('takes socket.io-parser itself as a custom parser (binary attachments as separate messages)', async () => {
    const io = makeServer({ parser: socketIoParser });
    expect(io.encoder).toBeInstanceOf(socketIoParser.Encoder);
    const connected = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const conn = openFakeSession(io);
    conn.receive('0');
    const socket = await connected;
    const got = new Promise<unknown[]>((resolve) => socket.on('file', (...args: unknown[]) => resolve(args)));
    conn.receive('51-["file",{"_placeholder":true,"num":0}]', Buffer.from([1, 2, 3]));
    await expect(got).resolves.toEqual([Buffer.from([1, 2, 3])]);
    conn.frames.length = 0;
    socket.emit('back', Buffer.from([4]));
    expect(conn.frames).toEqual(['51-["back",{"_placeholder":true,"num":0}]', Buffer.from([4])]);
  });

  it('without the option, io.encoder is the built-in codec', () => {
    const io = makeServer();
    expect(io.encoder.encode({ type: PacketType.EVENT, nsp: '/', data: ['a'] })).toEqual(['2["a"]']);
  });
});
