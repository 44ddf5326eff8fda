// Compile-time event typing, name for name as socket.io 4.8's typed-events so that typed apps move over
// unchanged. The `any`s below live only at the type level: a listener `(msg: string) => void` must be
// assignable to the map's function type, which `unknown[]` parameters would forbid (contravariance).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { EventEmitter } from 'node:events';

/** A map of event name to listener signature. */
export interface EventsMap {
  [event: string]: any;
}

/** The map used when no events interface is given: any name, any arguments. */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

type IsAny<T> = 0 extends 1 & T ? true : false;
type IfAny<T, Yes, No> = IsAny<T> extends true ? Yes : No;

/** The last element type of a tuple. */
export type Last<T extends readonly unknown[]> = T extends readonly [infer Only]
  ? Only
  : T extends readonly [unknown, ...infer Tail]
    ? Last<Tail>
    : T extends ReadonlyArray<infer Item>
      ? Item
      : never;

/** Every element type of a tuple but the last. */
export type AllButLast<T extends any[]> = T extends [...infer Head, unknown] ? Head : any[];

type LooseParameters<T> = T extends (...args: infer P) => any ? P : never;

export type FirstNonErrorTuple<T extends unknown[]> = T[0] extends Error ? T[1] : T[0];

/** The first argument of an ack callback that is not the timeout error. */
export type FirstNonErrorArg<T> = T extends (...args: infer Params) => any ? FirstNonErrorTuple<Params> : any;

/** Events whose last parameter is a callback (an acknowledgement). */
export type EventNamesWithAck<Map extends EventsMap, K extends EventNames<Map> = EventNames<Map>> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (
    Parameters<Map[K]> extends never[] ? never : Last<Parameters<Map[K]>> extends (...args: any[]) => any ? K : never
  )
    ? K
    : never
>;

/** Events whose last parameter is not a callback. */
export type EventNamesWithoutAck<Map extends EventsMap, K extends EventNames<Map> = EventNames<Map>> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (Parameters<Map[K]> extends never[] ? K : never)
    ? K
    : K extends (Last<Parameters<Map[K]>> extends (...args: any[]) => any ? never : K)
      ? K
      : never
>;

/** Events whose ack callback already takes an Error first. */
export type EventNamesWithError<Map extends EventsMap, K extends EventNamesWithAck<Map> = EventNamesWithAck<Map>> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (LooseParameters<Last<Parameters<Map[K]>>>[0] extends Error ? K : never) ? K : never
>;

/** Only the events that take no acknowledgement (what a broadcast without timeout may send). */
export type RemoveAcknowledgements<E extends EventsMap> = {
  [K in EventNamesWithoutAck<E>]: E[K];
};

type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result
    ? Params[0] extends Error
      ? T[K]
      : (err: Error, ...args: Params) => Result
    : T[K];
};

/** Each element turned into an array of that element (one response per client). */
export type MultiplyArray<T extends unknown[]> = {
  [K in keyof T]: T[K][];
};

// Keeps the parameter label of the first element (for editor hints) while dropping the rest.
type InferFirstAndPreserveLabel<T extends any[]> = T extends [any, ...infer R]
  ? T extends [...infer H, ...R]
    ? H
    : never
  : never;

type ExpectMultipleResponses<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result
    ? Params extends [Error]
      ? (err: Error) => Result
      : Params extends [Error, ...infer Rest]
        ? (err: Error, ...args: InferFirstAndPreserveLabel<MultiplyArray<Rest>>) => Result
        : Params extends []
          ? () => Result
          : (...args: InferFirstAndPreserveLabel<MultiplyArray<Params>>) => Result
    : T[K];
};

/** `socket.timeout(ms)`: ack callbacks receive the timeout error first. */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: PrependTimeoutError<Params>) => Result
    : E[K];
};

/** `io.timeout(ms)`: ack callbacks receive the timeout error and one response per client. */
export type DecorateAcknowledgementsWithTimeoutAndMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: ExpectMultipleResponses<PrependTimeoutError<Params>>) => Result
    : E[K];
};

/** A broadcast from a socket: ack callbacks receive one response per client. */
export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: ExpectMultipleResponses<Params>) => Result
    : E[K];
};

export type ReservedOrUserEventNames<ReservedEventsMap extends EventsMap, UserEvents extends EventsMap> =
  | EventNames<ReservedEventsMap>
  | EventNames<UserEvents>;

type FallbackToUntypedListener<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void> : T;

/** The listener type for a reserved event or a user event, untyped when the name is in neither map. */
export type ReservedOrUserListener<
  ReservedEvents extends EventsMap,
  UserEvents extends EventsMap,
  Ev extends ReservedOrUserEventNames<ReservedEvents, UserEvents>,
> = FallbackToUntypedListener<
  Ev extends EventNames<ReservedEvents> ? ReservedEvents[Ev] : Ev extends EventNames<UserEvents> ? UserEvents[Ev] : never
>;

/** Anything with a typed `emit`. */
export interface TypedEventBroadcaster<EmitEvents extends EventsMap> {
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
}

/**
 * A node:events EventEmitter whose `on`/`once`/`emit` are typed by three maps: events listened to,
 * events emitted to the peer, and reserved local events (`disconnect`, `connection`...).
 */
export abstract class StrictEventEmitter<
    ListenEvents extends EventsMap,
    EmitEvents extends EventsMap,
    ReservedEvents extends EventsMap = {},
  >
  extends EventEmitter
  implements TypedEventBroadcaster<EmitEvents>
{
  override on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener);
  }

  override once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener);
  }

  // Subclasses send to the peer here; the local emitter is reached through emitReserved/emitUntyped.
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return super.emit(ev, ...args);
  }

  protected emitReserved<Ev extends EventNames<ReservedEvents>>(ev: Ev, ...args: EventParams<ReservedEvents, Ev>): boolean {
    return super.emit(ev, ...args);
  }

  protected emitUntyped(ev: string, ...args: unknown[]): boolean {
    return super.emit(ev, ...args);
  }

  /** Emits locally `args[0]` with the rest as arguments (no copy of the array on the way). */
  protected emitArgs(args: readonly [string, ...unknown[]]): boolean {
    return Reflect.apply(EventEmitter.prototype.emit, this, args) as boolean;
  }

  override listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    event: Ev,
  ): Array<ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>> {
    return super.listeners(event) as Array<ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>>;
  }
}

/** A catch-all listener (onAny/onAnyOutgoing): the event name, then its arguments. */
export type AnyListener = (...args: any[]) => void;
