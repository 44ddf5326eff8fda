import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the sources: every package specifier resolves to its src entry.
const alias = [
  { find: /^@switchback\/protocol$/, replacement: src('./packages/protocol/src/index.ts') },
  { find: /^@switchback\/server\/engine$/, replacement: src('./packages/server/src/engine/index.ts') },
  { find: /^@switchback\/server$/, replacement: src('./packages/server/src/index.ts') },
  { find: /^@switchback\/client\/engine$/, replacement: src('./packages/client/src/engine/index.ts') },
  { find: /^#websocket-constructor$/, replacement: src('./packages/client/src/engine/websocket-constructor.node.ts') },
  { find: /^#http-request$/, replacement: src('./packages/client/src/engine/http-request.node.ts') },
  { find: /^@switchback\/client$/, replacement: src('./packages/client/src/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
