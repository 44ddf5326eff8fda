import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryOf } from './verify.js';

function requestTo(url: string): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  return req;
}

function reference(url: string): { transport: string | null; sid: string | null; EIO: string | null } {
  const at = url.indexOf('?');
  const params = new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
  return { transport: params.get('transport'), sid: params.get('sid'), EIO: params.get('EIO') };
}

describe('queryOf (the engine parameters of a request query)', () => {
  it.each([
    '/socket.io/?EIO=4&transport=websocket&sbconnect=%2F',
    '/socket.io/?EIO=4&transport=polling&t=abc',
    '/socket.io/?sid=a%2Bb&EIO=4&transport=polling',
    '/socket.io/?%73id=encoded&sid=plain',
    '/socket.io/?sid=plain&%73id=encoded',
    '/socket.io/?transport=web+socket',
    '/socket.io/??EIO=4',
    '/socket.io/?EIO&sid=&transport',
    '/socket.io/',
    '/socket.io/?x=%zz&EIO=4',
  ])('reads %s as URLSearchParams does', (url) => {
    expect(queryOf(requestTo(url))).toEqual(reference(url));
  });

  it('agrees with URLSearchParams on arbitrary queries', () => {
    const piece = fc.constantFrom('sid', 'EIO', 'transport', 'sbconnect', 't', '%73id', 'x', '%2F', '+', '=', '&', '?', '%', 'a', '4', '%zz', '%E2%82%AC');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (parts) => {
        const url = `/socket.io/?${parts.join('')}`;
        expect(queryOf(requestTo(url))).toEqual(reference(url));
      }),
      { numRuns: 3000 },
    );
  });
});
