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

/** Node: timers that do not keep the process alive (engine.io-client's `autoUnref`). */
export function unrefClock(clock: Clock): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const handle = clock.setTimeout(fn, ms);
      (handle as { unref?: () => void } | null)?.unref?.();
      return handle;
    },
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}
