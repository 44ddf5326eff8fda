export interface BackoffOptions {
  /** First delay in ms. Default 100. */
  min?: number;
  /** Largest delay in ms. Default 10000. */
  max?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Randomization in (0, 1]: the delay moves by up to this fraction either way. Default 0 (none). */
  jitter?: number;
  /** Source of randomness in [0, 1), injectable for tests. Default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with jitter, the reconnect schedule of socket.io-client (backo2): attempt n waits
 * `min * factor^n`, moved up or down by a random fraction of up to `jitter`, capped at `max`.
 *
 * @example
 * const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
 * backoff.duration(); // 500..1500
 * backoff.duration(); // 1000..3000
 * backoff.reset();
 */
export class Backoff {
  /** Number of delays handed out since the last reset. */
  attempts = 0;
  // One record rather than a private field each: every `#field` costs a WeakMap in bundles for
  // pre-ES2022 targets.
  readonly #o: Required<BackoffOptions>;

  constructor(options: BackoffOptions = {}) {
    this.#o = {
      min: options.min || 100,
      max: options.max || 10000,
      factor: options.factor || 2,
      jitter: 0,
      random: options.random ?? Math.random,
    };
    this.setJitter(options.jitter ?? 0);
  }

  /** The delay before the next attempt, in whole ms; counts one attempt. */
  duration(): number {
    // Capped below Infinity: after ~1000 attempts `min * factor^n` overflows, and Infinity - Infinity
    // would turn into a 0 ms delay (a hot reconnect loop).
    const o = this.#o;
    let ms = Math.min(o.min * o.factor ** this.attempts++, Number.MAX_SAFE_INTEGER);
    if (o.jitter) {
      const rand = o.random();
      const deviation = Math.floor(rand * o.jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.floor(Math.min(ms, o.max));
  }

  reset(): void {
    this.attempts = 0;
  }

  setMin(min: number): void {
    this.#o.min = min;
  }

  setMax(max: number): void {
    this.#o.max = max;
  }

  setJitter(jitter: number): void {
    this.#o.jitter = jitter > 0 && jitter <= 1 ? jitter : 0;
  }
}
