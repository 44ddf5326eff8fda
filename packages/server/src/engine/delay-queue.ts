/**
 * One entry of a DelayQueue, reused for every wait of its owner (a Node Timeout is ~200 bytes with its
 * callback and arguments; this is four fields). Subclass it to carry the owner, or use OwnedDelayEntry.
 */
export class DelayEntry {
  /** @internal */ prev: DelayEntry | null = null;
  /** @internal */ next: DelayEntry | null = null;
  /** @internal When it is due (performance.now() clock). */ due = 0;
  /** @internal The queue it waits in, if any. */ queue: DelayQueue<never> | null = null;

  get pending(): boolean {
    return this.queue !== null;
  }

  /** Milliseconds until it is due; Infinity when it does not wait. */
  remaining(): number {
    return this.queue === null ? Infinity : this.due - performance.now();
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
export class DelayQueue<Entry extends DelayEntry> {
  readonly delay: number;
  readonly #fire: (entry: Entry) => void;
  #head: DelayEntry | null = null;
  #tail: DelayEntry | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the Node timer fires (performance.now() clock); Infinity when none is set. */
  #timerDue = Infinity;

  constructor(delay: number, fire: (entry: Entry) => void) {
    this.delay = delay;
    this.#fire = fire;
  }

  /** Starts (or restarts) the wait of `entry`, taking it out of any queue it was in. */
  add(entry: Entry): void {
    entry.queue?.remove(entry);
    // Whole milliseconds: a small integer is stored in the field itself (a fraction needs a boxed number).
    entry.due = Math.round(performance.now() + this.delay);
    entry.queue = this;
    entry.prev = this.#tail;
    if (this.#tail === null) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    if (this.#timer === null) this.#arm();
  }

  /** Cancels the wait of `entry`; nothing happens if it does not wait here. */
  remove(entry: DelayEntry): void {
    if (entry.queue !== this) return;
    if (entry.prev === null) this.#head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === null) this.#tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = null;
    entry.next = null;
    entry.queue = null;
    // Nothing left to wait for: the process must not be kept alive by an empty queue.
    if (this.#head === null) this.#disarm();
  }

  #arm(): void {
    const head = this.#head;
    if (head === null) return;
    if (this.#timer !== null && this.#timerDue <= head.due) return;
    this.#disarm();
    this.#timerDue = head.due;
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, Math.ceil(head.due - performance.now())));
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
      while (head !== null && head.due <= now) {
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
