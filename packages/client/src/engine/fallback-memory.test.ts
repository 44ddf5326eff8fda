import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryFallbackMemory, SessionStorageFallbackMemory, createDefaultFallbackMemory } from './fallback-memory.js';
import type { StorageLike } from './fallback-memory.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

describe.each([
  ['in-memory', () => new InMemoryFallbackMemory()],
  ['sessionStorage', () => new SessionStorageFallbackMemory(new MapStorage())],
])('%s fallback memory', (_name, create) => {
  it('remembers until the ttl expires, per key', () => {
    const memory = create();
    memory.set('a', 'polling', 60_000);
    expect(memory.get('a')).toBe('polling');
    expect(memory.get('b')).toBeUndefined();
    vi.advanceTimersByTime(59_999);
    expect(memory.get('a')).toBe('polling');
    vi.advanceTimersByTime(1);
    expect(memory.get('a')).toBeUndefined();
  });

  it('delete forgets', () => {
    const memory = create();
    memory.set('a', 'polling', 60_000);
    memory.delete('a');
    expect(memory.get('a')).toBeUndefined();
  });
});

describe('createDefaultFallbackMemory', () => {
  it('uses sessionStorage when present', () => {
    const storage = new MapStorage();
    vi.stubGlobal('sessionStorage', storage);
    createDefaultFallbackMemory().set('k', 'polling', 1000);
    expect([...storage.map.keys()]).toEqual(['switchback:fallback:k']);
  });

  it('survives a sessionStorage that throws (private mode)', () => {
    const throwing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const memory = new SessionStorageFallbackMemory(throwing);
    expect(() => memory.set('k', 'polling', 1000)).not.toThrow();
    expect(memory.get('k')).toBeUndefined();
  });

  it('falls back to one in-process store without sessionStorage', () => {
    expect(createDefaultFallbackMemory()).toBe(createDefaultFallbackMemory());
  });
});
