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

/** A stored listener; `o` marks a once-listener. */
interface Entry {
  readonly f: UntypedListener;
  readonly o: boolean;
}

/**
 * The listener side of socket.io-client's `Emitter<Listen, Emit, Reserved>`: `on`/`once`/`off` are typed by
 * the events received plus the reserved ones; subclasses decide what `emit` means (the Socket sends to
 * the server). Listeners run in order of registration with the emitter as `this`; a listener added
 * during an emit is called from the next emit on (eventemitter3's semantics).
 */
export class Emitter<ListenEvents extends EventsMap, ReservedEvents extends EventsMap = object> {
  #l = new Map<string | symbol, Entry[]>();

  #add(ev: string | symbol, f: UntypedListener, o: boolean): this {
    const list = this.#l.get(ev);
    if (list) list.push({ f, o });
    else this.#l.set(ev, [{ f, o }]);
    return this;
  }

  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.#add(ev, listener as UntypedListener, false);
  }

  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.#add(ev, listener as UntypedListener, true);
  }

  /** Removes one listener, every listener of `ev`, or (no argument) every listener. */
  off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    if (ev === undefined) this.#l.clear();
    else this.#remove(ev, listener as UntypedListener | undefined);
    return this;
  }

  #remove(ev: string | symbol, f: UntypedListener | undefined): void {
    const list = f && this.#l.get(ev)?.filter((e) => e.f !== f);
    if (list?.length) this.#l.set(ev, list);
    else this.#l.delete(ev);
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
    return (this.#l.get(ev) ?? []).map((e) => e.f as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>);
  }

  hasListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev: Ev): boolean {
    return this.#l.has(ev);
  }

  listenerCount<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev: Ev): number {
    return this.#l.get(ev)?.length ?? 0;
  }

  /** Emits one of the reserved events (connect, disconnect, open, ...) to the local listeners. */
  protected emitReserved<Ev extends EventNames<ReservedEvents>>(
    ev: Ev,
    ...args: EventParams<ReservedEvents, Ev>
  ): this {
    this.emitUntyped(ev, args);
    return this;
  }

  /** Emits an event received from the wire to the local listeners; false when nobody listens. */
  protected emitUntyped(ev: string | symbol, args: readonly unknown[]): boolean {
    const list = this.#l.get(ev);
    if (!list) return false;
    for (const e of list.slice()) {
      if (e.o) this.#remove(ev, e.f);
      e.f.apply(this, args as unknown[]);
    }
    return true;
  }
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
  listenerCount(ev: Key<Events>): number;
  /** Calls the listeners of `ev`; false when there is none. */
  emit<Ev extends Key<Events>>(ev: Ev, ...args: Args<Events, Ev>): boolean;
}

class UntypedEmitter extends Emitter<object> {
  emit(ev: string | symbol, ...args: unknown[]): boolean {
    return this.emitUntyped(ev, args);
  }
}

// One implementation for both layers; only the typing differs.
// eslint-disable-next-line @typescript-eslint/no-redeclare
export const EventEmitter = UntypedEmitter as unknown as new <Events extends object>() => EventEmitter<Events>;
