// Own config for the browser end-to-end suite: `vitest run --config test/e2e/vitest.config.ts`
// (after `bash scripts/e2e-deps.sh`). The source aliases are shared with the root config (vitest.aliases.ts):
// @switchback/* resolve to sources; the server side runs in Node, the page gets an esbuild bundle.
import { defineConfig } from 'vitest/config';
import { repositoryRoot, sourceAliases } from '../../vitest.aliases.js';

export default defineConfig({
  root: repositoryRoot,
  resolve: { alias: sourceAliases },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    // One Chromium and its proxies at a time: the machine has 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
