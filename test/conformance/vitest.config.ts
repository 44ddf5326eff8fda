// Run: npx vitest run --config test/conformance/vitest.config.ts  (CONFORMANCE_TARGET=reference|switchback
// to run one target). Own config for the conformance suite (the root config's projects do not include this folder).
// @switchback/* resolve to sources through the aliases shared with the root config (vitest.aliases.ts).
import { defineConfig } from 'vitest/config';
import { repositoryRoot, sourceAliases } from '../../vitest.aliases.js';

export default defineConfig({
  root: repositoryRoot,
  resolve: { alias: sourceAliases },
  test: {
    include: ['test/conformance/**/*.test.ts'],
    environment: 'node',
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
