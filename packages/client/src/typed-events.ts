/**
 * A map of event names to listener signatures, e.g. `{ chat: (text: string) => void }`. `object` (not an
 * index signature) so that interfaces are accepted, as they are by socket.io-client.
 */
export type EventsMap = object;

/**
 * The listener of an event nobody typed. Its arguments are `any` on purpose and only here: with
 * `unknown`, untyped socket.io-client code such as `socket.on('msg', (m) => m.text)` would stop compiling,
 * and moving over must stay a change of import.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedListener = (...args: any[]) => void;

/** The event map of a socket created without type parameters: any name, any arguments. */
export interface DefaultEventsMap {
  [event: string]: UntypedListener;
}

export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Map[Ev] extends (
  ...args: infer P
) => unknown
  ? P
  : never;

export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  | EventNames<Reserved>
  | EventNames<User>;

type FallbackToUntypedListener<T> = [T] extends [never] ? UntypedListener : T;

export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends ReservedOrUserEventNames<Reserved, User>,
> = FallbackToUntypedListener<
  Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never
>;

/** A stored listener; a once-wrapper carries the app's listener as `f` (for off() and listeners()). */
type Stored = UntypedListener & { f?: UntypedListener };

/**
 * The listener side of socket.io-client's `Emitter<Listen, Emit, Reserved>`: `on`/`once`/`off` are typed by
 * the events received plus the reserved ones; subclasses decide what `emit` means (the Socket sends to
 * the server). Listeners run in order of registration with the emitter as `this`; a listener added
 * or removed during an emit takes effect from the next emit on (eventemitter3's semantics): the arrays
 * are copy-on-write, so an emit iterates the one it started with, with no copy per emit.
 */
export class Emitter<ListenEvents extends EventsMap, ReservedEvents extends EventsMap = object> {
  #l = new Map<string | symbol, Stored[]>();

  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    this.#l.set(ev, [...(this.#l.get(ev) ?? []), listener as UntypedListener]);
    return this;
  }

  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const w: Stored = (...args) => {
      this.off(ev, w as never);
      (listener as UntypedListener).apply(this, args);
    };
    w.f = listener as UntypedListener;
    return this.on(ev, w as never);
  }

  /** Removes one listener, every listener of `ev`, or (no argument) every listener. */
  off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const l = this.#l;
    const rest = listener && l.get(ev!)?.filter((s) => s !== listener && s.f !== listener);
    if (rest?.length) l.set(ev!, rest);
    else if (ev === undefined) l.clear();
    else l.delete(ev);
    return this;
  }

  /** Alias of {@link off}. */
  removeListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.off<Ev>(ev, listener);
  }

  removeAllListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev?: Ev): this {
    return this.off<Ev>(ev);
  }

  listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
  ): Array<ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>> {
    return (this.#l.get(ev) ?? []).map((s) => (s.f ?? s) as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>);
  }

  hasListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev: Ev): boolean {
    return this.#l.has(ev);
  }

  /**
   * @internal Emits a reserved event (connect, disconnect, open, ...) to the local listeners (socket.io-client's
   * `emitReserved`, shortened: it is called often and its name would stay whole in minified bundles).
   * Also emits events received from the wire (cast by the caller); false when nobody listens.
   */
  protected _e<Ev extends EventNames<ReservedEvents>>(ev: Ev, ...args: EventParams<ReservedEvents, Ev>): boolean {
    const list = this.#l.get(ev);
    for (const f of list ?? []) f.apply(this, args);
    return !!list;
  }
}

/**
 * Adds `listeners` (event name -> listener) to `emitter`; returns the one function that removes them all.
 * Typed by the caller; the listeners' types are checked where the object literal is written.
 */
export function subscribe(
  emitter: { on(ev: never, fn: never): unknown; off(ev: never, fn: never): unknown },
  listeners: Record<string, unknown>,
): () => void {
  for (const ev in listeners) emitter.on(ev as never, listeners[ev] as never);
  return () => {
    for (const ev in listeners) emitter.off(ev as never, listeners[ev] as never);
  };
}

type Key<Events> = keyof Events & (string | symbol);
type Args<Events, Ev extends keyof Events> = Events[Ev] extends unknown[] ? Events[Ev] : never;

/** The engine layer's emitter, typed by an `{ event: [args] }` map, with a public `emit` (engine.io-client's shape). */
export interface EventEmitter<Events extends object> {
  on<Ev extends Key<Events>>(ev: Ev, fn: (...args: Args<Events, Ev>) => void): this;
  once<Ev extends Key<Events>>(ev: Ev, fn: (...args: Args<Events, Ev>) => void): this;
  off<Ev extends Key<Events>>(ev?: Ev, fn?: (...args: Args<Events, Ev>) => void): this;
  removeListener<Ev extends Key<Events>>(ev?: Ev, fn?: (...args: Args<Events, Ev>) => void): this;
  removeAllListeners(ev?: Key<Events>): this;
  listeners<Ev extends Key<Events>>(ev: Ev): Array<(...args: Args<Events, Ev>) => void>;
  hasListeners(ev: Key<Events>): boolean;
  /** Calls the listeners of `ev`; false when there is none. */
  emit<Ev extends Key<Events>>(ev: Ev, ...args: Args<Events, Ev>): boolean;
}

class UntypedEmitter extends Emitter<object> {
  emit(ev: string | symbol, ...args: unknown[]): boolean {
    return this._e(ev as never, ...(args as never[]));
  }
}

// One implementation for both layers; only the typing differs.
// eslint-disable-next-line @typescript-eslint/no-redeclare
export const EventEmitter = UntypedEmitter as unknown as new <Events extends object>() => EventEmitter<Events>;
