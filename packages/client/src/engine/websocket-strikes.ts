import type { FallbackMemory } from './types.js';

/**
 * Counts WebSockets that died of a heartbeat timeout soon after connecting. Two in a row mean a
 * proxy that opens the socket and then kills it (phoenix#6766): the caller remembers the fallback.
 * Kept per memory object, because one engine Socket does not outlive its connection.
 */
const strikesByMemory = new WeakMap<FallbackMemory, Map<string, number>>();

export const STRIKES_TO_BLOCK = 2;

/** Returns the number of consecutive strikes, including this one. */
export function addStrike(memory: FallbackMemory, key: string): number {
  let strikes = strikesByMemory.get(memory);
  if (strikes === undefined) {
    strikes = new Map();
    strikesByMemory.set(memory, strikes);
  }
  const count = (strikes.get(key) ?? 0) + 1;
  strikes.set(key, count);
  return count;
}

export function clearStrikes(memory: FallbackMemory, key: string): void {
  strikesByMemory.get(memory)?.delete(key);
  upgradeAttemptsByMemory.get(memory)?.delete(key);
}

/** Keys whose remembered fallback already had its one background upgrade attempt. */
const upgradeAttemptsByMemory = new WeakMap<FallbackMemory, Set<string>>();

/** True the first time for a memory and key (until clearStrikes); the caller may then probe. */
export function takeUpgradeAttempt(memory: FallbackMemory, key: string): boolean {
  let tried = upgradeAttemptsByMemory.get(memory);
  if (tried === undefined) {
    tried = new Set();
    upgradeAttemptsByMemory.set(memory, tried);
  }
  if (tried.has(key)) return false;
  tried.add(key);
  return true;
}

/**
 * Bookkeeping when a WebSocket session ends. A ping timeout within 2 × (pingInterval + pingTimeout)
 * of open is a strike; a session that lived longer clears them. Returns true when the caller should
 * remember the fallback (and the count starts over).
 */
export function noteWebSocketEnd(
  memory: FallbackMemory,
  key: string,
  end: { pingTimeout: boolean; lifetime: number; heartbeatWindow: number },
): boolean {
  const shortLived = end.lifetime < 2 * end.heartbeatWindow;
  if (!shortLived) {
    clearStrikes(memory, key);
    return false;
  }
  if (!end.pingTimeout) return false;
  if (addStrike(memory, key) < STRIKES_TO_BLOCK) return false;
  clearStrikes(memory, key);
  // This proxy lets WebSockets open and then kills them: a background upgrade from the fallback would
  // pass the probe and die the same way, so this memory's one attempt is spent (a reload gets one).
  takeUpgradeAttempt(memory, key);
  return true;
}
