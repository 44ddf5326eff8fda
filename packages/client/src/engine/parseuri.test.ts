// Our parse() against engine.io-client's own, URI by URI.
import { parse as reference } from 'engine.io-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from './index.js';

const uris = [
  'http://google.com',
  'https://www.google.com:80',
  'http://www.google.com:8080/foo/bar?q=1&w=2#top',
  'ws://localhost:3000',
  'wss://example.com/socket.io/?EIO=4&transport=websocket',
  'http://user:pass@host.com:8080/p/a/t/h?query=string#hash',
  'http://user@host.com/',
  'localhost:8080',
  'localhost',
  '/foo/bar',
  '/',
  '',
  '//example.com/chat',
  'http://[::1]:3000/engine.io/',
  'https://[2001:db8::7]/c=GB?objectClass?one',
  'http://[fe80::1%25eth0]',
  'http://example.com/index.html',
  'http://example.com/a/b.min.js?v=1',
  'http://example.com/dir.v2/sub',
  'http://example.com//double///slashes/',
  'http://example.com/?a=1&&b&=c&d=',
  'http://example.com/#frag?not-query',
  'http://example.com/path?#',
  'ftp://example.com/file.txt',
  'example.com/chat?x=y',
  // Bare IPv6 hosts: eight groups at most, a ninth is the port.
  '2001:0db8:85a3:0042:1000:8a2e:0370:7334',
  '2001:db8:85a3:42:1000:8a2e:370:7334:80',
  '2001::7334:a:80',
  'http://[2001::7334:a]:80/foo/bar?foo=bar',
  'ws://fe80::1/x',
];

describe("parse (engine.io-client's parseuri)", () => {
  it.each(uris)('%s: as engine.io-client parses it', (uri) => {
    expect(parse(uri)).toEqual(reference(uri));
  });

  it('agrees with engine.io-client on URIs built from schemes, user info, hosts, ports, paths, queries and anchors', () => {
    const segment = fc.constantFrom('a', 'chat', 'b.c', 'x.min.js', 'engine.io', 'v1.2', '', '..', '.hidden');
    const uri = fc
      .record({
        // Not '//' here: before a bracketed host, engine.io-client leaks its ';' stand-ins into the path.
        scheme: fc.constantFrom('http://', 'https://', 'ws://', 'wss://', ''),
        user: fc.constantFrom('', 'u@', 'u:p@', ':p@'),
        host: fc.constantFrom('localhost', 'example.com', '127.0.0.1', '[::1]', '[2001:db8::7]', ''),
        port: fc.constantFrom('', ':80', ':3000', ':'),
        path: fc.array(segment, { maxLength: 4 }).map((names) => (names.length ? `/${names.join('/')}` : '')),
        slash: fc.constantFrom('', '/'),
        query: fc.constantFrom('', '?', '?a=1', '?a=1&b=2', '?a&=1&b='),
        hash: fc.constantFrom('', '#', '#top', '#a?b'),
      })
      .map((r) => r.scheme + r.user + r.host + r.port + r.path + r.slash + r.query + r.hash);
    fc.assert(
      fc.property(uri, (u) => {
        expect(parse(u)).toEqual(reference(u));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a URI longer than 8,000 characters with the same string', () => {
    const long = `http://example.com/${'a'.repeat(8000)}`;
    expect(() => reference(long)).toThrow('URI too long');
    expect(() => parse(long)).toThrow('URI too long');
  });
});
