import { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isProtocolError, parseOpenPacketData } from '@switchback/protocol';
import { PollCrowding } from './poll-crowding.js';
import type { HeldPollHandle } from './poll-crowding.js';
import type { EngineSocket } from './session.js';
import { decode, nextServerRequest, pollUrl, rawGet, startServer, waitUntil } from './test-helpers.js';
import type { RawGet, TestServer } from './test-helpers.js';

function fakeRequest(headers: IncomingHttpHeaders): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

function recorder(): HeldPollHandle & { readonly cuts: number[] } {
  const cuts: number[] = [];
  return { cuts, crowd: null, shorten: (maxHold) => cuts.push(maxHold) };
}

describe('PollCrowding', () => {
  const crowding = (): PollCrowding => new PollCrowding({ threshold: 2, crowdedHold: 100, sessionCookie: 'io' });

  it('short-holds a GET once the fingerprint holds threshold GETs, and cuts the held ones', () => {
    const policy = crowding();
    const [a, b, c] = [recorder(), recorder(), recorder()];
    const headers = { 'user-agent': 'ua', cookie: 'app=1' };
    expect(policy.admit(fakeRequest(headers), a, 5000)).toBe(5000);
    expect(policy.admit(fakeRequest(headers), b, 5000)).toBe(5000);
    expect(policy.admit(fakeRequest(headers), c, 5000)).toBe(100);
    expect([a.cuts, b.cuts, c.cuts]).toEqual([[100], [100], []]);
    // Never longer than the full hold.
    expect(policy.admit(fakeRequest(headers), recorder(), 50)).toBe(50);
  });

  it('counts per fingerprint; the engine cookie does not split a browser, other cookies and addresses do', () => {
    const policy = crowding();
    const admit = (headers: IncomingHttpHeaders): number => policy.admit(fakeRequest(headers), recorder(), 5000);
    admit({ 'user-agent': 'ua', cookie: 'io=one; app=1' });
    admit({ 'user-agent': 'ua', cookie: 'app=1; io=two' });
    expect(admit({ 'user-agent': 'ua', cookie: 'app=2' })).toBe(5000);
    expect(admit({ 'user-agent': 'other', cookie: 'app=1' })).toBe(5000);
    expect(admit({ 'user-agent': 'ua', cookie: 'app=1', 'x-forwarded-for': '10.0.0.9' })).toBe(5000);
    expect(admit({ 'user-agent': 'ua', cookie: 'io=three; app=1' })).toBe(100);
  });

  it('cuts the held GETs once, when the group becomes crowded; later GETs get the short hold', () => {
    const policy = crowding();
    const headers = { 'user-agent': 'ua' };
    const [a, b, c, d] = [recorder(), recorder(), recorder(), recorder()];
    for (const handle of [a, b]) policy.admit(fakeRequest(headers), handle, 5000);
    expect(policy.admit(fakeRequest(headers), c, 5000)).toBe(100);
    expect(policy.admit(fakeRequest(headers), d, 5000)).toBe(100);
    // a and b were cut when c made the group crowded, not again for d; c and d were short already.
    expect([a.cuts, b.cuts, c.cuts, d.cuts]).toEqual([[100], [100], [], []]);
    // Below the threshold and back: the GETs held in between at full length are cut again.
    for (const handle of [b, c, d]) policy.release(handle);
    const e = recorder();
    expect(policy.admit(fakeRequest(headers), e, 5000)).toBe(5000);
    expect(policy.admit(fakeRequest(headers), recorder(), 5000)).toBe(100);
    expect(e.cuts).toEqual([100]);
  });

  it('does not count requests without a User-Agent (programs, not browsers)', () => {
    const policy = crowding();
    const handles = [recorder(), recorder(), recorder(), recorder()];
    for (const handle of handles) expect(policy.admit(fakeRequest({}), handle, 5000)).toBe(5000);
    expect(handles.map((h) => [h.cuts, h.crowd])).toEqual(handles.map(() => [[], null]));
    // A browser behind the same address is counted on its own.
    const ua = { 'user-agent': 'ua' };
    policy.admit(fakeRequest(ua), recorder(), 5000);
    policy.admit(fakeRequest(ua), recorder(), 5000);
    expect(policy.admit(fakeRequest(ua), recorder(), 5000)).toBe(100);
  });

  it('releases idempotently; a released GET no longer counts', () => {
    const policy = crowding();
    const headers = { 'user-agent': 'ua' };
    const first = recorder();
    policy.admit(fakeRequest(headers), first, 5000);
    policy.admit(fakeRequest(headers), recorder(), 5000);
    policy.release(first);
    policy.release(first);
    expect(first.crowd).toBeNull();
    expect(policy.admit(fakeRequest(headers), recorder(), 5000)).toBe(5000);
    expect(policy.admit(fakeRequest(headers), recorder(), 5000)).toBe(100);
  });
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FULL_HOLD = 1500;
const CROWDED_HOLD = 50;

interface Tab {
  readonly sid: string;
  readonly socket: EngineSocket;
  readonly headers: IncomingHttpHeaders;
  get(): RawGet;
}

/** A handshake carrying `headers`; its GETs carry them too, plus this session's own `io` cookie. */
async function openTab(s: TestServer, headers: IncomingHttpHeaders): Promise<Tab> {
  const answer = await rawGet(`${s.url}?EIO=4&transport=polling`, headers).answer;
  const [open] = decode(answer.body);
  const opened = parseOpenPacketData(String(open?.data));
  if (isProtocolError(opened)) throw opened;
  const { sid } = opened;
  const socket = s.engine.clients.get(sid);
  if (socket === undefined) throw new Error(`no session ${sid}`);
  const own = { ...headers, cookie: `${String(headers.cookie ?? '')}; io=${sid}` };
  return { sid, socket, headers: own, get: () => rawGet(pollUrl(s, sid), own) };
}

const browser = { 'user-agent': 'Chromium/1 tab-test', cookie: 'app=1' };
const otherBrowser = { 'user-agent': 'Firefox/1 tab-test', cookie: 'app=1' };

describe('crowded polling (six connections per host in a browser)', () => {
  it('answers the held GETs of a crowded client within crowdedPollHold, short-holds its new GET, not others', async () => {
    server = await startServer({
      pollHoldTimeout: FULL_HOLD,
      crowdedPollHold: CROWDED_HOLD,
      pingInterval: 60_000,
      pingTimeout: 60_000,
      cookie: true,
    });
    const s = server;
    const tabs = await Promise.all([0, 1, 2, 3, 4].map(() => openTab(s, browser)));
    const other = await openTab(s, otherBrowser);

    const heldOther = other.get();
    const held = tabs.slice(0, 4).map((tab) => tab.get());
    await waitUntil(() => [other, ...tabs.slice(0, 4)].every((tab) => tab.socket.transport.writable));

    const fifth = tabs[4];
    if (fifth === undefined) throw new Error('five tabs');
    const crowdedAt = Date.now();
    const answers = await Promise.all([...held, fifth.get()].map((get) => get.answer));
    const crowdedFor = Date.now() - crowdedAt;
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(decode(answer.body)).toEqual([{ type: 'noop' }]);
    }
    // Each answered by a cut timer (CROWDED_HOLD), far from the full hold.
    expect(crowdedFor).toBeLessThan(FULL_HOLD / 2);
    expect(crowdedFor).toBeGreaterThanOrEqual(CROWDED_HOLD - 5);

    // The other client keeps its full hold.
    expect(other.socket.transport.writable).toBe(true);
    const otherAnswer = await heldOther.answer;
    expect(decode(otherAnswer.body)).toEqual([{ type: 'noop' }]);
    expect(otherAnswer.elapsed).toBeGreaterThanOrEqual(FULL_HOLD - 50);
    for (const tab of [other, ...tabs]) expect(tab.socket.readyState).toBe('open');
  });

  it('uncounts every ended hold (answered, dropped, session closed): the client is not crowded afterwards', async () => {
    server = await startServer({
      pollHoldTimeout: FULL_HOLD,
      crowdedPollHold: CROWDED_HOLD,
      crowdedPollThreshold: 3,
      pingInterval: 60_000,
      pingTimeout: 60_000,
      cookie: true,
    });
    const s = server;
    const [answered, dropped, closed, last] = await Promise.all([0, 1, 2, 3].map(() => openTab(s, browser)));
    if (answered === undefined || dropped === undefined || closed === undefined || last === undefined) throw new Error('tabs');

    const answeredGet = answered.get();
    await waitUntil(() => answered.socket.transport.writable);
    const droppedSeen = nextServerRequest(s);
    const droppedGet = dropped.get();
    const { res: droppedRes } = await droppedSeen;
    closed.get();
    await waitUntil(() => [dropped, closed].every((tab) => tab.socket.transport.writable));

    answered.socket.send('hi');
    expect(decode((await answeredGet.answer).body)).toEqual([{ type: 'message', data: 'hi' }]);
    const droppedOnServer = new Promise((resolve) => droppedRes.once('close', resolve));
    droppedGet.request.destroy();
    await droppedOnServer;
    closed.socket.close(true);

    // Three were held (the threshold); none is any more, so a new GET gets the full hold.
    const lastAnswer = await last.get().answer;
    expect(decode(lastAnswer.body)).toEqual([{ type: 'noop' }]);
    expect(lastAnswer.elapsed).toBeGreaterThanOrEqual(FULL_HOLD - 50);
  });
});
