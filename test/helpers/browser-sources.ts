import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface ImportsMap {
  readonly [specifier: string]: { readonly default?: { readonly default?: string } };
}

/** The client's package.json "imports" subpaths as a browser bundler resolves them (the default
 *  condition, not `node`), mapped from dist back to the sources: `#x` → packages/client/src/....ts. */
function browserSubpaths(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(`${root}packages/client/package.json`, 'utf8')) as { imports?: ImportsMap };
  const map = new Map<string, string>();
  for (const [specifier, conditions] of Object.entries(pkg.imports ?? {})) {
    const target = conditions.default?.default;
    if (target === undefined) throw new Error(`packages/client/package.json imports ${specifier} has no default condition`);
    map.set(specifier, `${root}packages/client/${target.replace(/^\.\/dist\/esm\//, 'src/').replace(/\.js$/, '.ts')}`);
  }
  return map;
}

/**
 * esbuild plugin: bundle the client from its sources exactly as a browser app would bundle the package —
 * `@switchback/protocol` from its sources and every `#subpath` through its default (browser) condition.
 */
export function browserSources(): Plugin {
  const subpaths = browserSubpaths();
  return {
    name: 'switchback-browser-sources',
    setup(b) {
      b.onResolve({ filter: /^@switchback\/protocol$/ }, () => ({ path: `${root}packages/protocol/src/index.ts` }));
      b.onResolve({ filter: /^#/ }, (args) => {
        const path = subpaths.get(args.path);
        if (path === undefined) return { errors: [{ text: `unknown client subpath import ${args.path}` }] };
        return { path };
      });
    },
  };
}
