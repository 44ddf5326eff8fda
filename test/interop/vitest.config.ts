// Run: npx vitest run --config test/interop/vitest.config.ts
// Real socket.io / engine.io peers against Switchback, both directions, every transport mode.
// @switchback/* resolve to sources through the aliases shared with the root config (vitest.aliases.ts).
import { defineConfig } from 'vitest/config';
import { repositoryRoot, sourceAliases } from '../../vitest.aliases.js';

export default defineConfig({
  root: repositoryRoot,
  resolve: { alias: sourceAliases },
  test: {
    include: ['test/interop/**/*.test.ts'],
    environment: 'node',
    // Files one after another: the machine is small and every file opens many real sockets.
    fileParallelism: false,
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
