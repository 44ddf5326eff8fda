import type { Clock, FallbackMemory } from './types.js';
import { defaultClock } from './clock.js';

const STORAGE_PREFIX = 'switchback:fallback:';

/** The key a fallback is remembered under: one per origin + path (e.g. `https://a.example/socket.io/`). */
export function fallbackKey(origin: string, path: string): string {
  return `${origin}${path}`;
}

/** The slice of the Web Storage API we use. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Remembers fallbacks in sessionStorage (per tab, survives reloads) with an expiry, so a network that
 * blocked WebSocket once is not punished forever (phoenix#5741 discusses the trade-off).
 */
export class SessionStorageFallbackMemory implements FallbackMemory {
  readonly #storage: StorageLike;
  readonly #clock: Clock;

  constructor(storage: StorageLike, clock: Clock = defaultClock) {
    this.#storage = storage;
    this.#clock = clock;
  }

  get(key: string): 'polling' | undefined {
    const raw = ignoringStorageErrors(() => this.#storage.getItem(STORAGE_PREFIX + key));
    if (raw === undefined || raw === null) return undefined;
    const expiresAt = Number(raw);
    if (!Number.isFinite(expiresAt) || this.#clock.now() >= expiresAt) {
      this.delete(key);
      return undefined;
    }
    return 'polling';
  }

  set(key: string, _value: 'polling', ttlMs: number): void {
    ignoringStorageErrors(() => this.#storage.setItem(STORAGE_PREFIX + key, String(this.#clock.now() + ttlMs)));
  }

  delete(key: string): void {
    ignoringStorageErrors(() => this.#storage.removeItem(STORAGE_PREFIX + key));
  }
}

// Safari private mode and sandboxed iframes throw on storage access; forgetting is the safe outcome.
function ignoringStorageErrors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/**
 * Remembers fallbacks in this process only (Node, or browsers without sessionStorage): the same
 * expiring entries as SessionStorageFallbackMemory, kept in a Map.
 */
export class InMemoryFallbackMemory extends SessionStorageFallbackMemory {
  constructor(clock: Clock = defaultClock) {
    const entries = new Map<string, string>();
    super(
      {
        getItem: (key) => entries.get(key) ?? null,
        setItem: (key, value) => entries.set(key, value),
        removeItem: (key) => entries.delete(key),
      },
      clock,
    );
  }
}

function isStorageLike(value: unknown): value is StorageLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['getItem'] === 'function' && typeof v['setItem'] === 'function' && typeof v['removeItem'] === 'function';
}

export function findSessionStorage(): StorageLike | undefined {
  try {
    // Reading the property itself can throw (storage disabled by the user agent).
    const storage: unknown = Reflect.get(globalThis, 'sessionStorage');
    return isStorageLike(storage) ? storage : undefined;
  } catch {
    return undefined;
  }
}

let processMemory: FallbackMemory | undefined;

/**
 * sessionStorage when the environment has it, else an in-process store; one per page or process, so
 * what is kept beside it (strikes, the one background upgrade attempt) outlives each engine Socket.
 */
export function createDefaultFallbackMemory(): FallbackMemory {
  if (processMemory !== undefined) return processMemory;
  const storage = findSessionStorage();
  processMemory = storage !== undefined ? new SessionStorageFallbackMemory(storage) : new InMemoryFallbackMemory();
  return processMemory;
}
