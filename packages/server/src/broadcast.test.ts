import { afterEach, describe, expect, it, vi } from 'vitest';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import { connectFakeSockets, flush } from './test-support.js';
import type { FakeEngineSocket } from './test-support.js';

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const io of servers.splice(0)) await io.close();
});

async function cluster(count: number): Promise<{ io: Server; conns: FakeEngineSocket[]; sockets: Socket[] }> {
  const io = new Server();
  servers.push(io);
  return { io, ...(await connectFakeSockets(io, count)) };
}

const framesOf = (conns: FakeEngineSocket[]): unknown[][] => conns.map((c) => [...c.frames]);

describe('broadcast', () => {
  it('io.emit reaches everyone; to/except select by room; socket.broadcast skips the sender', async () => {
    const { io, conns, sockets } = await cluster(3);
    const [a, b, c] = sockets as [Socket, Socket, Socket];
    void a.join('red');
    void b.join(['red', 'blue']);
    void c.join('blue');
    io.emit('all');
    io.to('red').emit('red');
    io.to('red').to('blue').except('blue').emit('redOnly');
    io.in(['red', 'blue']).emit('union');
    a.broadcast.emit('fromA');
    b.to('blue').emit('blueButB');
    io.except(a.id).emit('notA');
    expect(framesOf(conns)).toEqual([
      ['2["all"]', '2["red"]', '2["redOnly"]', '2["union"]'],
      ['2["all"]', '2["red"]', '2["union"]', '2["fromA"]', '2["notA"]'],
      ['2["all"]', '2["union"]', '2["fromA"]', '2["blueButB"]', '2["notA"]'],
    ]);
  });

  it('encodes once: binary attachments are the same object for every target', async () => {
    const { io, conns } = await cluster(2);
    const bytes = Buffer.from([1, 2, 3]);
    io.emit('bin', bytes);
    expect(conns[0]?.frames[0]).toBe('51-["bin",{"_placeholder":true,"num":0}]');
    expect(conns[0]?.frames[1]).toBe(conns[1]?.frames[1]);
  });

  it('namespaces are isolated', async () => {
    const { io, conns } = await cluster(1);
    io.of('/other').emit('x');
    expect(conns[0]?.frames).toEqual([]);
  });

  it('volatile broadcast skips sockets whose transport is not writable', async () => {
    const { io, conns } = await cluster(2);
    (conns[0] as FakeEngineSocket).transport.writable = false;
    io.volatile.emit('tick');
    expect(framesOf(conns)).toEqual([[], ['2["tick"]']]);
  });

  it('reserved names throw on broadcast', async () => {
    const { io } = await cluster(0);
    expect(() => io.emit('disconnect')).toThrow('"disconnect" is a reserved event name');
    expect(() => io.to('r').emit('connect')).toThrow('"connect" is a reserved event name');
  });

  it('timeout().emit collects one answer per client', async () => {
    const { io, conns } = await cluster(2);
    const done = new Promise<[Error | null, unknown]>((resolve) =>
      io.timeout(1000).emit('poll', (err: Error | null, responses: unknown) => resolve([err, responses])),
    );
    const packet = conns[0]?.packets[0];
    expect(packet?.id).toBeTypeOf('number');
    expect(conns[1]?.packets[0]?.id).toBe(packet?.id);
    conns[0]?.receive(`3${packet?.id}["a"]`);
    conns[1]?.receive(`3${packet?.id}["b"]`);
    const [err, responses] = await done;
    expect(err).toBeNull();
    expect(new Set(responses as string[])).toEqual(new Set(['a', 'b']));
  });

  it('timeout().emitWithAck rejects when a client does not answer', async () => {
    const { io, conns } = await cluster(2);
    vi.useFakeTimers();
    const result = io.timeout(50).emitWithAck('poll');
    const assertion = expect(result).rejects.toThrow('operation has timed out');
    conns[0]?.receive(`3${conns[0]?.packets[0]?.id}["a"]`);
    await vi.advanceTimersByTimeAsync(50);
    await assertion;
  });

  it('emitWithAck with no target resolves with no responses', async () => {
    const { io } = await cluster(1);
    await expect(io.to('nobody').timeout(100).emitWithAck('q')).resolves.toEqual([]);
  });

  it('fetchSockets, socketsJoin, socketsLeave, disconnectSockets', async () => {
    const { io, conns, sockets } = await cluster(3);
    const [a, b] = sockets as [Socket, Socket, Socket];
    void a.join('vip');
    a.data = { name: 'alice' };
    const vip = await io.in('vip').fetchSockets();
    expect(vip.map((s) => s.id)).toEqual([a.id]);
    expect(vip[0]?.data).toEqual({ name: 'alice' });
    expect((await io.fetchSockets()).length).toBe(3);
    io.except('vip').socketsJoin('rest');
    expect(b.rooms.has('rest')).toBe(true);
    expect(a.rooms.has('rest')).toBe(false);
    io.socketsLeave('rest');
    expect(b.rooms.has('rest')).toBe(false);
    expect(await io.allSockets()).toEqual(new Set(sockets.map((s) => s.id)));
    io.in('vip').disconnectSockets();
    await flush();
    expect(a.connected).toBe(false);
    expect(conns[0]?.frames).toEqual(['1']);
    io.disconnectSockets(true);
    expect(conns.map((c) => c.readyState)).toEqual(['open', 'closed', 'closed']);
  });

  it('adapter emits room events and forgets empty rooms', async () => {
    const { io, sockets } = await cluster(1);
    const s = sockets[0] as Socket;
    const events: string[] = [];
    const adapter = io.sockets.adapter;
    adapter.on('create-room', (r) => events.push(`create:${r}`));
    adapter.on('join-room', (r, id) => events.push(`join:${r}:${id === s.id}`));
    adapter.on('leave-room', (r) => events.push(`leave:${r}`));
    adapter.on('delete-room', (r) => events.push(`delete:${r}`));
    void s.join('r1');
    void s.join('r1');
    void s.leave('r1');
    expect(events).toEqual(['create:r1', 'join:r1:true', 'leave:r1', 'delete:r1']);
    expect(adapter.rooms.has('r1')).toBe(false);
    s.disconnect();
    expect(adapter.rooms.size).toBe(0);
    expect(adapter.sids.size).toBe(0);
  });
});
