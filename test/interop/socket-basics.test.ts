// Socket.IO interop, the connected-session scenarios, over {direction} x {mode}: handshake, auth,
// namespaces, middleware refusal, events and acks (with timeouts), nested binary, rooms, volatile.
import type { Socket as ClientSocket } from '@switchback/client';
import type { Socket as ServerSocket } from '@switchback/server';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../helpers/wait.js';
import { directions, finalTransport, modes, startPair, type Direction, type Mode, type SocketPair } from './socket-peers.js';

const matrix = directions.flatMap((direction) => modes.map((mode) => ({ direction, mode, label: `${direction.name}, ${mode}` })));

let pair: SocketPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

async function start(direction: Direction, mode: Mode): Promise<SocketPair> {
  pair = await startPair(direction, mode);
  return pair;
}

/** Connects a client and returns it with its server-side socket. */
async function connected(p: SocketPair, nsp = '', options = {}): Promise<[ClientSocket, ServerSocket]> {
  const namespace = p.io.of(nsp === '' ? '/' : nsp);
  const peer = once<[ServerSocket]>(namespace, 'connection');
  const client = await p.connect(nsp, options);
  const [socket] = await peer;
  return [client, socket];
}

describe.each(matrix)('$label', ({ direction, mode }) => {
  it('handshake: socket id and engine sid agree on both sides, on the mode transport', async () => {
    const p = await start(direction, mode);
    const initial: string[] = [];
    p.io.engine.on('connection', (conn: ServerSocket['conn']) => initial.push(conn.transport.name));
    const [client, socket] = await connected(p);
    expect(client.id).toBe(socket.id);
    expect(typeof client.id).toBe('string');
    expect(client.io.engine.id).toBe(socket.conn.id);
    expect(socket.conn.id).not.toBe(socket.id);
    expect(initial).toEqual([mode === 'websocket' ? 'websocket' : 'polling']);
    if (mode === 'upgrade') {
      if (!socket.conn.upgraded) await once(socket.conn, 'upgrade');
      if (client.io.engine.transport.name !== 'websocket') await once(client.io.engine, 'upgrade');
      expect(socket.conn.upgraded).toBe(true);
    }
    expect(socket.conn.transport.name).toBe(finalTransport(mode));
    expect(client.io.engine.transport.name).toBe(finalTransport(mode));
    // The session still carries events after the upgrade.
    socket.on('echo', (v: string, ack: (r: string) => void) => ack(v));
    await expect(client.timeout(2_000).emitWithAck('echo', 'after')).resolves.toBe('after');
  });

  it('connect with an auth payload: the server sees it in handshake.auth and middleware', async () => {
    const p = await start(direction, mode);
    p.io.use((s, next) => next(s.handshake.auth['token'] === 'secret' ? undefined : new Error('bad token')));
    const [, socket] = await connected(p, '', { auth: { token: 'secret', n: 1 } });
    expect(socket.handshake.auth).toEqual({ token: 'secret', n: 1 });
    const refused = p.open('', { auth: { token: 'wrong' } });
    const [err] = await once<[Error]>(refused, 'connect_error');
    expect(err.message).toBe('bad token');
  });

  it('namespaces: a static one connects beside the main one; an unknown one is refused', async () => {
    const p = await start(direction, mode);
    p.io.of('/admin').on('connection', (s: ServerSocket) => s.emit('welcome', s.nsp.name));
    const [main] = await connected(p);
    const admin = main.io.socket('/admin');
    const welcome = once<[string]>(admin, 'welcome');
    expect(await welcome).toEqual(['/admin']);
    expect(admin.connected).toBe(true);
    const unknown = p.open('/nowhere');
    const [err] = await once<[Error]>(unknown, 'connect_error');
    expect(err.message).toBe('Invalid namespace');
    expect(unknown.connected).toBe(false);
    expect(unknown.active).toBe(false);
  });

  it('middleware refusal carries message and data', async () => {
    const p = await start(direction, mode);
    p.io.of('/private').use((_s, next) => next(Object.assign(new Error('not authorized'), { data: { code: 42, why: ['role'] } })));
    const client = p.open('/private');
    const [err] = await once<[Error & { data?: unknown }]>(client, 'connect_error');
    expect(err.message).toBe('not authorized');
    expect(err.data).toEqual({ code: 42, why: ['role'] });
    expect(client.active).toBe(false);
  });

  it('events and acknowledgements both ways', async () => {
    const p = await start(direction, mode);
    const [client, socket] = await connected(p);
    socket.on('sum', (a: number, b: number, ack: (r: number) => void) => ack(a + b));
    client.on('shout', (s: string, ack: (r: string, n: number) => void) => ack(s.toUpperCase(), s.length));
    const plain = once<[string, { deep: number[] }]>(client, 'plain');
    socket.emit('plain', 'text é😀', { deep: [1, 2] });
    expect(await plain).toEqual(['text é😀', { deep: [1, 2] }]);
    const fromClient = once<[number, null, string]>(socket, 'fire');
    client.emit('fire', 1, null, 'x');
    expect(await fromClient).toEqual([1, null, 'x']);
    await expect(client.emitWithAck('sum', 2, 3)).resolves.toBe(5);
    const answer = await new Promise<unknown[]>((resolve) => {
      socket.emit('shout', 'hey', (...args: unknown[]) => resolve(args));
    });
    expect(answer).toEqual(['HEY', 3]);
    await expect(socket.timeout(2_000).emitWithAck('shout', 'ab')).resolves.toBe('AB');
  });

  it('ack timeouts both ways: a handler that never acks -> error after the timeout', async () => {
    const p = await start(direction, mode);
    const [client, socket] = await connected(p);
    const heard: string[] = [];
    socket.on('never', () => heard.push('server'));
    client.on('never', () => heard.push('client'));
    const clientSide = await new Promise<unknown[]>((resolve) => {
      client.timeout(50).emit('never', (...args: unknown[]) => resolve(args));
    });
    expect(clientSide[0]).toBeInstanceOf(Error);
    expect(clientSide).toHaveLength(1);
    const serverSide = await new Promise<unknown[]>((resolve) => {
      socket.timeout(50).emit('never', (...args: unknown[]) => resolve(args));
    });
    expect(serverSide[0]).toBeInstanceOf(Error);
    await expect(client.timeout(50).emitWithAck('never')).rejects.toBeInstanceOf(Error);
    await expect(socket.timeout(50).emitWithAck('never')).rejects.toBeInstanceOf(Error);
    expect(heard.sort()).toEqual(['client', 'client', 'server', 'server']);
    expect(client.connected).toBe(true);
  });

  it('binary nested in arguments both ways', async () => {
    const p = await start(direction, mode);
    const [client, socket] = await connected(p);
    socket.on('upload', (meta: { name: string; parts: Buffer[] }, raw: Buffer, ack: (r: unknown) => void) => {
      ack({
        name: meta.name,
        sizes: meta.parts.map((part) => part.length),
        isBuffer: [Buffer.isBuffer(meta.parts[0]), Buffer.isBuffer(raw)],
        back: { deep: [Buffer.concat([...meta.parts, raw])] },
      });
    });
    const answer = (await client.emitWithAck(
      'upload',
      { name: 'f', parts: [new Uint8Array([1, 2]), Buffer.from([3, 4, 5])] },
      new Uint8Array([6]).buffer,
    )) as { name: string; sizes: number[]; isBuffer: boolean[]; back: { deep: [ArrayBuffer | Uint8Array] } };
    expect(answer.name).toBe('f');
    expect(answer.sizes).toEqual([2, 3]);
    expect(answer.isBuffer).toEqual([true, true]);
    expect([...new Uint8Array(answer.back.deep[0])]).toEqual([1, 2, 3, 4, 5, 6]);

    const got = once<[{ list: Array<ArrayBuffer | Uint8Array>; n: number }, ArrayBuffer | Uint8Array]>(client, 'download');
    socket.emit('download', { list: [Buffer.from([9]), Buffer.alloc(0)], n: 2 }, Buffer.from('hi'));
    const [payload, tail] = await got;
    expect(payload.n).toBe(2);
    expect(payload.list.map((b) => [...new Uint8Array(b)])).toEqual([[9], []]);
    expect(new TextDecoder().decode(tail)).toBe('hi');
  });

  it('rooms and broadcast reach exactly the members', async () => {
    const p = await start(direction, mode);
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
    await Promise.all([a.emitWithAck('join', 'r1'), b.emitWithAck('join', 'r1')]);
    const seen: string[] = [];
    for (const [name, s] of [['a', a], ['b', b], ['c', c]] as const) {
      s.on('news', (m: string) => seen.push(`${name}:${m}`));
      s.on('told', (m: string) => seen.push(`${name}:${m}`));
    }
    p.io.to('r1').emit('news', 'room');
    p.io.except('r1').emit('news', 'others');
    a.emit('tell', 'r1', 'from a'); // to the room but not to the sender
    // An acked round trip per client after the broadcasts proves nothing else is in flight to it; a's
    // first, so that its 'tell' has been handled before b and c ask.
    for (const s of p.io.of('/').sockets.values()) s.on('sync', (ack: () => void) => ack());
    await a.emitWithAck('sync');
    await Promise.all([b, c].map((s) => s.emitWithAck('sync')));
    expect(seen.sort()).toEqual(['a:room', 'b:from a', 'b:room', 'c:others']);
    expect(p.io.of('/').adapter.rooms.get('r1')?.size).toBe(2);
  });

  it('volatile: dropped while disconnected, buffered emits still delivered', async () => {
    const p = await start(direction, mode);
    const received: string[] = [];
    p.io.on('connection', (s: ServerSocket) => {
      s.on('m', (what: string) => received.push(what));
      s.on('sync', (ack: () => void) => ack());
    });
    const client = p.open('', { autoConnect: false });
    client.volatile.emit('m', 'volatile before connect');
    client.emit('m', 'buffered before connect');
    client.connect();
    await once(client, 'connect');
    await client.emitWithAck('sync');
    // Whether a volatile emit on a live connection goes out depends on the transport being writable at
    // that instant (a polling POST in flight is not), in the reference too: not asserted.
    expect(received).toEqual(['buffered before connect']);
  });
});
