import type { SocketPacket } from '@switchback/protocol';
import type { UntypedListener } from './typed-events.js';

/** socket.io-client's reasons, plus 'forced close' (Manager.disconnect()), which it also emits. */
export type DisconnectReason =
  | 'io server disconnect'
  | 'io client disconnect'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'parse error'
  | 'forced close';

type PrependTimeoutError<T extends readonly unknown[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R ? (err: Error, ...args: P) => R : T[K];
};
/** The event map as seen after `timeout()`: every ack callback gets an error first. */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: PrependTimeoutError<P>) => R : E[K];
};
type Untyped = Parameters<UntypedListener>[0];
export type Last<T extends readonly unknown[]> = T extends [...infer _H, infer L] ? L : Untyped;
export type AllButLast<T extends readonly unknown[]> = T extends [...infer H, infer _L] ? H : unknown[];
/**
 * What `emitWithAck` resolves with: the ack's first argument, or its second when the first is the
 * timeout error that `timeout()` puts in front (the error rejects the promise instead).
 */
export type FirstArg<T> = T extends (...args: infer P) => unknown ? FirstAnswer<P> : Untyped;
type FirstAnswer<P extends readonly unknown[]> = P extends readonly [infer A, ...infer Rest]
  ? [A] extends [Error]
    ? Rest extends readonly [infer B, ...unknown[]]
      ? B
      : undefined
    : A
  : Untyped;

export interface SocketOptions {
  /** Sent with the CONNECT packet; a function is asked again on every (re)connect. */
  auth: Record<string, unknown> | ((cb: (data: object) => void) => void);
  /** Retry emits until acknowledged, this many times (with `ackTimeout`); delivery in order. */
  retries: number;
  /** Default timeout in ms of every ack (as `timeout()` on each emit). */
  ackTimeout: number;
}

export type DisconnectDescription = Error | { description: string; context?: unknown };

/** A `connect_error` error; `data` is what the server middleware attached to the refusal. */
export interface ExtendedError extends Error {
  data?: unknown;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: DisconnectReason, description?: DisconnectDescription) => void;
}

/** A packet waiting in `sendBuffer`, with the engine write options it will be sent with. */
export interface OutgoingPacket extends SocketPacket {
  options?: { compress?: boolean };
}
