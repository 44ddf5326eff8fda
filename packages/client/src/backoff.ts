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
 * Delay before reconnect attempt `n` (0-based), in whole ms: `min * factor^n`, moved up or down by a
 * random fraction of up to `jitter` (ignored outside (0, 1]), capped at `max`. A plain function so the
 * Manager needs no Backoff object (and bundles of `io` leave the class out).
 */
export function backoffDelay(n: number, min: number, max: number, jitter: number, factor = 2, random = Math.random): number {
  // Capped below Infinity: after ~1000 attempts `min * factor^n` overflows, and Infinity - Infinity
  // would turn into a 0 ms delay (a hot reconnect loop).
  const ms = Math.min(min * factor ** n, Number.MAX_SAFE_INTEGER);
  const r = jitter > 0 && jitter <= 1 ? random() : 0;
  const deviation = Math.floor(r * jitter * ms);
  // backo2's rule: up for an odd tenth digit, down for an even one.
  return Math.floor(Math.min(Math.floor(r * 10) & 1 ? ms + deviation : ms - deviation, max));
}

/**
 * Exponential backoff with jitter, the reconnect schedule of socket.io-client (backo2), over
 * {@link backoffDelay}.
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
  readonly #o: Required<BackoffOptions>;

  constructor(options: BackoffOptions = {}) {
    this.#o = {
      min: options.min || 100,
      max: options.max || 10000,
      factor: options.factor || 2,
      jitter: options.jitter ?? 0,
      random: options.random ?? Math.random,
    };
  }

  /** The delay before the next attempt, in whole ms; counts one attempt. */
  duration(): number {
    const o = this.#o;
    return backoffDelay(this.attempts++, o.min, o.max, o.jitter, o.factor, o.random);
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
    this.#o.jitter = jitter;
  }
}
