import type { Clock } from './types.js';

/**
 * Reads the globals on every call (not at import), so vitest fake timers installed after import
 * still take effect.
 */
export const defaultClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};
