// Engine.IO v4 conformance, black box: raw HTTP and raw WebSocket frames against each target.
// Spec: socketio/engine.io-protocol README (v4). Where the reference server differs from the spec,
// the test follows the reference (deployed clients expect it) and quotes the spec.
import { describe, expect, it } from 'vitest';
import {
  ENGINE_PATH,
  nextEngineSocket,
  rawWebSocket,
  request,
  selectedTargets,
  until,
  waitFor,
  within,
  type OpenPacket,
  type Target,
} from './support.js';
import { useEngine } from './socketio-support.js';

const SEP = '\x1e';

describe.each(selectedTargets())('Engine.IO v4 — $name', (target: Target) => {
  const start = useEngine(target);

  describe('handshake', () => {
    it('over polling: open packet with sid, upgrades ["websocket"], pingInterval, pingTimeout, maxPayload', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const res = await request(http.url());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
      expect(res.body[0]).toBe('0');
      const open = JSON.parse(res.body.slice(1)) as Record<string, unknown>;
      expect(typeof open['sid']).toBe('string');
      expect((open['sid'] as string).length).toBeGreaterThan(0);
      expect(open['upgrades']).toEqual(['websocket']);
      expect(open['pingInterval']).toBe(25_000);
      expect(open['pingTimeout']).toBe(20_000);
      expect(open['maxPayload']).toBe(1_000_000);
      const socket = await connected;
      expect(socket.id).toBe(open['sid']);
      expect(socket.transport.name).toBe('polling');
    });

    it('reflects configured pingInterval / pingTimeout / maxHttpBufferSize', async () => {
      const { http } = await start({ pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 5_000 });
      const open = await http.open();
      expect({ i: open.pingInterval, t: open.pingTimeout, m: open.maxPayload }).toEqual({ i: 300, t: 200, m: 5_000 });
    });

    it('over websocket: first frame is the open packet with upgrades []', async () => {
      const { engine, url } = await start();
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      const frame = await ws.next();
      expect(typeof frame).toBe('string');
      expect(String(frame)[0]).toBe('0');
      const open = JSON.parse(String(frame).slice(1)) as OpenPacket;
      expect(open.upgrades).toEqual([]);
      expect(typeof open.sid).toBe('string');
      expect(typeof open.pingInterval).toBe('number');
      expect(typeof open.pingTimeout).toBe('number');
      expect(typeof open.maxPayload).toBe('number');
      expect((await connected).transport.name).toBe('websocket');
      ws.ws.close();
    });
  });

  describe('messages', () => {
    it('over polling, server to client: packets joined with \\x1e in one payload', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      socket.send('hello');
      socket.send('wörld');
      const res = await http.poll(sid);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
      expect(res.body).toBe(`4hello${SEP}4wörld`);
    });

    it('over polling, client to server: POST payload answered 200 "ok", messages in order', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const got: unknown[] = [];
      socket.on('message', (data: string) => got.push(data));
      const res = await http.push(sid, `4one${SEP}4twö${SEP}4{"x":1}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe('ok');
      await until(() => got.length === 3, 'three messages');
      expect(got).toEqual(['one', 'twö', '{"x":1}']);
    });

    it('over polling, a held GET is released by a server send', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const held = http.poll(sid);
      await until(() => socket.transport.writable, 'the GET is held by the server');
      socket.send('late');
      const res = await within(held, 2_000, 'held GET answered');
      expect(res.body).toBe('4late');
    });

    it('over websocket, both ways: one packet per text frame', async () => {
      const { engine, url } = await start();
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      const got = waitFor<[string]>(socket, 'message');
      ws.send('4from client');
      expect((await got)[0]).toBe('from client');
      socket.send('from server');
      expect(await ws.next()).toBe('4from server');
      ws.ws.close();
    });

    it('binary over polling: server Buffer -> "b"+base64; client "b"+base64 -> Buffer', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      socket.send(Buffer.from([1, 2, 3]));
      socket.send('text');
      expect((await http.poll(sid)).body).toBe(`bAQID${SEP}4text`);
      const got = waitFor<[unknown]>(socket, 'message');
      expect((await http.push(sid, 'bBAUG')).body).toBe('ok');
      const [data] = await got;
      expect(Buffer.isBuffer(data)).toBe(true);
      expect([...(data as Buffer)]).toEqual([4, 5, 6]);
    });

    it('binary over websocket: binary frames carry the raw bytes (no type prefix), both ways', async () => {
      const { engine, url } = await start();
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      socket.send(Buffer.from([1, 2, 3]));
      const frame = await ws.next();
      expect(Buffer.isBuffer(frame)).toBe(true);
      expect([...(frame as Buffer)]).toEqual([1, 2, 3]);
      const got = waitFor<[unknown]>(socket, 'message');
      ws.send(Buffer.from([9, 8]));
      const [data] = await got;
      expect(Buffer.isBuffer(data)).toBe(true);
      expect([...(data as Buffer)]).toEqual([9, 8]);
      ws.ws.close();
    });
  });

  describe('heartbeat', () => {
    it('over polling: server sends "2", client answers "3", the session stays open', async () => {
      // Three rounds take longer than pingInterval + pingTimeout: each pong must restart the timer.
      const { engine, http } = await start({ pingInterval: 100, pingTimeout: 150 });
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      let closed = false;
      socket.on('close', () => (closed = true));
      for (let i = 0; i < 3; i += 1) {
        expect((await within(http.poll(sid), 2_000, 'ping')).body).toBe('2');
        expect((await http.push(sid, '3')).body).toBe('ok');
      }
      expect(closed).toBe(false);
    });

    it('over polling: no pong -> session closed ("ping timeout") after pingInterval + pingTimeout', async () => {
      const { engine, http } = await start({ pingInterval: 100, pingTimeout: 100 });
      const connected = nextEngineSocket(engine);
      const t0 = Date.now();
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close', 3_000);
      expect((await http.poll(sid)).body).toBe('2');
      // A GET held while the pong is missing is answered by the close: the reference's clearTransport
      // closes (not discards) the polling transport, which writes a close packet to a held GET.
      const held = http.poll(sid);
      expect((await closed)[0]).toBe('ping timeout');
      expect.soft((await within(held, 2_000, 'held GET released')).body).toBe('1');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
      const after = await http.poll(sid);
      expect(after.status).toBe(400);
      expect(JSON.parse(after.body)).toEqual({ code: 1, message: 'Session ID unknown' });
    });

    it('over websocket: "2" answered by "3" keeps the session; no pong closes the WebSocket', async () => {
      const { engine, url } = await start({ pingInterval: 100, pingTimeout: 100 });
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      expect(await ws.next(2_000)).toBe('2');
      ws.send('3');
      expect(await ws.next(2_000)).toBe('2');
      const reason = waitFor<[string]>(socket, 'close', 3_000);
      expect((await reason)[0]).toBe('ping timeout');
      await within(ws.closed, 2_000, 'WebSocket closed after ping timeout');
    });
  });

  describe('session basics', () => {
    it('every handshake gets a distinct sid; no cookie unless configured', async () => {
      const { http } = await start();
      const a = await request(http.url());
      const b = await request(http.url());
      expect(a.headers.get('set-cookie')).toBeNull();
      const sidA = (JSON.parse(a.body.slice(1)) as OpenPacket).sid;
      const sidB = (JSON.parse(b.body.slice(1)) as OpenPacket).sid;
      expect(sidA).not.toBe(sidB);
    });

    // Spec v4: "the server sends a ping packet ... the client answers with a pong". The reference
    // treats a client-sent ping as an error ("invalid heartbeat direction") and closes the session.
    it('a ping "2" from the client closes the session (heartbeat runs server -> client in v4)', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      const held = http.poll(sid);
      await until(() => socket.transport.writable, 'the GET is held');
      await http.push(sid, '2');
      expect((await closed)[0]).toBe('transport error');
      expect.soft((await within(held, 2_000, 'held GET released')).body).toBe('1');
      expect((await http.poll(sid)).status).toBe(400);
    });

    it('an undecodable polling payload closes the session with "parse error"', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      const held = http.poll(sid);
      await until(() => socket.transport.writable, 'the GET is held');
      await http.push(sid, 'Z-not-a-packet');
      expect((await closed)[0]).toBe('parse error');
      expect.soft((await within(held, 2_000, 'held GET released')).body).toBe('1');
      expect((await http.poll(sid)).status).toBe(400);
    });

    it('an undecodable WebSocket frame closes the session with "parse error"', async () => {
      const { engine, url } = await start();
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      ws.send('Z-not-a-packet');
      expect((await closed)[0]).toBe('parse error');
      await within(ws.closed, 2_000, 'WebSocket closed');
    });
  });

  describe('close from server', () => {
    it('over polling: socket.close() answers the held GET with "1" ("forced close")', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      const held = http.poll(sid);
      await until(() => socket.transport.writable, 'the GET is held');
      socket.close();
      expect((await within(held, 2_000, 'held GET released')).body).toBe('1');
      expect((await closed)[0]).toBe('forced close');
      expect((await http.poll(sid)).status).toBe(400);
    });

    it('over polling: packets queued before socket.close() are flushed before the "1"', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      socket.send('last words');
      socket.close();
      // The reference answers "4last words", then "6\x1e1" on the next GET; one "4last words\x1e1" is
      // equally valid: the packets, noops aside, must be the message then the close.
      const packets: string[] = [];
      for (let i = 0; i < 3 && !packets.includes('1'); i += 1) {
        const res = await http.poll(sid);
        expect(res.status).toBe(200);
        packets.push(...res.body.split(SEP));
      }
      expect(packets.filter((p) => p !== '6')).toEqual(['4last words', '1']);
    });

    it('over websocket: socket.close() closes the WebSocket ("forced close")', async () => {
      const { engine, url } = await start();
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      socket.close();
      expect((await closed)[0]).toBe('forced close');
      await within(ws.closed, 2_000, 'WebSocket closed by the server');
    });
  });

  describe('close from client', () => {
    it('over polling: POST "1" closes the session ("transport close"); later requests get 400 code 1', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      expect((await http.push(sid, '1')).body).toBe('ok');
      expect((await closed)[0]).toBe('transport close');
      const after = await http.poll(sid);
      expect(after.status).toBe(400);
      expect(JSON.parse(after.body)).toEqual({ code: 1, message: 'Session ID unknown' });
      await until(() => engine.clientsCount === 0, 'clientsCount back to 0');
    });

    // Spec: close "used to indicate that a transport can be closed". The reference acts on a "1" only
    // over polling (transports/polling.ts onData); over WebSocket it ignores the frame and the session
    // ends with the WebSocket close (engine.io-client just closes the WebSocket).
    it('over websocket: "1" + close frame ends the session ("transport close")', async () => {
      const { engine, url } = await start();
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      ws.send('1');
      ws.ws.close();
      expect((await closed)[0]).toBe('transport close');
      await within(ws.closed, 2_000, 'WebSocket closed');
      expect(engine.clientsCount).toBe(0);
    });
  });

});
