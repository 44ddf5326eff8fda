/**
 * The server's sessions by id, as engine.io code sees them: a Map (ARCHITECTURE.md) whose entries
 * also read as own enumerable properties, so code that reads `engine.clients[id]` or
 * `Object.keys(engine.clients)` (engine.io's `clients` is a plain object) keeps working. Ids that
 * would shadow a Map member (`get`, `size`, ...) are only in the Map.
 *
 * The properties are a view (a Proxy, see mirrorView), not copies: mirroring every entry as a real
 * property turned the object into a dictionary that grew by ~50 bytes per session, and made every
 * handshake and close redefine a property. The server keeps its sessions in a plain Map and hands
 * out the view.
 */
export class ClientRegistry<V> extends Map<string, V> {
  constructor() {
    super();
    // eslint-disable-next-line no-constructor-return -- the instance is seen through its view
    return mirrorView(this);
  }
}

/** `map`, with its entries readable as own enumerable properties (see ClientRegistry). */
export function mirrorView<V, M extends Map<string, V>>(map: M): M {
  // Map methods need the Map itself as `this`: one bound copy per method name, made on first use.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(map, {
    get(target, key) {
      if (typeof key === 'string' && mirrorable(key) && target.has(key)) return target.get(key);
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(key);
      if (fn === undefined) {
        fn = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(key, fn);
      }
      return fn;
    },
    has(target, key) {
      return (typeof key === 'string' && mirrorable(key) && target.has(key)) || Reflect.has(target, key);
    },
    ownKeys(target) {
      const keys: Array<string | symbol> = Reflect.ownKeys(target);
      for (const key of target.keys()) if (mirrorable(key)) keys.push(key);
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string' && mirrorable(key) && target.has(key)) {
        return { value: target.get(key), enumerable: true, configurable: true, writable: false };
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    // Entries are only added through the Map's methods, as with engine.io's object they are the server's.
    set(target, key, value) {
      return Reflect.set(target, key, value, target);
    },
    defineProperty(target, key, descriptor) {
      return Reflect.defineProperty(target, key, descriptor);
    },
  });
}

function mirrorable(key: string): boolean {
  return !(key in Map.prototype) && key !== '__proto__';
}
