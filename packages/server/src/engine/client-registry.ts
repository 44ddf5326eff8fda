/**
 * The server's sessions by id. A Map (ARCHITECTURE.md), whose entries are also mirrored as own
 * enumerable properties, so engine.io code that reads `engine.clients[id]` or
 * `Object.keys(engine.clients)` (engine.io's `clients` is a plain object) keeps working.
 * Ids that would shadow a Map member (`get`, `size`, ...) are only in the Map.
 */
export class ClientRegistry<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    super.set(key, value);
    if (mirrorable(key)) Object.defineProperty(this, key, { value, enumerable: true, configurable: true, writable: false });
    return this;
  }

  override delete(key: string): boolean {
    const had = super.delete(key);
    if (had && mirrorable(key)) Reflect.deleteProperty(this, key);
    return had;
  }

  override clear(): void {
    for (const key of this.keys()) if (mirrorable(key)) Reflect.deleteProperty(this, key);
    super.clear();
  }
}

function mirrorable(key: string): boolean {
  return !(key in Map.prototype) && key !== '__proto__';
}
