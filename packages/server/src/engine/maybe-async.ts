// Steps that are usually synchronous but may return a promise (an app's allowRequest, generateId or
// middleware): run at once when they are, so the default path of a handshake takes no promise hops.

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Calls `next` with `value` now, or once it resolves. `value` must not reject: the steps given here
 * turn their failures into values (EngineRequestError).
 */
export function whenResolved<T>(value: T | PromiseLike<T>, next: (value: T) => void): void {
  if (isPromiseLike(value)) void Promise.resolve(value as PromiseLike<T>).then(next);
  else next(value as T);
}
