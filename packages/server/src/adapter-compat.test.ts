// Adapters built on socket.io-adapter's base class (the in-memory one here; Redis, cluster and other
// adapters extend it) reach into the namespace, socket and client under socket.io's names. This checks
// that our objects answer to those names. socket.io-adapter comes with the socket.io devDependency.
import { PacketType } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { Adapter as SocketIoAdapter } from 'socket.io-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryAdapter } from './adapter.js';
import type { BroadcastOptions, Room } from './adapter.js';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import { connectFakeSockets, openFakeSession } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const io of servers.splice(0)) await io.close();
});

async function setup(count: number): Promise<{ io: Server; conns: FakeEngineSocket[]; sockets: Socket[] }> {
  const io = new Server({ adapter: SocketIoAdapter });
  servers.push(io);
  return { io, ...(await connectFakeSockets(io, count)) };
}

describe('an adapter extending socket.io-adapter', () => {
  it('is used for rooms and broadcasts, binary included', async () => {
    const { io, conns, sockets } = await setup(3);
    const [a, b] = sockets as [Socket, Socket, Socket];
    await a.join('red');
    await b.join('red');
    expect(io.of('/').adapter).toBeInstanceOf(SocketIoAdapter);
    expect(io.of('/').adapter.rooms.get('red')).toEqual(new Set([a.id, b.id]));
    io.to('red').except(b.id).emit('news', 1);
    io.emit('bin', Buffer.from([7]));
    expect(conns.map((c) => c.frames.filter((f) => typeof f === 'string'))).toEqual([
      ['2["news",1]', '51-["bin",{"_placeholder":true,"num":0}]'],
      ['51-["bin",{"_placeholder":true,"num":0}]'],
      ['51-["bin",{"_placeholder":true,"num":0}]'],
    ]);
  });

  it('shows broadcasts to onAnyOutgoing listeners', async () => {
    const { io, sockets } = await setup(1);
    const seen: unknown[][] = [];
    sockets[0]?.onAnyOutgoing((...args: unknown[]) => seen.push(args));
    io.emit('hello', 'world');
    expect(seen).toEqual([['hello', 'world']]);
  });

  it('collects broadcast acks, with ids from the namespace counter', async () => {
    const { io, conns, sockets } = await setup(2);
    // A pending single-socket ack must not share its id with the broadcast.
    sockets[0]?.emit('private', () => undefined);
    const answers = io.timeout(1000).emitWithAck('poll');
    const ids = await Promise.all(
      conns.map(async (conn, i) => {
        const packet = await conn.waitForPacket((p) => p.type === PacketType.EVENT && Array.isArray(p.data) && p.data[0] === 'poll');
        conn.receive(`3${String(packet.id)}[${i}]`);
        return packet.id;
      }),
    );
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe(conns[0]?.packets[0]?.id);
    expect(((await answers) as number[]).sort()).toEqual([0, 1]);
  });

  it('has the sockets forget acks a timed-out broadcast no longer waits for', async () => {
    const { io, sockets } = await setup(2);
    await expect(io.timeout(20).emitWithAck('poll')).rejects.toThrow('operation has timed out');
    for (const socket of sockets) expect(socket.acks.size).toBe(0);
  });
});

describe('fetchSockets() with sockets on other servers', () => {
  // A cluster adapter answers plain details for remote sockets, and carries their operations itself.
  const calls: Array<[string, unknown, unknown]> = [];
  class TwoServerAdapter extends InMemoryAdapter {
    override async fetchSockets(opts: BroadcastOptions): Promise<never[]> {
      const local = await super.fetchSockets(opts);
      const remote = { id: 'far', handshake: { auth: {} }, rooms: ['far', 'blue'], data: { user: 'ann' } };
      return [...local, remote] as never[];
    }
    override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
      calls.push(['broadcast', packet.data, opts]);
    }
    override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
      calls.push(['addSockets', [...opts.rooms], rooms]);
    }
    override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
      calls.push(['disconnectSockets', [...opts.rooms], close]);
    }
  }

  it('returns local Socket objects as they are and stand-ins for the others', async () => {
    const io = new Server({ adapter: TwoServerAdapter });
    servers.push(io);
    const ready = new Promise<Socket>((resolve) => io.once('connection', resolve));
    openFakeSession(io).receive('0');
    const local = await ready;
    const found = await io.fetchSockets();
    expect(found[0]).toBe(local);
    const far = found[1];
    if (far === undefined) throw new Error('remote socket missing');
    expect(far.id).toBe('far');
    expect(far.rooms).toEqual(new Set(['far', 'blue']));
    expect(far.data).toEqual({ user: 'ann' });
    far.emit('hello', 1);
    void far.join('green');
    far.disconnect(true);
    expect(calls).toEqual([
      ['broadcast', ['hello', 1], { rooms: new Set(['far']), except: new Set(), flags: { expectSingleResponse: true } }],
      ['addSockets', ['far'], ['green']],
      ['disconnectSockets', ['far'], true],
    ]);
  });
});
