import { describe, expect, it, vi } from 'vitest';
import { fakeEngines } from './fake-engine.test-support.js';
import defaultIo, { Manager, Socket, connect, io, protocol } from './index.js';

let port = 4000;
const base = (): string => `http://127.0.0.1:${port++}`;

describe('io()', () => {
  it('exports the socket.io-client names', () => {
    expect(defaultIo).toBe(io);
    expect(connect).toBe(io);
    expect(protocol).toBe(5);
    expect(io(base(), { autoConnect: false })).toBeInstanceOf(Socket);
  });

  it('shares one Manager per server and takes the namespace from the path', () => {
    const { createEngine, engines } = fakeEngines();
    const url = base();
    const root = io(url, { createEngine });
    const admin = io(`${url}/admin`, { createEngine });
    expect(admin.io).toBe(root.io);
    expect(root.io).toBeInstanceOf(Manager);
    expect(engines).toHaveLength(1);
    expect(engines[0]?.uri).toBe(url);
    engines[0]?.open();
    expect(engines[0]?.sent.map((p) => p.nsp)).toEqual(['/', '/admin']);
  });

  it('opens a new connection for forceNew, multiplex: false, or a namespace already in use', () => {
    const { createEngine } = fakeEngines();
    const url = base();
    const first = io(url, { createEngine });
    expect(io(url, { createEngine, forceNew: true }).io).not.toBe(first.io);
    expect(io(url, { createEngine, multiplex: false }).io).not.toBe(first.io);
    expect(io(url, { createEngine }).io).not.toBe(first.io);
    expect(io(`${url}/other`, { createEngine }).io).toBe(first.io);
  });

  it('treats ws:// like http:// for the engine and passes the URL query', () => {
    const { createEngine, last } = fakeEngines();
    io('ws://127.0.0.1:5999/chat?room=a', { createEngine });
    expect(last().uri).toBe('http://127.0.0.1:5999');
    expect(last().opts.query).toEqual({ room: 'a' });
    io('ws://127.0.0.1:5998/?room=a', { createEngine, query: { room: 'b' } });
    expect(last().opts.query).toEqual({ room: 'b' });
  });

  it('accepts options only, with a custom path in the cache key', () => {
    vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:5997', port: '5997' });
    try {
      const { createEngine, last } = fakeEngines();
      const a = io({ createEngine, path: '/rt' });
      expect(last().uri).toBe('http://127.0.0.1:5997');
      expect(last().opts.path).toBe('/rt');
      expect(io({ createEngine }).io).not.toBe(a.io);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
