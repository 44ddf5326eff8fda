/** Runs `fn` on the page's beforeunload (browsers only); returns the remover, or undefined elsewhere. */
export function onBeforeUnload(fn: () => void): (() => void) | undefined {
  const target: unknown = globalThis;
  const add: unknown = Reflect.get(globalThis, 'addEventListener');
  const remove: unknown = Reflect.get(globalThis, 'removeEventListener');
  if (typeof add !== 'function' || typeof remove !== 'function') return undefined;
  const listener = (): void => fn();
  Reflect.apply(add, target, ['beforeunload', listener, false]);
  return () => Reflect.apply(remove, target, ['beforeunload', listener, false]);
}
