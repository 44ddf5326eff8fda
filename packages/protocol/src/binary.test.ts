import { describe, expect, it } from 'vitest';
import { deconstructData, hasBinary, isBinary, reconstructData } from './binary.js';
import type { BinaryLike } from './engine-packet.js';
import { isProtocolError } from './errors.js';

describe('isBinary', () => {
  it.each<[string, unknown, boolean]>([
    ['ArrayBuffer', new ArrayBuffer(1), true],
    ['Uint8Array', new Uint8Array(1), true],
    ['Float64Array', new Float64Array(1), true],
    ['DataView', new DataView(new ArrayBuffer(1)), true],
    ['Buffer', Buffer.from('x'), true],
    ['Blob', new Blob(['x']), true],
    ['string', 'bytes', false],
    ['number array', [1, 2], false],
    ['null', null, false],
    ['plain object', { byteLength: 1 }, false],
  ])('%s -> %s', (_, value, expected) => {
    expect(isBinary(value)).toBe(expected);
  });
});

describe('hasBinary', () => {
  const bytes = new Uint8Array(2);
  it.each<[string, unknown, boolean]>([
    ['flat strings', ['chat', 'hi'], false],
    ['top-level bytes', bytes, true],
    ['bytes in an array', ['file', bytes], true],
    ['bytes deep in objects', [{ a: [{ b: { c: bytes } }] }], true],
    ['nothing deep', [{ a: [{ b: { c: 1 } }] }], false],
    ['primitives', 42, false],
    ['undefined', undefined, false],
    ['toJSON returning bytes', { toJSON: () => bytes }, true],
    ['toJSON returning plain data', { raw: bytes, toJSON: () => 'hidden' }, false],
    ['toJSON result whose own toJSON would return bytes', { toJSON: () => ({ toJSON: () => bytes }) }, false],
    ['inherited properties ignored', Object.create({ inherited: bytes }), false],
    ['Date', new Date(0), false],
  ])('%s -> %s', (_, value, expected) => {
    expect(hasBinary(value)).toBe(expected);
  });
});

describe('deconstructData / reconstructData', () => {
  it('replaces binaries with numbered placeholders in order, without touching the input', () => {
    const a = new Uint8Array([1]);
    const b = new ArrayBuffer(2);
    const input = ['upload', { first: a, list: [1, b, 'x'] }, null, new Date(0)];
    const attachments: BinaryLike[] = [];
    const data = deconstructData(input, attachments);
    expect(data).toStrictEqual([
      'upload',
      { first: { _placeholder: true, num: 0 }, list: [1, { _placeholder: true, num: 1 }, 'x'] },
      null,
      // A Date goes through its toJSON, as JSON.stringify would: the same text on the wire.
      new Date(0).toJSON(),
    ]);
    expect(JSON.stringify(data)).toContain(JSON.stringify(new Date(0)));
    expect(attachments).toStrictEqual([a, b]);
    expect(attachments[0]).toBe(a);
    expect((input[1] as { first: unknown }).first).toBe(a);

    const parsed: unknown = JSON.parse(JSON.stringify(data));
    const rebuilt = reconstructData(parsed, attachments) as unknown[];
    expect(rebuilt[1]).toStrictEqual({ first: a, list: [1, b, 'x'] });
  });

  it('follows toJSON once, as socket.io-parser does', () => {
    const bytes = new Uint8Array([7]);
    const attachments: BinaryLike[] = [];
    const data = deconstructData([{ toJSON: () => ({ payload: bytes }) }], attachments);
    expect(data).toStrictEqual([{ payload: { _placeholder: true, num: 0 } }]);
    expect(attachments).toStrictEqual([bytes]);
  });

  it('keeps an own "__proto__" key as a key', () => {
    const input: unknown = JSON.parse('{"__proto__":{"polluted":true},"x":1}');
    const copy = deconstructData(input, []) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toStrictEqual(['__proto__', 'x']);
  });

  it('reconstructs a top-level placeholder', () => {
    const bytes = new Uint8Array([1]);
    expect(reconstructData({ _placeholder: true, num: 0 }, [bytes])).toBe(bytes);
  });

  it.each<[string, unknown]>([
    ['out of range', ['x', { _placeholder: true, num: 1 }]],
    ['negative', ['x', { _placeholder: true, num: -1 }]],
    ['fractional', ['x', { nested: { _placeholder: true, num: 0.5 } }]],
    ['string num', ['x', { _placeholder: true, num: '0' }]],
    ['missing num', ['x', { _placeholder: true }]],
    ['top-level bad', { _placeholder: true, num: 3 }],
  ])('rejects a placeholder that is %s with INVALID_ATTACHMENTS', (_, data) => {
    const result = reconstructData(data, [new Uint8Array(1)]);
    expect(isProtocolError(result) && result.code).toBe('INVALID_ATTACHMENTS');
  });

  it('leaves look-alikes that are not placeholders alone', () => {
    const data = ['x', { _placeholder: 'true', num: 0 }, { _placeholder: false }];
    expect(reconstructData(structuredClone(data), [new Uint8Array(1)])).toStrictEqual(data);
  });

  it('survives nesting deeper than the call stack', () => {
    const depth = 200_000;
    const data: unknown = JSON.parse(`${'['.repeat(depth)}{"_placeholder":true,"num":0}${']'.repeat(depth)}`);
    const bytes = new Uint8Array(1);
    let inner = reconstructData(data, [bytes]);
    for (let i = 0; i < depth; i++) inner = (inner as unknown[])[0];
    expect(inner).toBe(bytes);
  });
});
