import { describe, expect, it } from 'vitest';
import { ClientRegistry } from './client-registry.js';

describe('ClientRegistry', () => {
  it('mirrors entries as own enumerable properties, as engine.io clients object', () => {
    const registry = new ClientRegistry<{ id: string }>();
    registry.set('abc', { id: 'abc' });
    expect(Object.keys(registry)).toEqual(['abc']);
    expect(Reflect.get(registry, 'abc')).toEqual({ id: 'abc' });
    registry.delete('abc');
    expect(Object.keys(registry)).toEqual([]);
    expect(registry.size).toBe(0);
  });

  it('keeps ids that would shadow Map members out of the mirror', () => {
    const registry = new ClientRegistry<number>();
    registry.set('get', 1).set('__proto__', 2);
    expect(registry.get('get')).toBe(1);
    expect(registry.get('__proto__')).toBe(2);
    expect(Object.keys(registry)).toEqual([]);
    registry.clear();
    expect(registry.size).toBe(0);
  });
});
