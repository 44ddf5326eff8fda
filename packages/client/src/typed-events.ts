import { EventEmitter } from 'eventemitter3';

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

/**
 * The listener side of socket.io-client's `Emitter<Listen, Emit, Reserved>`: `on`/`once`/`off` are typed by
 * the events received plus the reserved ones; subclasses decide what `emit` means (the Socket sends to
 * the server). Listeners live in an eventemitter3 instance.
 */
export class Emitter<ListenEvents extends EventsMap, ReservedEvents extends EventsMap = object> {
  readonly #ee = new EventEmitter();

  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    this.#ee.on(ev, listener as UntypedListener);
    return this;
  }

  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    this.#ee.once(ev, listener as UntypedListener);
    return this;
  }

  /** Removes one listener, every listener of `ev`, or (no argument) every listener. */
  off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    if (ev === undefined) this.#ee.removeAllListeners();
    else this.#ee.removeListener(ev, listener as UntypedListener | undefined);
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
    this.#ee.removeAllListeners(ev);
    return this;
  }

  listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
  ): Array<ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>> {
    return this.#ee.listeners(ev) as Array<ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>>;
  }

  hasListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev: Ev): boolean {
    return this.#ee.listenerCount(ev) > 0;
  }

  listenerCount<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev: Ev): number {
    return this.#ee.listenerCount(ev);
  }

  /** Emits one of the reserved events (connect, disconnect, open, ...) to the local listeners. */
  protected emitReserved<Ev extends EventNames<ReservedEvents>>(
    ev: Ev,
    ...args: EventParams<ReservedEvents, Ev>
  ): this {
    this.#ee.emit(ev, ...args);
    return this;
  }

  /** Emits an event received from the wire to the local listeners. */
  protected emitUntyped(ev: string | symbol, args: readonly unknown[]): void {
    this.#ee.emit(ev, ...args);
  }
}
