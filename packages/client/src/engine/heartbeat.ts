import type { Clock } from './types.js';
import { Timer } from './clock.js';

/**
 * Liveness after open: the server pings every pingInterval; no ping for pingInterval + pingTimeout
 * means the connection is dead. The deadline is wall-clock (Date.now), and a timer firing early or
 * late only triggers a check: background tabs throttle timers (socket.io#3259), so `expired()` is
 * also checked whenever the app sends.
 */
export class HeartbeatMonitor {
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #onTimeout: () => void;
  #deadline = Infinity;

  constructor(clock: Clock, onTimeout: () => void) {
    this.#clock = clock;
    this.#timer = new Timer(clock);
    this.#onTimeout = onTimeout;
  }

  /** (Re)start the window: on open and on every ping. */
  reset(windowMs: number): void {
    this.#deadline = this.#clock.now() + windowMs;
    this.#arm();
  }

  expired(): boolean {
    return this.#clock.now() >= this.#deadline;
  }

  stop(): void {
    this.#deadline = Infinity;
    this.#timer.stop();
  }

  #arm(): void {
    const remaining = Math.max(0, this.#deadline - this.#clock.now());
    this.#timer.start(remaining, () => {
      if (this.expired()) {
        this.stop();
        this.#onTimeout();
      } else {
        this.#arm();
      }
    });
  }
}
