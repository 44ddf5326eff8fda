import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { browserSources } from '../../helpers/browser-sources.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

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
    plugins: [browserSources()],
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error('esbuild produced no output file');
  return { format, code: file.text, inputs: Object.keys(metafileInputs(result.metafile)) };
}

function metafileInputs(metafile: Metafile | undefined): Metafile['inputs'] {
  if (metafile === undefined) throw new Error('esbuild returned no metafile');
  return metafile.inputs;
}
