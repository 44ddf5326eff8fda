import { describe, expect, it } from 'vitest';
import { matchesPath } from './http-mount.js';

describe('matchesPath', () => {
  it('matches the path, anything under it, and the path without its trailing slash, query aside', () => {
    const yes = ['/socket.io/', '/socket.io/?EIO=4', '/socket.io', '/socket.io?EIO=4', '/socket.io/x?y', '/socket.io?'];
    const no = ['', '/', '/socket.i', '/socket.iox', '/socket.iox/', '/other', '/?/socket.io/', '/sock?et.io/', undefined];
    for (const url of yes) expect(matchesPath(url, '/socket.io/'), String(url)).toBe(true);
    for (const url of no) expect(matchesPath(url, '/socket.io/'), String(url)).toBe(false);
    expect(matchesPath('/anything?x', '/')).toBe(true);
    expect(matchesPath('', '/')).toBe(true);
    expect(matchesPath(undefined, '/')).toBe(true);
  });
});
