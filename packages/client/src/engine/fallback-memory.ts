import type { Clock, FallbackMemory } from './types.js';
import { defaultClock } from './clock.js';

const PREFIX = 'switchback:fallback:';

/** The key a fallback is remembered under: one per origin + path (e.g. `https://a.example/socket.io/`). */
export function fallbackKey(origin: string, path: string): string {
  return origin + path;
}

/** The slice of the Web Storage API we use. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

// Safari private mode and sandboxed iframes throw on storage access; forgetting is the safe outcome.
function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
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
    const raw = safely(() => this.#storage.getItem(PREFIX + key));
    if (raw == null) return undefined;
    // An expired or unreadable entry (NaN compares false) is forgotten.
    if (this.#clock.now() < Number(raw)) return 'polling';
    this.delete(key);
    return undefined;
  }

  set(key: string, _value: 'polling', ttlMs: number): void {
    safely(() => this.#storage.setItem(PREFIX + key, String(this.#clock.now() + ttlMs)));
  }

  delete(key: string): void {
    safely(() => this.#storage.removeItem(PREFIX + key));
  }
}

/**
 * Remembers fallbacks in this process only (Node, or browsers without sessionStorage): the same
 * expiring entries as SessionStorageFallbackMemory, kept in a Map.
 */
export class InMemoryFallbackMemory extends SessionStorageFallbackMemory {
  constructor(clock: Clock = defaultClock) {
    super(mapStorage(), clock);
  }
}

/** A StorageLike over a Map of this process (what InMemoryFallbackMemory stores in). */
function mapStorage(): StorageLike {
  const entries = new Map<string, string>();
  return { getItem: (key) => entries.get(key) ?? null, setItem: (key, value) => entries.set(key, value), removeItem: (key) => entries.delete(key) };
}

/**
 * The Manager's memory: none in browsers (the page's default one in sessionStorage applies), else an
 * in-process one per Manager, so its reconnects skip a WebSocket that failed before. An
 * InMemoryFallbackMemory, built without the subclass so that browser bundles leave the class out.
 */
export function managerFallbackMemory(): FallbackMemory | undefined {
  return findSessionStorage() ? undefined : new SessionStorageFallbackMemory(mapStorage());
}

export function findSessionStorage(): StorageLike | undefined {
  // Reading the property itself can throw (storage disabled by the user agent).
  const storage = safely(() => (globalThis as { sessionStorage?: StorageLike }).sessionStorage);
  return typeof storage?.getItem === 'function' ? storage : undefined;
}

let processMemory: FallbackMemory | undefined;

/**
 * sessionStorage when the environment has it, else an in-process store; one per page or process, so
 * what is kept beside it (strikes, whether upgrades stopped) outlives each engine Socket.
 */
export function createDefaultFallbackMemory(): FallbackMemory {
  // Without sessionStorage: an InMemoryFallbackMemory, built without the subclass (see managerFallbackMemory).
  return (processMemory ??= new SessionStorageFallbackMemory(findSessionStorage() ?? mapStorage()));
}

/**
 * Beside each memory object (one engine Socket does not outlive its connection), per key: bits 0-1
 * count the WebSockets that died of a heartbeat timeout soon after connecting, bit 2 says no more
 * background upgrades while the fallback is remembered (one of them died young).
 */
const notes = new WeakMap<FallbackMemory, Map<string, number>>();
const NO_UPGRADE = 4;

/** Updates the note of `key` beside `memory` (0 when there is none); returns the note before. */
function note(memory: FallbackMemory, key: string, update: (note: number) => number): number {
  let map = notes.get(memory);
  if (map === undefined) notes.set(memory, (map = new Map()));
  const before = map.get(key) ?? 0;
  map.set(key, update(before));
  return before;
}

export function clearNotes(memory: FallbackMemory, key: string): void {
  note(memory, key, () => 0);
}

/**
 * Whether a session on the remembered fallback may try the upgrade in the background: yes, on every
 * connection, until a WebSocket it upgraded to dies before proving itself (see stopUpgrades).
 */
export function upgradesAllowed(memory: FallbackMemory, key: string): boolean {
  return !(note(memory, key, (n) => n) & NO_UPGRADE);
}

/**
 * A WebSocket upgraded to from the remembered fallback ended young: a proxy that passes the probe and
 * then kills or stalls the connection. Later sessions stay on polling (until clearNotes or a reload),
 * instead of flapping between polling and a dying WebSocket on every reconnect.
 */
export function stopUpgrades(memory: FallbackMemory, key: string): void {
  note(memory, key, (n) => n | NO_UPGRADE);
}

/**
 * When a WebSocket session ends: a ping timeout within 2 × (pingInterval + pingTimeout) of open is a
 * strike, a session that lived longer clears them. Two strikes in a row mean a proxy that opens the
 * socket and then kills it (phoenix#6766): returns true, and the caller remembers the fallback.
 */
export function noteWebSocketEnd(memory: FallbackMemory, key: string, pingTimeout: boolean, shortLived: boolean): boolean {
  if (!shortLived) clearNotes(memory, key);
  // Blocked: the strikes start over, and a background upgrade from the fallback would pass the probe
  // and die the same way, so this memory's upgrades stop (a reload gets one).
  return shortLived && pingTimeout && ((note(memory, key, (n) => ((++n & 3) < 2 ? n : NO_UPGRADE)) + 1) & 3) > 1;
}
