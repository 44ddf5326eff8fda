// Own config for the browser end-to-end suite: `vitest run --config test/e2e/vitest.config.ts`
// (after `bash scripts/e2e-deps.sh`). The alias list is copied from the root vitest.config.ts:
// @switchback/* resolve to sources; the server side runs in Node, the page gets an esbuild bundle.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

const alias = [
  { find: /^@switchback\/protocol$/, replacement: src('../../packages/protocol/src/index.ts') },
  { find: /^@switchback\/server\/engine$/, replacement: src('../../packages/server/src/engine/index.ts') },
  { find: /^@switchback\/server$/, replacement: src('../../packages/server/src/index.ts') },
  { find: /^@switchback\/client\/engine$/, replacement: src('../../packages/client/src/engine/index.ts') },
  { find: /^#websocket-constructor$/, replacement: src('../../packages/client/src/engine/websocket-constructor.node.ts') },
  { find: /^#http-request$/, replacement: src('../../packages/client/src/engine/http-request.node.ts') },
  { find: /^@switchback\/client$/, replacement: src('../../packages/client/src/index.ts') },
];

export default defineConfig({
  root: src('../..'),
  resolve: { alias },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    // One Chromium and its proxies at a time: the machine has 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
