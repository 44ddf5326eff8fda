import { describe, expect, it } from 'vitest';
import { EngineRequestError } from './errors.js';
import { randomId, resolveId } from './session-id.js';
import { RawWebSocket, nextConnection, useTestServers, wsUrl } from './test-helpers.js';

const { started } = useTestServers();

describe('randomId', () => {
  it('gives base64url ids of the asked size, all distinct across pool refills', () => {
    // 16-byte ids: 256 per 4 KB pool, so 1,000 of them span several refills.
    const ids = Array.from({ length: 1000 }, () => randomId(16));
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomId(15)).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });
});

describe('resolveId', () => {
  it('checks a plain value at once, a promise once it settles', async () => {
    expect(resolveId(() => 'plain')).toBe('plain');
    expect(resolveId(() => '')).toBeInstanceOf(EngineRequestError);
    expect(
      resolveId(() => {
        throw new Error('nope');
      }),
    ).toBeInstanceOf(EngineRequestError);
    const later = resolveId(() => Promise.resolve('later'));
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe('later');
    const refused = await resolveId(() => Promise.reject(new Error('nope')));
    expect(refused).toBeInstanceOf(EngineRequestError);
    expect((refused as EngineRequestError).context).toMatchObject({ name: 'ID_GENERATION_ERROR' });
  });
});

describe('WebSocket handshake through asynchronous checks', () => {
  it('waits for an async middleware, allowRequest and generateId, then answers with their results', async () => {
    const server = await started({ allowRequest: (_req, fn) => setImmediate(() => fn(null, true)) });
    server.engine.use((_req, res, next) => {
      res.setHeader('X-Checked', 'later');
      setImmediate(() => next());
    });
    server.engine.generateId = () => new Promise((resolve) => setImmediate(() => resolve('async-id')));
    const connected = nextConnection(server);
    const ws = new RawWebSocket(wsUrl(server, 'EIO=4&transport=websocket'));
    const headers = await new Promise<Record<string, unknown>>((resolve) => ws.ws.once('upgrade', (res) => resolve(res.headers)));
    expect(headers['x-checked']).toBe('later');
    expect(JSON.parse(String(await ws.next()).slice(1))).toMatchObject({ sid: 'async-id' });
    expect((await connected).id).toBe('async-id');
  });
});
