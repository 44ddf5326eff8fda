// The fields an entry carries for its queue, under symbols: an object that times itself (a session's
// heartbeat) can carry them without a separate entry object and without names of its public API.
export const PREV: unique symbol = Symbol('DelayQueue.prev');
export const NEXT: unique symbol = Symbol('DelayQueue.next');
export const DUE: unique symbol = Symbol('DelayQueue.due');
export const QUEUE: unique symbol = Symbol('DelayQueue.queue');

/** What a DelayQueue needs of an entry (DelayEntry, or an object with these four fields). */
export interface DelayNode {
  /** @internal */ [PREV]: DelayNode | null;
  /** @internal */ [NEXT]: DelayNode | null;
  /** @internal When it is due (performance.now() clock). */ [DUE]: number;
  /** @internal The queue it waits in, if any. */ [QUEUE]: DelayQueue<never> | null;
}

/**
 * One entry of a DelayQueue, reused for every wait of its owner (a Node Timeout is ~200 bytes with its
 * callback and arguments; this is four fields). Subclass it to carry the owner, or use OwnedDelayEntry.
 */
export class DelayEntry implements DelayNode {
  /** @internal */ [PREV]: DelayNode | null = null;
  /** @internal */ [NEXT]: DelayNode | null = null;
  /** @internal */ [DUE] = 0;
  /** @internal */ [QUEUE]: DelayQueue<never> | null = null;

  /** The queue it waits in, if any. */
  get queue(): DelayQueue<never> | null {
    return this[QUEUE];
  }

  get pending(): boolean {
    return this[QUEUE] !== null;
  }

  /** Milliseconds until it is due; Infinity when it does not wait. */
  remaining(): number {
    return this[QUEUE] === null ? Infinity : this[DUE] - performance.now();
  }
}

/** An entry that points at what it times. */
export class OwnedDelayEntry<Owner> extends DelayEntry {
  readonly owner: Owner;

  constructor(owner: Owner) {
    super();
    this.owner = owner;
  }
}

/**
 * Timers that all wait the same `delay` (the heartbeat of every session of a server), behind one Node
 * timer. Entries are kept in the order they were added, which is the order they are due, so adding,
 * restarting and removing are O(1) and the Node timer only ever waits for the head.
 *
 * @example
 * const pings = new DelayQueue<OwnedDelayEntry<Session>>(25_000, (entry) => entry.owner.ping());
 * pings.add(session.entry);    // (re)starts its wait
 * pings.remove(session.entry); // cancels it
 */
export class DelayQueue<Entry extends DelayNode> {
  readonly delay: number;
  readonly #fire: (entry: Entry) => void;
  #head: DelayNode | null = null;
  #tail: DelayNode | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the Node timer fires (performance.now() clock); Infinity when none is set. */
  #timerDue = Infinity;

  constructor(delay: number, fire: (entry: Entry) => void) {
    this.delay = delay;
    this.#fire = fire;
  }

  /** Starts (or restarts) the wait of `entry`, taking it out of any queue it was in. */
  add(entry: Entry): void {
    entry[QUEUE]?.remove(entry);
    // Whole milliseconds: a small integer is stored in the field itself (a fraction needs a boxed number).
    entry[DUE] = Math.round(performance.now() + this.delay);
    entry[QUEUE] = this;
    entry[PREV] = this.#tail;
    if (this.#tail === null) this.#head = entry;
    else this.#tail[NEXT] = entry;
    this.#tail = entry;
    if (this.#timer === null) this.#arm();
  }

  /** Cancels the wait of `entry`; nothing happens if it does not wait here. */
  remove(entry: DelayNode): void {
    if (entry[QUEUE] !== this) return;
    if (entry[PREV] === null) this.#head = entry[NEXT];
    else entry[PREV][NEXT] = entry[NEXT];
    if (entry[NEXT] === null) this.#tail = entry[PREV];
    else entry[NEXT][PREV] = entry[PREV];
    entry[PREV] = null;
    entry[NEXT] = null;
    entry[QUEUE] = null;
    // Nothing left to wait for: the process must not be kept alive by an empty queue.
    if (this.#head === null) this.#disarm();
  }

  #arm(): void {
    const head = this.#head;
    if (head === null) return;
    if (this.#timer !== null && this.#timerDue <= head[DUE]) return;
    this.#disarm();
    this.#timerDue = head[DUE];
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, Math.ceil(head[DUE] - performance.now())));
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDue = Infinity;
  }

  #onTimer(): void {
    this.#timer = null;
    this.#timerDue = Infinity;
    // Node's timer clock may run a millisecond behind performance.now(): tolerate that much.
    const now = performance.now() + 1;
    // Entries added by the callbacks go after `last` and wait their full delay.
    const last = this.#tail;
    let head = this.#head;
    try {
      while (head !== null && head[DUE] <= now) {
        // Only entries of type Entry are ever added.
        const entry = head as Entry;
        this.remove(entry);
        this.#fire(entry);
        if (head === last) break;
        head = this.#head;
      }
    } finally {
      // A callback that throws (a 'close' listener) must not stop the other sessions' heartbeat.
      this.#arm();
    }
  }
}
