import { describe, expect, it } from 'vitest';
import { url } from './url.js';

const page = { protocol: 'https:', host: 'app.example:8443', port: '8443' };

describe('url', () => {
  it('parses the namespace, the engine origin and the Manager id', () => {
    const p = url('ws://localhost:3000/admin?token=a%20b', '/socket.io', undefined);
    expect(p).toMatchObject({
      protocol: 'ws',
      host: 'localhost',
      port: '3000',
      path: '/admin',
      origin: 'http://localhost:3000',
      id: 'ws://localhost:3000/socket.io',
      query: { token: 'a b' },
    });
  });

  it('gives default ports so localhost and localhost:80 share an id', () => {
    expect(url('http://localhost', '/socket.io', undefined).id).toBe(url('http://localhost:80/', '/socket.io', undefined).id);
    expect(url('wss://h.example', '', undefined)).toMatchObject({ port: '443', origin: 'https://h.example:443', path: '/' });
  });

  it('resolves against the page location', () => {
    expect(url(undefined, '/socket.io', page)).toMatchObject({ origin: 'https://app.example:8443', path: '/' });
    expect(url('/chat', '', page)).toMatchObject({ host: 'app.example', path: '/chat' });
    expect(url('//other.example/x', '', page)).toMatchObject({ protocol: 'https', host: 'other.example', path: '/x' });
    expect(url('other.example:81', '', page).origin).toBe('https://other.example:81');
    expect(url('other.example', '', undefined).protocol).toBe('https');
  });

  it('keeps IPv6 hosts in brackets', () => {
    expect(url('http://[::1]:3000', '/socket.io', undefined).origin).toBe('http://[::1]:3000');
  });

  it('throws a clear error when no URL is given outside a page', () => {
    expect(() => url(undefined, '', undefined)).toThrow(/URL is required/);
  });
});
