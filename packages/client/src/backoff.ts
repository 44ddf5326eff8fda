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
  #min: number;
  #max: number;
  #factor: number;
  #jitter = 0;
  readonly #random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.#min = options.min || 100;
    this.#max = options.max || 10000;
    this.#factor = options.factor || 2;
    this.setJitter(options.jitter ?? 0);
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, in whole ms; counts one attempt. */
  duration(): number {
    // Capped below Infinity: after ~1000 attempts `min * factor^n` overflows, and Infinity - Infinity
    // would turn into a 0 ms delay (a hot reconnect loop).
    let ms = Math.min(this.#min * this.#factor ** this.attempts++, Number.MAX_SAFE_INTEGER);
    if (this.#jitter) {
      const rand = this.#random();
      const deviation = Math.floor(rand * this.#jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.floor(Math.min(ms, this.#max));
  }

  reset(): void {
    this.attempts = 0;
  }

  setMin(min: number): void {
    this.#min = min;
  }

  setMax(max: number): void {
    this.#max = max;
  }

  setJitter(jitter: number): void {
    this.#jitter = jitter > 0 && jitter <= 1 ? jitter : 0;
  }
}
