import type { Clock } from './types.js';

/**
 * Reads the globals on every call (not at import), so vitest fake timers installed after import
 * still take effect.
 */
export const defaultClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

/** Node: timers that do not keep the process alive (engine.io-client's `autoUnref`). */
export function unrefClock(clock: Clock): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const handle = clock.setTimeout(fn, ms);
      if (typeof handle === 'object' && handle !== null) {
        const unref: unknown = Reflect.get(handle, 'unref');
        if (typeof unref === 'function') Reflect.apply(unref, handle, []);
      }
      return handle;
    },
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

/** One restartable timer on a Clock. */
export class Timer {
  readonly #clock: Clock;
  #handle: unknown;
  #armed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(ms: number, fn: () => void): void {
    this.stop();
    this.#armed = true;
    this.#handle = this.#clock.setTimeout(() => {
      this.#armed = false;
      fn();
    }, ms);
  }

  stop(): void {
    if (this.#armed) this.#clock.clearTimeout(this.#handle);
    this.#armed = false;
  }
}
