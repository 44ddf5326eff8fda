interface EmitterLike {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Resolves with the arguments of the next `event`, or rejects after `ms` naming what it waited for. */
export function once<T extends unknown[] = unknown[]>(
  // Typed emitters (ours, Node's, eventemitter3's) all have once/off; their generic signatures are
  // not assignable to one loose type, so the parameter is structural and checked at run time.
  emitter: object,
  event: string,
  ms = 10_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      (emitter as EmitterLike).off?.(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as unknown as T);
    };
    (emitter as EmitterLike).once(event, listener);
  });
}

/** Polls `predicate` on each macrotask until it holds; for state that has no event (e.g. a count). */
export async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolve function, for "resolve when the Nth thing happened". */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
