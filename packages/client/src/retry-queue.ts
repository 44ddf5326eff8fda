/** Modifiers of one emit, set by `volatile`, `compress()` and `timeout()`. */
export interface Flags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

/** An ack callback; `withError` ones take an Error (or null) first, as after `timeout()`. */
export type AckFn = ((...args: unknown[]) => void) & { withError?: boolean };

export function withError(fn: AckFn): AckFn {
  fn.withError = true;
  return fn;
}

interface QueuedEmit {
  tryCount: number;
  pending: boolean;
  args: unknown[];
  flags: Flags;
}

/**
 * The `retries` option: emits go one at a time, each waiting for its ack (or its `ackTimeout`) before the
 * next, and are sent again up to `retries` times, so order holds across retries and reconnects.
 */
export class RetryQueue {
  readonly #queue: QueuedEmit[] = [];
  readonly #retries: number;
  readonly #connected: () => boolean;
  readonly #send: (args: unknown[], flags: Flags) => void;

  constructor(retries: number, connected: () => boolean, send: (args: unknown[], flags: Flags) => void) {
    this.#retries = retries;
    this.#connected = connected;
    this.#send = send;
  }

  add(args: unknown[], flags: Flags): void {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (args.pop() as AckFn) : undefined;
    const queued: QueuedEmit = { tryCount: 0, pending: false, args, flags: { ...flags, fromQueue: true } };
    args.push(
      withError((err, ...response) => {
        if (queued !== this.#queue[0]) return; // already acknowledged
        if (err != null) {
          if (queued.tryCount > this.#retries) {
            this.#queue.shift();
            ack?.(err);
          }
        } else {
          this.#queue.shift();
          ack?.(null, ...response);
        }
        queued.pending = false;
        this.drain();
      }),
    );
    this.#queue.push(queued);
    this.drain();
  }

  /** Sends the head unless it is waiting for its ack; `force` sends it again (after a reconnect). */
  drain(force = false): void {
    const head = this.#queue[0];
    if (!this.#connected() || !head || (head.pending && !force)) return;
    head.pending = true;
    head.tryCount++;
    this.#send([...head.args], head.flags);
  }
}
