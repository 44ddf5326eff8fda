import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { EngineServerOptions } from './server.js';
import type { OutgoingPacket } from './transport.js';
import { decode, handshake, nextConnection, pollUrl, push, useTestServers } from './test-helpers.js';
import type { TestServer } from './test-helpers.js';

const { started } = useTestServers();

interface RawBodyAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as it came over the wire (still encoded). */
  readonly raw: Buffer;
}

/** A GET whose body is not decoded for us (fetch would undo the Content-Encoding). */
function rawPoll(url: string, headers: Record<string, string> = {}): Promise<RawBodyAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }));
    });
    req.end();
  });
}

const LARGE = 'x'.repeat(5000);

async function session(options: EngineServerOptions = {}): Promise<{ server: TestServer; sid: string; socket: import('./session.js').EngineSocket }> {
  const server = await started(options);
  const connected = nextConnection(server);
  const { sid } = await handshake(server);
  return { server, sid, socket: await connected };
}

describe('httpCompression of polling answers', () => {
  it('gzips a large answer when the GET accepts gzip', async () => {
    const { server, sid, socket } = await session();
    socket.send(LARGE);
    const answer = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip, deflate' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.headers['vary']).toBe('Accept-Encoding');
    expect(Number(answer.headers['content-length'])).toBe(answer.raw.length);
    expect(answer.raw.length).toBeLessThan(LARGE.length);
    expect(decode(gunzipSync(answer.raw).toString('utf8'))).toEqual([{ type: 'message', data: LARGE }]);
  });

  it('deflates when only deflate is accepted', async () => {
    const { server, sid, socket } = await session();
    socket.send(LARGE);
    const answer = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'deflate' });
    expect(answer.headers['content-encoding']).toBe('deflate');
    expect(decode(inflateSync(answer.raw).toString('utf8'))).toEqual([{ type: 'message', data: LARGE }]);
  });

  it('releases send callbacks and drain only once the compressed body is written', async () => {
    const { server, sid, socket } = await session();
    const events: string[] = [];
    socket.send(LARGE, () => events.push('sent'));
    const answered = rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip' });
    await new Promise<void>((resolve) => socket.once('drain', () => resolve()));
    // The session's own drain comes at flush time; the callback waits for the transport's.
    const answer = await answered;
    expect(events).toEqual(['sent']);
    expect(decode(gunzipSync(answer.raw).toString('utf8'))).toEqual([{ type: 'message', data: LARGE }]);
  });

  it('leaves answers alone below the threshold, without Accept-Encoding, when off, and for compress:false', async () => {
    const cases: Array<{ options: EngineServerOptions; headers: Record<string, string>; data: string; compress: boolean }> = [
      // Two packets of 500: a body of 1003 bytes.
      { options: {}, headers: { 'Accept-Encoding': 'gzip' }, data: 'x'.repeat(500), compress: true },
      { options: {}, headers: {}, data: LARGE, compress: true },
      { options: {}, headers: { 'Accept-Encoding': 'identity' }, data: LARGE, compress: true },
      { options: { httpCompression: false }, headers: { 'Accept-Encoding': 'gzip' }, data: LARGE, compress: true },
      { options: { httpCompression: { threshold: 20_000 } }, headers: { 'Accept-Encoding': 'gzip' }, data: LARGE, compress: true },
      { options: {}, headers: { 'Accept-Encoding': 'gzip' }, data: LARGE, compress: false },
    ];
    for (const { options, headers, data, compress } of cases) {
      const { server, sid, socket } = await session(options);
      socket.send(data, { compress });
      socket.send(data, { compress });
      const answer = await rawPoll(pollUrl(server, sid), headers);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding'], JSON.stringify({ options, headers, compress })).toBeUndefined();
      expect(decode(answer.raw.toString('utf8'))).toEqual([
        { type: 'message', data },
        { type: 'message', data },
      ]);
      await server.close();
    }
  });

  it('compresses a batch when one of its packets allows it', async () => {
    const { server, sid, socket } = await session();
    socket.send(LARGE, { compress: false });
    socket.send('small');
    const answer = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip' });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(decode(gunzipSync(answer.raw).toString('utf8'))).toEqual([
      { type: 'message', data: LARGE },
      { type: 'message', data: 'small' },
    ]);
  });

  it('answers a compression failure 500 and keeps the session and its later packets', async () => {
    const { server, sid, socket } = await session({ httpCompression: { level: 42 } });
    const errors: Error[] = [];
    socket.on('error', (err) => errors.push(err));
    const sent: string[] = [];
    socket.send(LARGE, () => sent.push('large'));
    const failed = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip' });
    expect(failed.status).toBe(500);
    expect(failed.raw.length).toBe(0);
    // As engine.io: the batch counts as sent (its callbacks run), the session goes on.
    expect(sent).toEqual(['large']);
    socket.send('after');
    const next = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip' });
    expect(next.status).toBe(200);
    expect(decode(next.raw.toString('utf8'))).toEqual([{ type: 'message', data: 'after' }]);
    expect(socket.readyState).toBe('open');
    expect(errors).toEqual([]);
  });

  it('still sends the close packet of a graceful close with a compressed answer', async () => {
    const { server, sid, socket } = await session();
    socket.send(LARGE);
    const closed = new Promise<string>((resolve) => socket.once('close', (reason) => resolve(reason)));
    socket.close();
    // The buffered message goes out first (compressed), then the close packet.
    const answer = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip' });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(decode(gunzipSync(answer.raw).toString('utf8'))).toEqual([{ type: 'message', data: LARGE }]);
    const last = await rawPoll(pollUrl(server, sid), { 'Accept-Encoding': 'gzip' });
    expect(decode(last.raw.toString('utf8')).map((packet) => packet.type)).toContain('close');
    expect(await closed).toBe('forced close');
  });

  it('never compresses the POST answer', async () => {
    const { server, sid } = await session();
    const answer = await push(server, sid, `4${LARGE}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-encoding')).toBeNull();
    expect(answer.body).toBe('ok');
  });
});

describe('packet options', () => {
  it('carries compress on every packet as engine.io (packetCreate), shared objects', async () => {
    const { socket } = await session();
    const created: OutgoingPacket[] = [];
    socket.on('packetCreate', (packet) => created.push(packet));
    socket.send('a');
    socket.send('b', { compress: false });
    socket.send('c', { compress: true });
    socket.send('d', () => {});
    expect(created.map((packet) => packet.options?.compress)).toEqual([true, false, true, true]);
    expect(created[0]?.options).toBe(created[2]?.options);
    expect(Object.isFrozen(created[1]?.options)).toBe(true);
  });
});
