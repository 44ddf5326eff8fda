import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));

// Resolve our packages to their sources, and the client's `#websocket-constructor` the way a browser
// bundler does (the package.json "imports" default condition, not the `node` one that loads ws).
const sources: Plugin = {
  name: 'switchback-sources',
  setup(b) {
    b.onResolve({ filter: /^@switchback\/protocol$/ }, () => ({ path: `${root}packages/protocol/src/index.ts` }));
    b.onResolve({ filter: /^#websocket-constructor$/ }, () => ({
      path: `${root}packages/client/src/engine/websocket-constructor.ts`,
    }));
  },
};

export interface BrowserBundle {
  readonly format: 'esm' | 'iife';
  readonly code: string;
  /** Every input esbuild read, as paths relative to the repository root (or `node:x` specifiers). */
  readonly inputs: readonly string[];
}

/** The global an IIFE build defines: `switchback.io(...)` in a classic `<script>` page. */
export const IIFE_GLOBAL = 'switchback';

/** Builds the browser client from packages/client/src/index.ts, minified, in memory. */
export async function buildBrowserBundle(format: 'esm' | 'iife'): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [`${root}packages/client/src/index.ts`],
    bundle: true,
    write: false,
    format,
    ...(format === 'iife' ? { globalName: IIFE_GLOBAL } : {}),
    platform: 'browser',
    target: 'es2020',
    minify: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [sources],
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error('esbuild produced no output file');
  return { format, code: file.text, inputs: Object.keys(metafileInputs(result.metafile)) };
}

function metafileInputs(metafile: Metafile | undefined): Metafile['inputs'] {
  if (metafile === undefined) throw new Error('esbuild returned no metafile');
  return metafile.inputs;
}
