// Socket.IO v5 conformance, black box: raw packets over raw polling / WebSocket against each target.
// Spec: socketio/socket.io-protocol (v5). Packets are `<type>[<attachments>-][<nsp>,][<id>][<json>]`.
import { describe, expect, it } from 'vitest';
import { PollingSession, bin, connectSid, nextSocket, placeholder, useIo, wsSession } from './socketio-support.js';
import {
  nextEngineSocket,
  selectedTargets,
  until,
  waitFor,
  within,
  type SocketLike,
  type Target,
} from './support.js';

describe.each(selectedTargets())('Socket.IO v5 — $name', (target: Target) => {
  const start = useIo(target);

  describe('CONNECT', () => {
    it('to "/" over polling: 40 -> 40{"sid":...}; the sid is not the engine sid', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      const reply = await s.next();
      expect(reply).toMatch(/^40\{"sid":"[^"]+"\}$/);
      const sid = connectSid(reply);
      expect(sid).not.toBe(s.sid);
      const socket = await connected;
      expect(socket.id).toBe(sid);
      expect(socket.handshake.auth).toEqual({});
    });

    it('to "/" over websocket', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const { ws, open } = await wsSession(url);
      ws.send('40');
      const sid = connectSid(String(await ws.next()));
      expect(sid).not.toBe(open.sid);
      expect((await connected).id).toBe(sid);
      ws.ws.close();
    });

    it('with an auth payload: 40{...} -> socket.handshake.auth', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40{"token":"abc","n":1}');
      connectSid(await s.next());
      expect((await connected).handshake.auth).toEqual({ token: 'abc', n: 1 });
    });

    it('to a custom namespace: 40/admin, -> 40/admin,{"sid":...}', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io.of('/admin'));
      const s = await PollingSession.open(url);
      await s.send('40/admin,');
      const reply = await s.next();
      expect(reply).toMatch(/^40\/admin,\{"sid":"[^"]+"\}$/);
      expect((await connected).id).toBe(connectSid(reply, '/admin'));
    });

    it('to an unknown namespace: 44/x,{"message":"Invalid namespace"}', async () => {
      const { url } = await start();
      const s = await PollingSession.open(url);
      await s.send('40/x,');
      expect(await s.next()).toBe('44/x,{"message":"Invalid namespace"}');
    });

    it('refused by middleware: 44{"message":...,"data":...}', async () => {
      const { io, url } = await start();
      io.use((_socket, next) => {
        const err = Object.assign(new Error('not authorized'), { data: { reason: 'token expired' } });
        next(err);
      });
      const s = await PollingSession.open(url);
      await s.send('40');
      expect(await s.next()).toBe('44{"message":"not authorized","data":{"reason":"token expired"}}');
    });
  });

  describe('EVENT and ACK', () => {
    it('client EVENT reaches the handler with its arguments', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      const got = waitFor<unknown[]>(socket, 'hello');
      await s.send('42["hello","world",{"a":[1,2]}]');
      expect(await got).toEqual(['world', { a: [1, 2] }]);
    });

    it('server EVENT: 42["greet",...] on "/", 42/admin,[...] on a namespace', async () => {
      const { io, url } = await start();
      const main = nextSocket(io);
      const admin = nextSocket(io.of('/admin'));
      const s = await PollingSession.open(url);
      await s.send('40', '40/admin,');
      connectSid(await s.next());
      connectSid(await s.next(), '/admin');
      (await main).emit('greet', 'hi', 1);
      expect(await s.next()).toBe('42["greet","hi",1]');
      (await admin).emit('greet', null);
      expect(await s.next()).toBe('42/admin,["greet",null]');
    });

    it('EVENT with ack id -> ACK with the same id (on "/" and on a namespace)', async () => {
      const { io, url } = await start();
      const sum = (socket: SocketLike): void => {
        socket.on('sum', (a: number, b: number, ack: (v: number) => void) => ack(a + b));
      };
      io.on('connection', sum);
      io.of('/admin').on('connection', sum);
      const s = await PollingSession.open(url);
      await s.send('40', '40/admin,');
      await s.next();
      await s.next();
      await s.send('421["sum",1,2]');
      expect(await s.next()).toBe('431[3]');
      await s.send('42/admin,7["sum",2,5]');
      expect(await s.next()).toBe('43/admin,7[7]');
    });

    it('server emit with callback: 42<id>[...] answered by 43<id>[...]', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      const answered = new Promise<unknown[]>((resolve) => socket.emit('ask', 'q', (...args: unknown[]) => resolve(args)));
      const packet = await s.next();
      const m = /^42(\d+)\["ask","q"\]$/.exec(packet);
      expect(m, packet).not.toBeNull();
      await s.send(`43${m?.[1] ?? ''}["answer",2]`);
      expect(await within(answered, 2_000, 'ack callback')).toEqual(['answer', 2]);
    });

    it('an ACK for an unknown id is ignored; the session stays usable', async () => {
      const { io, url } = await start();
      io.on('connection', (socket: SocketLike) => {
        socket.on('sum', (a: number, b: number, ack: (v: number) => void) => ack(a + b));
      });
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      await s.send('4399[1]');
      await s.send('425["sum",20,22]');
      expect(await s.next()).toBe('435[42]');
    });
  });

  describe('binary', () => {
    it('BINARY_EVENT over websocket, client to server: placeholder + binary frame -> Buffer', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      const socket = await connected;
      const got = waitFor<unknown[]>(socket, 'up');
      ws.send(`451-["up",${JSON.stringify(placeholder(0))},"tail"]`);
      ws.send(Buffer.from([1, 2, 3]));
      const [data, tail] = await got;
      expect(bin(data)).toEqual([1, 2, 3]);
      expect(tail).toBe('tail');
      ws.ws.close();
    });

    it('BINARY_EVENT over websocket, server to client: 451-[...placeholder] then a binary frame', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      (await connected).emit('down', { file: Buffer.from([4, 5]) }, Buffer.from([6]));
      expect(await ws.next()).toBe(
        `452-["down",{"file":${JSON.stringify(placeholder(0))}},${JSON.stringify(placeholder(1))}]`,
      );
      expect(bin(await ws.next())).toEqual([4, 5]);
      expect(bin(await ws.next())).toEqual([6]);
      ws.ws.close();
    });

    it('BINARY_EVENT over polling: attachments travel as "b"+base64 items in the payload, both ways', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      socket.emit('down', Buffer.from([1, 2, 3]));
      expect(await s.next()).toBe(`451-["down",${JSON.stringify(placeholder(0))}]`);
      expect(await s.next()).toBe('bAQID');
      const got = waitFor<unknown[]>(socket, 'up');
      await s.send(`451-["up",${JSON.stringify(placeholder(0))}]`, 'bBAUG');
      expect(bin((await got)[0])).toEqual([4, 5, 6]);
    });

    it('a placeholder pointing past the attachments closes the session', async () => {
      const { url } = await start();
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      ws.send(`451-["up",${JSON.stringify(placeholder(3))}]`);
      ws.send(Buffer.from([1]));
      await within(ws.closed, 2_000, 'WebSocket closed by the server');
    });

    it('BINARY_ACK both ways over websocket', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      const socket = await connected;
      socket.on('get', (ack: (b: Buffer) => void) => ack(Buffer.from([7])));
      ws.send('423["get"]');
      expect(await ws.next()).toBe(`461-3[${JSON.stringify(placeholder(0))}]`);
      expect(bin(await ws.next())).toEqual([7]);
      const answered = new Promise<unknown[]>((resolve) => socket.emit('ask', (...args: unknown[]) => resolve(args)));
      const m = /^42(\d+)\["ask"\]$/.exec(String(await ws.next()));
      expect(m).not.toBeNull();
      ws.send(`461-${m?.[1] ?? ''}[${JSON.stringify(placeholder(0))}]`);
      ws.send(Buffer.from([8, 9]));
      const [data] = await within(answered, 2_000, 'binary ack callback');
      expect(bin(data)).toEqual([8, 9]);
      ws.ws.close();
    });
  });

  describe('DISCONNECT', () => {
    it('from the client: 41 -> server "disconnect" with "client namespace disconnect"', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const socket = await connected;
      const gone = waitFor<[string]>(socket, 'disconnect');
      await s.send('41');
      expect((await gone)[0]).toBe('client namespace disconnect');
    });

    it('from the server: socket.disconnect() -> 41 (41/admin, on a namespace)', async () => {
      const { io, url } = await start();
      const main = nextSocket(io);
      const admin = nextSocket(io.of('/admin'));
      const s = await PollingSession.open(url);
      await s.send('40', '40/admin,');
      await s.next();
      await s.next();
      const adminSocket = await admin;
      const gone = waitFor<[string]>(adminSocket, 'disconnect');
      adminSocket.disconnect();
      expect(await s.next()).toBe('41/admin,');
      expect((await gone)[0]).toBe('server namespace disconnect');
      (await main).disconnect();
      expect(await s.next()).toBe('41');
    });
  });

  describe('session lifetime', () => {
    it('socket.disconnect(true) sends 41 and closes the underlying connection', async () => {
      const { io, url } = await start();
      const connected = nextSocket(io);
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      (await connected).disconnect(true);
      expect(await ws.next()).toBe('41');
      await within(ws.closed, 2_000, 'WebSocket closed after disconnect(true)');
    });

    it('a session that joins no namespace within connectTimeout is closed', async () => {
      const { io, url } = await start({ connectTimeout: 150 });
      const engineSocket = nextEngineSocket(io.engine);
      const s = await PollingSession.open(url);
      const conn = await engineSocket;
      const closed = waitFor<[string]>(conn, 'close', 3_000);
      const held = s.pollLater();
      expect((await within(held, 3_000, 'held GET released')).body).toBe('1');
      expect(typeof (await closed)[0]).toBe('string');
      expect((await s.http.poll(s.sid)).status).toBe(400);
    });
  });

  describe('malformed packets close the session', () => {
    const bad: Array<[string, string]> = [
      ['unknown packet type', '48'],
      ['invalid JSON', '42["a"'],
      ['EVENT payload not an array', '42"hello"'],
      ['EVENT before CONNECT on that namespace', '42/admin,["x"]'],
      ['attachments count not a number', '45x-["a"]'],
      ['CONNECT payload not an object', '40"token"'],
      ['ACK payload not an array', '431{"a":1}'],
    ];
    it.each(bad)('over polling: %s', async (_label, packet) => {
      const { io, url } = await start();
      io.of('/admin');
      const engineSocket = nextEngineSocket(io.engine);
      const s = await PollingSession.open(url);
      await s.send('40');
      await s.next();
      const conn = await engineSocket;
      const closed = waitFor<[string]>(conn, 'close');
      const held = s.pollLater();
      await until(() => conn.transport.writable, 'the GET is held');
      await s.http.push(s.sid, packet);
      expect((await within(held, 2_000, 'held GET released')).body).toBe('1');
      expect(typeof (await closed)[0]).toBe('string');
      const after = await s.http.poll(s.sid);
      expect(after.status).toBe(400);
    });

    it.each(bad)('over websocket: %s', async (_label, packet) => {
      const { url } = await start();
      const { ws } = await wsSession(url);
      ws.send('40');
      await ws.next();
      ws.send(packet);
      await within(ws.closed, 2_000, 'WebSocket closed by the server');
    });
  });
});
