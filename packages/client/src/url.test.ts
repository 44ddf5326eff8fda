import { describe, expect, it } from 'vitest';
import { url } from './url.js';

const page = { protocol: 'https:', host: 'app.example:8443', port: '8443' };

describe('url', () => {
  it('parses the namespace, the engine origin and the Manager id', () => {
    const p = url('ws://localhost:3000/admin?token=a%20b&x=1', '/socket.io', undefined);
    expect(p).toEqual({
      protocol: 'ws',
      host: 'localhost',
      port: '3000',
      path: '/admin',
      origin: 'http://localhost:3000',
      id: 'ws://localhost:3000/socket.io',
      query: { token: 'a b', x: '1' },
    });
    expect(url('http://localhost/?', '', undefined).query).toBeUndefined();
    expect(url('HTTPS://User:pw@Host.Example:8/a#frag', '', undefined)).toMatchObject({
      origin: 'https://host.example:8',
      path: '/a',
      query: undefined,
    });
  });

  it('gives default ports so localhost and localhost:80 share an id', () => {
    expect(url('http://localhost', '/socket.io', undefined).id).toBe(url('http://localhost:80/', '/socket.io', undefined).id);
    expect(url('wss://h.example', '', undefined)).toMatchObject({ origin: 'https://h.example:443', path: '/' });
  });

  it('resolves against the page location', () => {
    expect(url(undefined, '/socket.io', page)).toMatchObject({ origin: 'https://app.example:8443', path: '/' });
    expect(url('/chat', '', page)).toMatchObject({ origin: 'https://app.example:8443', path: '/chat' });
    expect(url('//other.example/x', '', page)).toMatchObject({ id: 'https://other.example:443', path: '/x' });
    expect(url('other.example:81', '', page).origin).toBe('https://other.example:81');
    expect(url('other.example', '', undefined).id).toBe('https://other.example:443');
    expect(url('localhost:3000/ns', '', { protocol: 'http:', host: 'a' })).toMatchObject({ origin: 'http://localhost:3000', path: '/ns' });
    // A '://' in the query is no scheme.
    expect(url('h.example?next=http://x', '', undefined)).toMatchObject({ origin: 'https://h.example:443', query: { next: 'http://x' } });
    expect(url('//other.example', '', { protocol: 'http:', host: 'a' }).origin).toBe('http://other.example:80');
  });

  it('keeps IPv6 hosts in brackets', () => {
    expect(url('http://[::1]:3000', '/socket.io', undefined).origin).toBe('http://[::1]:3000');
    expect(url('http://[::1]/x', '', undefined)).toMatchObject({ origin: 'http://[::1]:80', path: '/x' });
  });

  it("gives socket.io-client's protocol, host (IPv6 without brackets) and port", () => {
    expect(url('http://[::1]', '', undefined)).toMatchObject({ protocol: 'http', host: '::1', port: '80', id: 'http://[::1]:80' });
    expect(url(undefined, '', { protocol: 'http:', host: '[::1]:' })).toMatchObject({ host: '::1', port: '80' });
    expect(url('/test', '', page)).toMatchObject({ protocol: 'https', host: 'app.example', port: '8443' });
    expect(url('//localhost:3000', '', { protocol: 'http:', host: 'a' })).toMatchObject({ protocol: 'http', host: 'localhost', port: '3000' });
  });

  it('throws a clear error when no URL is given outside a page', () => {
    expect(() => url(undefined, '', undefined)).toThrow(/URL is required/);
    expect(() => url('/chat', '', undefined)).toThrow(/URL is required/);
  });
});
