// Engine.IO v4 conformance, black box: upgrade, error answers and CORS, against each target.
// Spec: socketio/engine.io-protocol README (v4). Where the reference server differs from the spec,
// the test follows the reference (deployed clients expect it) and quotes the spec.
import { describe, expect, it } from 'vitest';
import {
  ENGINE_PATH,
  nextEngineSocket,
  rawPost,
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

  describe('upgrade', () => {
    it('2probe -> 3probe, pending GET answered with "6", "5" completes; polling for that sid then gets 400', async () => {
      const { engine, http, url } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const held = http.poll(sid);
      await until(() => socket.transport.writable, 'the GET is held by the server');
      const upgraded = waitFor<[{ name: string }]>(socket, 'upgrade');
      const ws = await rawWebSocket(url, ENGINE_PATH, { sid });
      ws.send('2probe');
      expect(await ws.next()).toBe('3probe');
      // spec: "the server ... closes the polling transport with a noop packet"
      expect((await within(held, 2_000, 'held GET answered with noop')).body).toBe('6');
      ws.send('5');
      expect((await upgraded)[0].name).toBe('websocket');
      expect(socket.transport.name).toBe('websocket');
      const after = await http.poll(sid);
      expect(after.status).toBe(400);
      expect(JSON.parse(after.body)).toEqual({ code: 3, message: 'Bad request' });
      const post = await http.push(sid, '4late');
      expect(post.status).toBe(400);
      socket.send('via ws');
      expect(await ws.next()).toBe('4via ws');
      const got = waitFor<[string]>(socket, 'message');
      ws.send('4up');
      expect((await got)[0]).toBe('up');
      ws.ws.close();
    });

    it('packets sent by the server during the upgrade arrive over the WebSocket after "5", none lost', async () => {
      const { engine, http, url } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const upgraded = waitFor(socket, 'upgrade');
      const ws = await rawWebSocket(url, ENGINE_PATH, { sid });
      ws.send('2probe');
      expect(await ws.next()).toBe('3probe');
      socket.send('during upgrade');
      ws.send('5');
      await upgraded;
      socket.send('after upgrade');
      expect(await ws.next()).toBe('4during upgrade');
      expect(await ws.next()).toBe('4after upgrade');
      ws.ws.close();
    });

    it('no "5" within upgradeTimeout: the probe WebSocket is closed, polling goes on', async () => {
      const { engine, http, url } = await start({ upgradeTimeout: 150 });
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const ws = await rawWebSocket(url, ENGINE_PATH, { sid });
      ws.send('2probe');
      expect(await ws.next()).toBe('3probe');
      await within(ws.closed, 2_000, 'probe WebSocket closed after upgradeTimeout');
      expect(socket.transport.name).toBe('polling');
      socket.send('still polling');
      const res = await http.poll(sid);
      expect(res.status).toBe(200);
      expect(res.body.split(SEP).filter((p) => p !== '6')).toEqual(['4still polling']);
    });

    it('a WebSocket upgrade with an unknown sid is refused with HTTP 400', async () => {
      const { url } = await start();
      await expect(rawWebSocket(url, ENGINE_PATH, { sid: 'no-such-session' })).rejects.toThrow(/400/);
    });

    // The reference completes the WebSocket upgrade first and then writes an HTTP 400 onto the socket
    // (server.ts abortUpgrade), so a client sees the connection drop without an open packet. A 400
    // before the upgrade is equally acceptable.
    it('a WebSocket handshake with EIO=3 gets no session (400 or a dropped connection, no open packet)', async () => {
      const { engine, url } = await start();
      const ws = await rawWebSocket(url, ENGINE_PATH, { EIO: '3' }).catch((err: unknown) => {
        expect(String(err)).toMatch(/400/);
        return undefined;
      });
      if (ws) {
        const first = await Promise.race([ws.closed.then(() => 'closed'), ws.next(2_000).then((f) => String(f))]);
        expect(first).toBe('closed');
      }
      expect(engine.clientsCount).toBe(0);
    });

    it('a websocket session cannot be continued over polling (400 code 3)', async () => {
      const { url, http } = await start();
      const ws = await rawWebSocket(url, ENGINE_PATH);
      const open = JSON.parse(String(await ws.next()).slice(1)) as OpenPacket;
      const res = await http.poll(open.sid);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ code: 3, message: 'Bad request' });
      ws.ws.close();
    });
  });

  describe('errors', () => {
    const cases: Array<{ label: string; query: Record<string, string>; method: string; code: number; message: string }> = [
      { label: 'unknown transport: code 0', query: { transport: 'carrier-pigeon' }, method: 'GET', code: 0, message: 'Transport unknown' },
      { label: 'unknown sid: code 1', query: { sid: 'no-such-session' }, method: 'GET', code: 1, message: 'Session ID unknown' },
      { label: 'handshake with POST: code 2', query: {}, method: 'POST', code: 2, message: 'Bad handshake method' },
      { label: 'websocket transport without upgrade: code 3', query: { transport: 'websocket' }, method: 'GET', code: 3, message: 'Bad request' },
      { label: 'EIO=3: code 5', query: { EIO: '3' }, method: 'GET', code: 5, message: 'Unsupported protocol version' },
    ];
    it.each(cases)('400 for $label', async ({ query, method, code, message }) => {
      const { http } = await start();
      const res = await request(http.url(query), method === 'POST' ? { method, body: '4x' } : {});
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual({ code, message });
    });

    it('missing EIO -> 400 code 5 (treated as v3, which is not allowed)', async () => {
      const { url } = await start();
      const res = await request(`${url}${ENGINE_PATH}?transport=polling`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ code: 5, message: 'Unsupported protocol version' });
    });

    it('overlapping GET: the second GET gets 400, the held one gets a close packet, the session ends', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      const first = http.poll(sid);
      await until(() => socket.transport.writable, 'the first GET is held');
      const second = await http.poll(sid);
      expect.soft(second.status).toBe(400);
      // The reference: the overlap is a transport error; closing the transport answers the held GET
      // with a close packet (transports/polling.ts doClose while writable).
      expect.soft((await within(first, 2_000, 'held GET released')).body).toBe('1');
      expect.soft((await closed)[0]).toBe('transport error');
      expect.soft((await http.poll(sid)).status).toBe(400);
    });

    it('POST larger than maxHttpBufferSize -> 413 and the session is closed', async () => {
      const { engine, http } = await start({ maxHttpBufferSize: 100 });
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      const res = await rawPost(http.url({ sid }), `4${'x'.repeat(500)}`);
      expect(res.status).toBe(413);
      expect((await closed)[0]).toBe('transport error');
    });

    it('a WebSocket frame larger than maxHttpBufferSize closes the WebSocket (1009) and the session', async () => {
      const { engine, url } = await start({ maxHttpBufferSize: 100 });
      const connected = nextEngineSocket(engine);
      const ws = await rawWebSocket(url, ENGINE_PATH);
      await ws.next();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      ws.send(`4${'x'.repeat(500)}`);
      expect(await within(ws.closed, 2_000, 'WebSocket closed')).toBe(1009);
      expect(typeof (await closed)[0]).toBe('string');
    });

    // v4 polling payloads are text; the reference refuses application/octet-stream bodies.
    it('a POST with content-type application/octet-stream -> 400 and the session is closed', async () => {
      const { engine, http } = await start();
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const closed = waitFor<[string]>(socket, 'close');
      const res = await request(http.url({ sid }), {
        method: 'POST',
        body: new Uint8Array([4, 1, 2]),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.status).toBe(400);
      expect((await closed)[0]).toBe('transport error');
    });

    it('a POST of exactly maxHttpBufferSize bytes is accepted', async () => {
      const { engine, http } = await start({ maxHttpBufferSize: 100 });
      const connected = nextEngineSocket(engine);
      const { sid } = await http.open();
      const socket = await connected;
      const got = waitFor<[string]>(socket, 'message');
      expect((await http.push(sid, `4${'y'.repeat(99)}`)).body).toBe('ok');
      expect((await got)[0]).toHaveLength(99);
    });
  });

  describe('CORS', () => {
    it('no Access-Control-* headers unless configured', async () => {
      const { http } = await start();
      const res = await request(http.url(), { headers: { origin: 'http://example.com' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('configured origin: allow-origin on responses, preflight answered 204', async () => {
      const { http } = await start({ cors: { origin: 'http://example.com', credentials: true } });
      const res = await request(http.url(), { headers: { origin: 'http://example.com' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://example.com');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      const pre = await request(http.url(), {
        method: 'OPTIONS',
        headers: { origin: 'http://example.com', 'access-control-request-method': 'POST' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://example.com');
      expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    });
  });
});
