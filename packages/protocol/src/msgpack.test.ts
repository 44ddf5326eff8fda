import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isProtocolError } from './errors.js';
import { Decoder, Encoder } from './msgpack-parser.js';
import { decodeMsgpack, encodeMsgpack } from './msgpack.js';

// socket.io's own codec (socket.io-msgpack-parser on notepack.io's Node build), the peer we must match.
const require = createRequire(import.meta.url);
const reference = require('socket.io-msgpack-parser') as {
  Encoder: new () => { encode(packet: unknown): Buffer[] };
  Decoder: new () => { add(chunk: unknown): void; on(event: 'decoded', fn: (packet: unknown) => void): void };
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const referenceBytes = (value: unknown): string => hex(new reference.Encoder().encode(value)[0] as Buffer);
const referenceDecode = (bytes: Uint8Array): unknown => {
  let out: unknown;
  const decoder = new reference.Decoder();
  decoder.on('decoded', (packet) => (out = packet));
  decoder.add(Buffer.from(bytes));
  return out;
};

// Values across every format boundary, in a packet so the reference codec accepts them.
const values: Record<string, unknown> = {
  'small ints': [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1],
  'negative ints': [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1)],
  floats: [0.5, -1.25, 1e-300, Number.MIN_VALUE, Infinity, -Infinity, NaN],
  strings: ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(255), 'y'.repeat(256), 'z'.repeat(65536), 'héllo', '日本語', '😀 emoji'],
  constants: [null, true, false],
  nested: { a: [1, { b: 'c' }], d: {}, e: [], long: Array.from({ length: 20 }, (_, i) => i) },
  'wide map': Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
  dates: [new Date(0), new Date(1_700_000_000_123), new Date(-86_400_000)],
  'with toJSON': { at: { toJSON: () => 'later' } },
  undefined: [undefined, { u: undefined }],
};

describe('encodeMsgpack', () => {
  it.each(Object.entries(values))('writes %s byte for byte as socket.io-msgpack-parser', (_name, value) => {
    const packet = { type: 2, nsp: '/', data: ['event', value] };
    expect(hex(new Encoder().encode(packet)[0])).toBe(referenceBytes(packet));
  });

  it('leaves out properties holding functions, writes nil for a function in an array, refuses a BigInt', () => {
    expect(decodeMsgpack(encodeMsgpack({ a: 1, f: () => 1 }))).toEqual({ a: 1 });
    expect(decodeMsgpack(encodeMsgpack([() => 1]))).toEqual([null]);
    expect(() => encodeMsgpack({ n: 1n })).toThrow(TypeError);
  });

  it('writes integers beyond 64 bits as float 64 (notepack writes them as a wrong uint 64)', () => {
    for (const n of [2 ** 64, 1e300, -(2 ** 63) * 2]) expect(decodeMsgpack(encodeMsgpack(n))).toBe(n);
    expect(decodeMsgpack(encodeMsgpack(2 ** 63))).toBe(2 ** 63);
    expect(decodeMsgpack(encodeMsgpack(-(2 ** 63)))).toBe(-(2 ** 63));
  });

  it('encodes correctly when a toJSON() encodes from inside an encode', () => {
    const inner = { toJSON: () => Buffer.from(encodeMsgpack({ deep: 'x'.repeat(300) })).toString('hex') };
    const decoded = decodeMsgpack(encodeMsgpack({ before: 'a'.repeat(200), inner, after: 1 })) as { inner: string; after: number };
    expect(decodeMsgpack(Buffer.from(decoded.inner, 'hex'))).toEqual({ deep: 'x'.repeat(300) });
    expect(decoded.after).toBe(1);
  });

  it('writes a lone surrogate as U+FFFD, as TextEncoder does', () => {
    expect(hex(encodeMsgpack('\ud800x'))).toBe('a4' + 'efbfbd' + '78');
    expect(decodeMsgpack(encodeMsgpack('a\udc00'))).toBe('a\ufffd');
  });

  it('writes every kind of binary as bin, the bytes of a view only', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    for (const bin of [new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3]).buffer, backing.subarray(1, 4), new DataView(backing.buffer, 1, 3)]) {
      expect(hex(encodeMsgpack(bin))).toBe('c403010203');
    }
    const big = new Uint8Array(70_000).fill(7);
    const decoded = decodeMsgpack(encodeMsgpack(big)) as Uint8Array;
    expect(decoded.length).toBe(70_000);
    expect(decoded.every((b) => b === 7)).toBe(true);
  });
});

describe('decodeMsgpack', () => {
  it.each(Object.entries(values))('reads socket.io-msgpack-parser output for %s', (_name, value) => {
    const packet = { type: 2, nsp: '/', data: ['event', value] };
    const bytes = new reference.Encoder().encode(packet)[0] as Buffer;
    expect(decodeMsgpack(bytes)).toEqual(referenceDecode(bytes));
  });

  it('gives bin back as the input kind: Buffer slices from a Buffer, ArrayBuffer copies from an ArrayBuffer', () => {
    const bytes = encodeMsgpack([new Uint8Array([1, 2])]);
    const fromBuffer = decodeMsgpack(Buffer.from(bytes)) as [Buffer];
    expect(Buffer.isBuffer(fromBuffer[0])).toBe(true);
    expect([...fromBuffer[0]]).toEqual([1, 2]);
    const fromArrayBuffer = decodeMsgpack(bytes.slice().buffer) as [ArrayBuffer];
    expect(fromArrayBuffer[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(fromArrayBuffer[0])]).toEqual([1, 2]);
  });

  it("reads notepack's ext 0 (a non-Buffer binary from its Node build) as an ArrayBuffer", () => {
    const bytes = new reference.Encoder().encode({ type: 2, nsp: '/', data: [new Uint8Array([5, 6]).buffer] })[0] as Buffer;
    const decoded = decodeMsgpack(bytes) as { data: [ArrayBuffer] };
    expect(decoded.data[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(decoded.data[0])]).toEqual([5, 6]);
  });

  it('reads the formats notepack never writes: float 32, the spec timestamps, other extensions', () => {
    expect(decodeMsgpack(Uint8Array.from([0xca, 0x3f, 0xc0, 0, 0]))).toBe(1.5);
    expect(decodeMsgpack(Uint8Array.from([0xd6, 0xff, 0, 0, 0, 10]))).toEqual(new Date(10_000));
    // 8-byte timestamp: 500 ms as nanoseconds in the top 30 bits, 2 s below.
    const ns = 500_000_000;
    const eight = Uint8Array.from([0xd7, 0xff, (ns >>> 22) & 0xff, (ns >>> 14) & 0xff, (ns >>> 6) & 0xff, ((ns << 2) & 0xfc) | 0, 0, 0, 0, 2]);
    expect(decodeMsgpack(eight)).toEqual(new Date(2500));
    expect(decodeMsgpack(Uint8Array.from([0xd5, 0x05, 1, 2]))).toEqual([5, Uint8Array.from([1, 2])]);
  });

  it("keeps '__proto__' an own property, as JSON.parse does", () => {
    const decoded = decodeMsgpack(Uint8Array.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01])) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it.each([
    ['nothing', []],
    ['a truncated string', [0xa5, 0x61]],
    ['a truncated uint 32', [0xce, 0, 0]],
    ['trailing bytes', [0x01, 0x02]],
    ['the unused 0xc1', [0xc1]],
    ['an array claiming 4 billion items', [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['a map claiming 65535 entries', [0xde, 0xff, 0xff]],
    ['a bin longer than the data', [0xc6, 0, 1, 0, 0, 1]],
  ])('returns INVALID_MSGPACK, never throws, for %s', (_name, bytes) => {
    const result = decodeMsgpack(Uint8Array.from(bytes));
    expect(isProtocolError(result) && result.code).toBe('INVALID_MSGPACK');
  });

  it('returns INVALID_MSGPACK for nesting deeper than the stack', () => {
    const result = decodeMsgpack(new Uint8Array(1_000_000).fill(0x91));
    expect(isProtocolError(result) && result.code).toBe('INVALID_MSGPACK');
  });
});

describe('msgpack Decoder', () => {
  const decode = (packet: unknown): unknown => {
    let out: unknown;
    const decoder = new Decoder();
    decoder.on('decoded', (p) => (out = p));
    decoder.add(encodeMsgpack(packet));
    return out;
  };

  it('hands valid packets to decoded', () => {
    for (const packet of [
      { type: 0, nsp: '/', data: { token: 'x' } },
      { type: 0, nsp: '/admin' },
      { type: 1, nsp: '/' },
      { type: 2, nsp: '/', data: ['hi', 1], id: 3 },
      { type: 3, nsp: '/', data: [], id: 0 },
      { type: 4, nsp: '/', data: { message: 'no' } },
      { type: 4, nsp: '/', data: 'no' },
    ]) {
      expect(decode(packet)).toEqual(packet);
    }
  });

  it.each([
    ['invalid packet type', { type: 5, nsp: '/', data: [] }],
    ['invalid packet type', { type: '2', nsp: '/', data: [] }],
    ['invalid packet type', ['not', 'a', 'packet']],
    ['invalid namespace', { type: 2, data: [] }],
    ['invalid payload', { type: 2, nsp: '/', data: 'x' }],
    ['invalid payload', { type: 1, nsp: '/', data: {} }],
    ['invalid payload', { type: 0, nsp: '/', data: [] }],
    ['invalid packet id', { type: 2, nsp: '/', data: [], id: 'x' }],
  ])('throws %s, as socket.io-msgpack-parser does', (message, packet) => {
    expect(() => decode(packet)).toThrow(message);
  });

  it('throws on text and on bytes that are not msgpack', () => {
    expect(() => new Decoder().add('2["x"]')).toThrow(/binary/);
    expect(() => new Decoder().add(Uint8Array.from([0xc1]))).toThrow(/invalid msgpack/);
  });
});
