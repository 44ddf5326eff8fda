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

  it('addTrailingSlash: false leaves the path without its trailing slash', () => {
    expect(resolveEndpoint('http://h:3000', { addTrailingSlash: false }).url).toBe('http://h:3000/engine.io');
    expect(resolveEndpoint('http://h:3000', { path: '/socket.io/', addTrailingSlash: false }).url).toBe('http://h:3000/socket.io');
    expect(resolveEndpoint('http://h:3000', { path: '/socket.io', addTrailingSlash: true }).url).toBe('http://h:3000/socket.io/');
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

describe('hostname, port and secure (engine.io-client fields)', () => {
  it.each([
    ['http://localhost', {}, 'localhost', '80', false],
    ['wss://localhost:2020', {}, 'localhost', '2020', true],
    ['http://[::1]:8080', {}, '::1', '8080', false],
    [undefined, { host: '[::1]', secure: true }, '::1', '443', true],
    [undefined, { host: '::1', port: 8080 }, '::1', '8080', false],
  ] as const)('%s %o', (uri, opts, hostname, port, secure) => {
    expect(resolveEndpoint(uri, opts)).toMatchObject({ hostname, port, secure });
  });

  it('another host named in the options does not take the page port', () => {
    vi.stubGlobal('location', { hostname: 'localhost', port: 3000 });
    expect(resolveEndpoint(undefined, { host: 'other' })).toMatchObject({ hostname: 'other', port: '80' });
    expect(resolveEndpoint(undefined, {})).toMatchObject({ hostname: 'localhost', port: '3000' });
  });
});
