import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { browserSources } from '../helpers/browser-sources.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('bundles `import { io }` for the browser without Node built-ins or ws', async () => {
  const result = await build({
    stdin: { contents: "export { io } from './packages/client/src/index.ts';", resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserSources()],
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((path) => path.includes('node_modules/ws/') || path.startsWith('node:') || /\.node\.ts$/.test(path))).toEqual([]);
  expect(inputs.filter((path) => path.includes('node_modules')).every((p) => p.includes('eventemitter3'))).toBe(true);
  const [file] = result.outputFiles;
  if (!file) throw new Error('no bundle');
  const gzip = gzipSync(file.contents, { level: 9 }).length;
  console.log(`client bundle: ${(file.contents.length / 1024).toFixed(1)} KB min, ${(gzip / 1024).toFixed(1)} KB min+gzip`);
  expect(file.text).not.toMatch(/require\(["']ws["']\)|from ?["']ws["']/);
});
