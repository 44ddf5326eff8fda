// Client bundle size: `export { io }` bundled by esbuild for the browser, minified, then gzip -9.
// Measured twice: at esbuild's default target (esnext: what `esbuild --bundle --minify` and current
// bundlers' defaults produce; the target row uses it) and at es2020, where class fields and `#private`
// members are lowered (WeakMaps), for apps that still target 2020 browsers.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

async function measure(root, specifier, target) {
  const result = await build({
    stdin: { contents: `export { io } from ${JSON.stringify(specifier)};`, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target,
    minify: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Resolve through package.json (exports/imports/browser) as an app's bundler would, not through the
    // repository's tsconfig paths (which point @switchback/* at the sources).
    tsconfigRaw: {},
    metafile: true,
  });
  const [file] = result.outputFiles;
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('<'));
  return { minBytes: file.contents.length, gzipBytes: gzipSync(file.contents, { level: 9 }).length, inputs: inputs.length };
}

async function sizes(root, specifier) {
  const modern = await measure(root, specifier, 'esnext');
  const es2020 = await measure(root, specifier, 'es2020');
  return { ...modern, es2020MinBytes: es2020.minBytes, es2020GzipBytes: es2020.gzipBytes };
}

/** Sizes for our client (from its built dist) and the reference client (its ESM browser entry). */
export async function bundleSizes(root) {
  return {
    switchback: await sizes(root, `${root}packages/client/dist/esm/index.js`),
    socketio: await sizes(root, 'socket.io-client'),
  };
}
