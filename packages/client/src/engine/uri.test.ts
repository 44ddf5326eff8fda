import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveEndpoint } from './uri.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('resolveEndpoint', () => {
  it('without a page, a missing or relative uri resolves against http://localhost', () => {
    expect(resolveEndpoint(undefined, {}).url).toBe('http://localhost/engine.io/');
    expect(resolveEndpoint('/x', { path: '/socket.io' }).url).toBe('http://localhost/socket.io/');
  });

  it("resolves against the page's location", () => {
    vi.stubGlobal('location', { href: 'https://app.example:8443/chat/room?tab=1', protocol: 'https:', hostname: 'app.example', port: '8443' });
    const endpoint = resolveEndpoint(undefined, {});
    expect(endpoint.url).toBe('https://app.example:8443/engine.io/');
    // The page's own query is not the connection's.
    expect(endpoint.query).toBe('EIO=4');
  });

  it('a location with only hostname and port (no href) counts, as for engine.io-client', () => {
    vi.stubGlobal('location', { hostname: 'localhost', port: 3000 });
    expect(resolveEndpoint(undefined, {}).url).toBe('http://localhost:3000/engine.io/');
    vi.stubGlobal('location', { protocol: 'https:', hostname: 'secure.example' });
    expect(resolveEndpoint(undefined, {}).url).toBe('https://secure.example/engine.io/');
  });

  it('hostname, port and secure options override the location', () => {
    vi.stubGlobal('location', { hostname: 'localhost', port: 3000 });
    expect(resolveEndpoint(undefined, { hostname: 'other', port: 81, secure: true }).url).toBe('https://other:81/engine.io/');
  });
});
