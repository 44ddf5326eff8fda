import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { isProtocolError } from './errors.js';

const base64ish = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='.split('')),
  maxLength: 40,
});
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('encodeBase64', () => {
  it.each([
    [bytes(), ''],
    [bytes(0), 'AA=='],
    [bytes(1, 2), 'AQI='],
    [bytes(1, 2, 3), 'AQID'],
    [bytes(1, 2, 3, 4), 'AQIDBA=='],
    [bytes(0xfb, 0xff, 0xbf), '+/+/'],
    [new TextEncoder().encode('Man is'), 'TWFuIGlz'],
  ])('%o -> %s', (input, expected) => {
    expect(encodeBase64(input)).toBe(expected);
  });

  it('encodes an ArrayBuffer, and only the range of a view', () => {
    expect(encodeBase64(bytes(1, 2, 3, 4).buffer as ArrayBuffer)).toBe('AQIDBA==');
    expect(encodeBase64(new DataView(bytes(9, 1, 2, 3, 4, 9).buffer, 1, 4))).toBe('AQIDBA==');
  });

  it('encodes big binaries across its 32 KiB String.fromCharCode chunks', () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
    expect(encodeBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });

  it('matches Buffer for arbitrary bytes, including subarrays of larger buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(5), (data, offset) => {
        const view = data.subarray(Math.min(offset, data.length));
        expect(encodeBase64(view)).toBe(Buffer.from(view).toString('base64'));
      }),
    );
  });
});

describe('decodeBase64', () => {
  it.each([
    ['', bytes()],
    ['AA==', bytes(0)],
    ['AA', bytes(0)],
    ['AQI=', bytes(1, 2)],
    ['AQI', bytes(1, 2)],
    ['AQIDBA==', bytes(1, 2, 3, 4)],
    ['+/+/', bytes(0xfb, 0xff, 0xbf)],
    ['-_-_', bytes(0xfb, 0xff, 0xbf)],
  ])('%s', (input, expected) => {
    expect(decodeBase64(input)).toEqual(expected);
  });

  it.each([
    ['A', 'impossible length'],
    ['AAAAA', 'impossible length'],
    ['A===', 'too much padding leaves one character'],
    ['AA=A', 'padding in the middle'],
    ['AA AA', 'whitespace'],
    ['AA\nA', 'newline'],
    ['AQI*', 'outside the alphabet'],
    ['AQ\u00e9=', 'non-ASCII'],
    ['AQ\u0141=', 'code unit above 255'],
    ['AA\tAA', 'tab (atob alone would skip it)'],
  ])('rejects %j (%s) with INVALID_BASE64', (input) => {
    const result = decodeBase64(input);
    expect(isProtocolError(result) && result.code).toBe('INVALID_BASE64');
  });

  it('decodes from an offset, as for the "b" prefix of polling items', () => {
    expect(decodeBase64('bAQIDBA==', 1)).toEqual(bytes(1, 2, 3, 4));
    expect(decodeBase64('b', 1)).toEqual(bytes());
    const result = decodeBase64('bA', 1); // one character: an impossible length
    expect(isProtocolError(result) && result.code).toBe('INVALID_BASE64');
  });

  it('decodes big texts, and finds bad characters anywhere in them', () => {
    const data = new Uint8Array(20_000).map((_, i) => (i * 31) & 255);
    const text = Buffer.from(data).toString('base64');
    expect(decodeBase64(text)).toEqual(data);
    for (const at of [0, 8191, 8192, 16_385, text.length - 3]) {
      for (const bad of ['*', '\u00e9', '\u4e00', '=']) {
        const broken = text.slice(0, at) + bad + text.slice(at + 1);
        const result = decodeBase64(broken);
        expect(isProtocolError(result) && result.code, `${bad} at ${at}`).toBe('INVALID_BASE64');
      }
    }
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(decodeBase64(encodeBase64(data))).toEqual(data);
      }),
    );
  });

  it('returns bytes or a ProtocolError for arbitrary text, agreeing with Buffer when it accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), base64ish), (text) => {
        const result = decodeBase64(text);
        if (isProtocolError(result)) return;
        expect(result).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(result)).toEqual(Buffer.from(text, 'base64'));
      }),
    );
  });
});
