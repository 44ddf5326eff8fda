// Run: npx vitest run --config test/interop/vitest.config.ts
// Real socket.io / engine.io peers against Switchback, both directions, every transport mode.
// The alias list is copied from /work/main/vitest.config.ts: @switchback/* resolve to sources.
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
    include: ['test/interop/**/*.test.ts'],
    environment: 'node',
    // Files one after another: the machine is small and every file opens many real sockets.
    fileParallelism: false,
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
