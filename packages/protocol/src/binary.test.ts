import { describe, expect, it } from 'vitest';
import { hasBinary, isBinary, placeholders, reconstructData } from './binary.js';
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

/** What encodeSocketPacket sends for `data`: stringify with the placeholder replacer. */
function deconstruct(data: unknown): { json: unknown; attachments: BinaryLike[] } {
  const attachments: BinaryLike[] = [];
  const text = JSON.stringify(data, placeholders(attachments));
  return { json: JSON.parse(text) as unknown, attachments };
}

/** reconstructData on a holder, as the decoder calls it with the packet: the rebuilt data or the error. */
function reconstruct(data: unknown, attachments: readonly unknown[]): unknown {
  const holder = { data };
  return reconstructData(holder, attachments) ?? holder.data;
}

describe('placeholders / reconstructData', () => {
  it('replaces binaries with numbered placeholders in order, without touching the input', () => {
    const a = new Uint8Array([1]);
    const b = new ArrayBuffer(2);
    const input = ['upload', { first: a, list: [1, b, 'x'] }, null, new Date(0)];
    const { json, attachments } = deconstruct(input);
    expect(json).toStrictEqual([
      'upload',
      { first: { _placeholder: true, num: 0 }, list: [1, { _placeholder: true, num: 1 }, 'x'] },
      null,
      // A Date goes through its toJSON, as JSON.stringify would: the same text on the wire.
      new Date(0).toJSON(),
    ]);
    expect(attachments).toStrictEqual([a, b]);
    expect(attachments[0]).toBe(a);
    expect((input[1] as { first: unknown }).first).toBe(a);

    const rebuilt = reconstruct(json, attachments) as unknown[];
    expect(rebuilt[1]).toStrictEqual({ first: a, list: [1, b, 'x'] });
    expect((rebuilt[1] as { first: unknown }).first).toBe(a);
  });

  it('takes a Buffer as it is, not what its toJSON would make of it', () => {
    const buffer = Buffer.from([1, 2]);
    const { json, attachments } = deconstruct(['x', { buffer }]);
    expect(json).toStrictEqual(['x', { buffer: { _placeholder: true, num: 0 } }]);
    expect(attachments[0]).toBe(buffer);
  });

  it('follows toJSON once, as socket.io-parser does', () => {
    const bytes = new Uint8Array([7]);
    expect(deconstruct([{ toJSON: () => ({ payload: bytes }) }])).toStrictEqual({
      json: [{ payload: { _placeholder: true, num: 0 } }],
      attachments: [bytes],
    });
    // A toJSON may return the binary itself.
    expect(deconstruct([{ toJSON: () => bytes }])).toStrictEqual({ json: [{ _placeholder: true, num: 0 }], attachments: [bytes] });
    // The object a toJSON returns is not asked for its own toJSON.
    expect(deconstruct([{ toJSON: () => ({ toJSON: () => bytes }) }])).toStrictEqual({ json: [{}], attachments: [] });
  });

  it('keeps an own "__proto__" key as a key', () => {
    const text = '{"__proto__":{"polluted":true},"x":[1]}';
    const attachments: BinaryLike[] = [];
    expect(JSON.stringify(JSON.parse(text), placeholders(attachments))).toBe(text);
    expect(attachments).toStrictEqual([]);
  });

  it('reconstructs a top-level placeholder', () => {
    const bytes = new Uint8Array([1]);
    expect(reconstruct({ _placeholder: true, num: 0 }, [bytes])).toBe(bytes);
  });

  it('leaves a holder without object properties as it is', () => {
    const holder = { type: 2, nsp: '/' };
    expect(reconstructData(holder, [])).toBeUndefined();
    expect(holder).toStrictEqual({ type: 2, nsp: '/' });
  });

  it.each<[string, unknown]>([
    ['out of range', ['x', { _placeholder: true, num: 1 }]],
    ['negative', ['x', { _placeholder: true, num: -1 }]],
    ['fractional', ['x', { nested: { _placeholder: true, num: 0.5 } }]],
    ['string num', ['x', { _placeholder: true, num: '0' }]],
    ['missing num', ['x', { _placeholder: true }]],
    ['not a number', ['x', { _placeholder: true, num: null }]],
    ['top-level bad', { _placeholder: true, num: 3 }],
  ])('rejects a placeholder that is %s with INVALID_ATTACHMENTS', (_, data) => {
    const result = reconstruct(data, [new Uint8Array(1)]);
    expect(isProtocolError(result) && result.code).toBe('INVALID_ATTACHMENTS');
  });

  it('leaves look-alikes that are not placeholders alone', () => {
    const data = ['x', { _placeholder: 'true', num: 0 }, { _placeholder: false }];
    expect(reconstruct(structuredClone(data), [new Uint8Array(1)])).toStrictEqual(data);
  });

  it('survives nesting deeper than the call stack', () => {
    const depth = 200_000;
    const data: unknown = JSON.parse(`${'['.repeat(depth)}{"_placeholder":true,"num":0}${']'.repeat(depth)}`);
    const bytes = new Uint8Array(1);
    let inner = reconstruct(data, [bytes]);
    for (let i = 0; i < depth; i++) inner = (inner as unknown[])[0];
    expect(inner).toBe(bytes);
  });
});
