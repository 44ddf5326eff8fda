// Client bundle size: `export { io }` bundled by esbuild for the browser, minified, then gzip -9.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

async function measure(root, specifier) {
  const result = await build({
    stdin: { contents: `export { io } from ${JSON.stringify(specifier)};`, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
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

/** Sizes for our client (from its built dist) and the reference clients (their ESM browser entries). */
export async function bundleSizes(root) {
  return {
    switchback: await measure(root, `${root}packages/client/dist/esm/index.js`),
    socketio: await measure(root, 'socket.io-client'),
    
  };
}
