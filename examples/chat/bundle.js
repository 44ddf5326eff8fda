// Bundles the page's client code for the browser with esbuild, in memory, once at start-up.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function bundleClient() {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./client.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    // Bundle the installed package as an app would. Without this, esbuild would pick up the repository's
    // root tsconfig.json, whose `paths` point the client's subpath imports at the Node-only sources.
    tsconfigRaw: {},
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no output for the chat client');
  return file.text;
}
