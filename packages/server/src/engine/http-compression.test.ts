import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressBody, negotiateEncoding, resolveHttpCompression } from './http-compression.js';

describe('negotiateEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'gzip'],
    ['deflate', 'deflate'],
    ['br, deflate', 'deflate'],
    ['deflate, gzip', 'gzip'], // a tie goes to gzip
    ['deflate;q=1, gzip;q=0.5', 'deflate'],
    ['gzip;q=0, deflate', 'deflate'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['*', 'gzip'],
    ['*;q=0.5, gzip;q=0', 'deflate'],
    ['gzip ; q=0.8 , deflate ; q=0.9', 'deflate'],
  ])('%j -> %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });

  it.each([[undefined], [''], ['identity'], ['br'], ['gzip;q=0'], ['gzip;q=0, deflate;q=0'], ['*;q=0'], ['gzip;q=abc']])(
    '%j -> none',
    (header) => {
      expect(negotiateEncoding(header)).toBeUndefined();
    },
  );
});

describe('resolveHttpCompression', () => {
  it("is engine.io's default, a 1024-byte threshold, unless turned off", () => {
    expect(resolveHttpCompression(undefined)).toEqual({ threshold: 1024, zlib: {} });
    expect(resolveHttpCompression(true)).toEqual({ threshold: 1024, zlib: {} });
    expect(resolveHttpCompression(false)).toBe(false);
  });

  it('keeps the threshold apart from the zlib options', () => {
    expect(resolveHttpCompression({ threshold: 0, level: 1 })).toEqual({ threshold: 0, zlib: { level: 1 } });
  });
});

describe('compressBody', () => {
  const body = 'x'.repeat(5000);

  it('gzips', async () => {
    const encoded = await new Promise<Buffer>((resolve, reject) =>
      compressBody(body, 'gzip', {}, (err, out) => (err ? reject(err) : resolve(out))),
    );
    expect(encoded.length).toBeLessThan(body.length);
    expect(gunzipSync(encoded).toString()).toBe(body);
  });

  it('deflates, with the zlib options given', async () => {
    const encoded = await new Promise<Buffer>((resolve, reject) =>
      compressBody(Buffer.from(body), 'deflate', { level: 1 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    expect(inflateSync(encoded).toString()).toBe(body);
  });

  it('reports a zlib error', async () => {
    const err = await new Promise<Error | null>((resolve) => compressBody(body, 'gzip', { level: 42 }, (e) => resolve(e)));
    expect(err).toBeInstanceOf(Error);
  });
});
