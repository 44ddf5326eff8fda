// engine.io's Server and Socket are Node EventEmitters; ours are eventemitter3 emitters (faster emit,
// lighter per session). This base adds the Node methods eventemitter3 lacks, so code written for
// engine.io (`socket.conn.setMaxListeners(0)`, `io.engine.prependListener(...)`) runs unchanged.
import { EventEmitter } from 'eventemitter3';

/** Per emitter, only for those that called setMaxListeners(): no field on every session. */
const maxListeners = new WeakMap<object, number>();

/** Node's default (eventemitter3 never warns, so the value is only stored and returned). */
const DEFAULT_MAX_LISTENERS = 10;

export class NodeStyleEmitter<T extends EventEmitter.ValidEventTypes> extends EventEmitter<T> {
  /** Adds `fn` before the listeners `event` already has (Node's prependListener). */
  prependListener<E extends EventEmitter.EventNames<T>>(event: E, fn: EventEmitter.EventListener<T, E>): this {
    return prepend(this, event, () => this.on(event, fn));
  }

  /** Adds a one-time `fn` before the listeners `event` already has (Node's prependOnceListener). */
  prependOnceListener<E extends EventEmitter.EventNames<T>>(event: E, fn: EventEmitter.EventListener<T, E>): this {
    return prepend(this, event, () => this.once(event, fn));
  }

  /** Node's rawListeners(): the listener functions, in call order. */
  rawListeners<E extends EventEmitter.EventNames<T>>(event: E): Array<EventEmitter.EventListener<T, E>> {
    return this.listeners(event);
  }

  setMaxListeners(n: number): this {
    if (typeof n !== 'number' || n < 0 || Number.isNaN(n)) {
      throw new RangeError(`The value of "n" is out of range. It must be a non-negative number. Received ${String(n)}`);
    }
    maxListeners.set(this, n);
    return this;
  }

  getMaxListeners(): number {
    return maxListeners.get(this) ?? DEFAULT_MAX_LISTENERS;
  }
}

/**
 * eventemitter3 keeps one listener as a record and several as an array of records, in `_events` (the
 * layout it has had since 1.0). `add` appends the new listener; it is then moved to the front.
 */
function prepend<S extends object>(emitter: S, event: unknown, add: () => unknown): S {
  add();
  const events: unknown = Reflect.get(emitter, '_events');
  const key = typeof event === 'symbol' ? event : String(event);
  const records: unknown = events === null || typeof events !== 'object' ? undefined : Reflect.get(events, key);
  if (Array.isArray(records) && records.length > 1) records.unshift(records.pop());
  return emitter;
}
