// Socket.IO v5 conformance, black box: namespaces, ordering, broadcast, upgrade under Socket.IO,
// and binary-reconstruction errors, against each target.
import { describe, expect, it } from 'vitest';
import { PollingSession, bin, connectSid, nextSocket, placeholder, useIo, wsSession } from './socketio-support.js';
import { IO_PATH, rawWebSocket, selectedTargets, waitFor, within, type SocketLike, type Target } from './support.js';

describe.each(selectedTargets())('Socket.IO v5 flows — $name', (target: Target) => {
  const start = useIo(target);

  describe('namespaces', () => {
    it('a dynamic namespace (RegExp) accepts matching names: 40/dyn-42, -> 40/dyn-42,{"sid":...}', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io.of(/^\/dyn-\d+$/));
      const s = await PollingSession.open(url);
      await s.send('40/dyn-42,');
      const reply = await s.next();
      expect((await connected).id).toBe(connectSid(reply, '/dyn-42'));
      await s.send('40/dyn-x,');
      expect(await s.next()).toBe('44/dyn-x,{"message":"Invalid namespace"}');
    });

    it('namespace middleware refusal without data: 44/admin,{"message":"nope"}', async () => {
      const { io, url } = await start();
      io.of('/admin').use((_socket, next) => next(new Error('nope')));
      const s = await PollingSession.open(url);
      await s.send('40/admin,');
      expect(await s.next()).toBe('44/admin,{"message":"nope"}');
      await s.send('40');
      connectSid(await s.next());
    });

    it('41/admin, leaves only that namespace; "/" keeps working', async () => {
      const { io, url } = await start();
      const main = nextSocket(io);
      const admin = nextSocket(io.of('/admin'));
      const s = await PollingSession.open(url);
      await s.send('40', '40/admin,');
      await s.next();
      await s.next();
      const gone = waitFor<[string]>(await admin, 'disconnect');
      await s.send('41/admin,');
      expect((await gone)[0]).toBe('client namespace disconnect');
      (await main).emit('still', 'here');
      expect(await s.next()).toBe('42["still","here"]');
    });
  });

  describe('ordering and delivery', () => {
    it('50 server events over polling arrive once each, in order', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      for (let i = 0; i < 50; i += 1) socket.emit('n', i);
      const got: string[] = [];
      while (got.length < 50) got.push(await s.next());
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `42["n",${i}]`));
    });

    it('50 client events in one POST reach the handler once each, in order', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      const got: unknown[] = [];
      const done = new Promise<void>((resolve) =>
        socket.on('n', (i: number) => {
          got.push(i);
          if (got.length === 50) resolve();
        }),
      );
      await s.send(...Array.from({ length: 50 }, (_, i) => `42["n",${i}]`));
      await within(done, 2_000, '50 events');
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('events emitted in the connection handler follow the CONNECT reply', async () => {
      const { io, url } = await start();
      io.on('connection', (socket: SocketLike) => socket.emit('welcome', socket.id));
      const { ws } = await wsSession(url);
      ws.send('40');
      const sid = connectSid(String(await ws.next()));
      expect(await ws.next()).toBe(`42["welcome","${sid}"]`);
      ws.ws.close();
    });

    it('server emit with ack and binary ACK on a namespace: 42/admin,<id>[...] -> 461-/admin,<id>[...]', async () => {
      const { io, url } = await start();
      const admin = nextSocket(io.of('/admin'));
      const { ws } = await wsSession(url);
      ws.send('40/admin,');
      await ws.next();
      const socket = await admin;
      const answered = new Promise<unknown[]>((resolve) => socket.emit('ask', (...args: unknown[]) => resolve(args)));
      const m = /^42\/admin,(\d+)\["ask"\]$/.exec(String(await ws.next()));
      expect(m).not.toBeNull();
      ws.send(`461-/admin,${m?.[1] ?? ''}[${JSON.stringify(placeholder(0))}]`);
      ws.send(Buffer.from([3]));
      const [data] = await within(answered, 2_000, 'binary ack on a namespace');
      expect(bin(data)).toEqual([3]);
      socket.on('get', (ack: (b: Buffer) => void) => ack(Buffer.from([4])));
      ws.send('42/admin,9["get"]');
      expect(await ws.next()).toBe(`461-/admin,9[${JSON.stringify(placeholder(0))}]`);
      expect(bin(await ws.next())).toEqual([4]);
      ws.ws.close();
    });

    it('an ack called twice sends one ACK', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      socket.on('twice', (ack: (v: number) => void) => {
        ack(1);
        ack(2);
        socket.emit('after');
      });
      await s.send('421["twice"]');
      expect(await s.next()).toBe('431[1]');
      expect(await s.next()).toBe('42["after"]');
    });

    it('io.emit reaches every connected socket once; io.to(room) only the members', async () => {
      const { io, url } = await start();
      const sockets: SocketLike[] = [];
      io.on('connection', (socket: SocketLike) => sockets.push(socket));
      const a = await PollingSession.open(url);
      const b = await PollingSession.open(url);
      await a.send('40');
      const sidA = connectSid(await a.next());
      await b.send('40');
      await b.next();
      const socketA = sockets.find((x) => x.id === sidA);
      expect(socketA).toBeDefined();
      socketA?.join('r');
      io.emit('news', 1);
      io.to('r').emit('room');
      io.emit('end');
      expect([await a.next(), await a.next(), await a.next()]).toEqual(['42["news",1]', '42["room"]', '42["end"]']);
      expect([await b.next(), await b.next()]).toEqual(['42["news",1]', '42["end"]']);
    });
  });

  describe('upgrade under Socket.IO', () => {
    it('polling session with "/" connected upgrades to websocket; events then flow over the WebSocket', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      const upgraded = waitFor(socket.conn, 'upgrade');
      const ws = await rawWebSocket(url, IO_PATH, { sid: s.sid });
      ws.send('2probe');
      expect(await ws.next()).toBe('3probe');
      socket.emit('mid');
      ws.send('5');
      await upgraded;
      expect(await ws.next()).toBe('42["mid"]');
      const got = waitFor<unknown[]>(socket, 'up');
      ws.send('42["up",1]');
      expect(await got).toEqual([1]);
      socket.emit('bin', Buffer.from([5]));
      expect(await ws.next()).toBe(`451-["bin",${JSON.stringify(placeholder(0))}]`);
      expect(bin(await ws.next())).toEqual([5]);
      ws.ws.close();
    });
  });

  describe('binary reconstruction errors close the session', () => {
    it('a text packet while attachments are awaited', async () => {
      const { url } = await start();
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      ws.send(`451-["up",${JSON.stringify(placeholder(0))}]`);
      ws.send('42["x"]');
      await within(ws.closed, 2_000, 'WebSocket closed by the server');
    });

    it('a binary frame with no binary packet pending', async () => {
      const { url } = await start();
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      ws.send(Buffer.from([1, 2]));
      await within(ws.closed, 2_000, 'WebSocket closed by the server');
    });
  });
});
