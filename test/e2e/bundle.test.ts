// The browser build: no Node built-in and no `ws` may end up in it. Its size is reported, not asserted.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { buildBrowserBundle } from './support/bundle.js';

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

it.each(['esm', 'iife'] as const)('the %s browser bundle holds no Node built-in and no ws', async (format) => {
  const bundle = await buildBrowserBundle(format);
  const nodeOnly = bundle.inputs.filter(
    (path) => path.startsWith('node:') || path.includes('node_modules/ws/') || /\.node\.ts$/.test(path),
  );
  expect(nodeOnly).toEqual([]);
  // Only our sources and eventemitter3 go in.
  const thirdParty = bundle.inputs.filter((path) => path.includes('node_modules/'));
  expect(thirdParty.every((path) => path.includes('node_modules/eventemitter3/'))).toBe(true);
  expect(bundle.inputs.some((path) => path.includes('packages/protocol/src/'))).toBe(true);
  // Nothing left that a browser cannot resolve: no require() and no bare import of ws or a built-in.
  expect(bundle.code).not.toMatch(/\brequire\(/);
  expect(bundle.code).not.toMatch(/from\s*["'](?:ws|node:[\w/]+|events|net|http|https|tls|crypto|zlib|stream|buffer)["']/);
  expect(bundle.code).not.toMatch(/import\(\s*["'](?:ws|node:[\w/]+)["']\s*\)/);
  const bytes = Buffer.from(bundle.code);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`[e2e] ${format} bundle: ${kb(bytes.length)} minified, ${kb(gzip)} gzip, ${kb(brotli)} brotli`);
});
