import { describe, expect, it } from 'vitest';
import { ProtocolError, isProtocolError } from './errors.js';

describe('ProtocolError', () => {
  it('is an Error with a stable code, a name and an optional cause', () => {
    const cause = new SyntaxError('bad');
    const error = new ProtocolError('INVALID_JSON', 'not JSON', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProtocolError');
    expect(error.code).toBe('INVALID_JSON');
    expect(error.message).toBe('not JSON');
    expect(error.cause).toBe(cause);
  });

  it('names itself in toString and in its stack', () => {
    const error = new ProtocolError('INVALID_JSON');
    expect(String(error)).toBe('ProtocolError: invalid json');
    expect(error.stack?.split('\n')[0]).toBe('ProtocolError: invalid json');
  });

  it('says its code in words when given no message', () => {
    expect(new ProtocolError('INVALID_ACK_ID').message).toBe('invalid ack id');
    expect(new ProtocolError('TOO_MANY_ATTACHMENTS').message).toBe('too many attachments');
  });

  it('is recognised by isProtocolError, also when it comes from another copy of the package', () => {
    expect(isProtocolError(new ProtocolError('EMPTY_PACKET', 'empty'))).toBe(true);
    // What a ProtocolError built by the CJS build looks like to the ESM build: a different class, same brand.
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('@switchback/protocol.ProtocolError'), { value: true });
    expect(isProtocolError(foreign)).toBe(true);
  });

  it.each([new Error('x'), { code: 'EMPTY_PACKET' }, null, undefined, 'EMPTY_PACKET', { type: 'message' }])(
    'rejects %o',
    (value) => {
      expect(isProtocolError(value)).toBe(false);
    },
  );
});
