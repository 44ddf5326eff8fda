import { EngineError } from './errors.js';
import type { TransportName } from './types.js';

export interface ConnectionPlan {
  readonly first: TransportName;
  /** The first attempt is a WebSocket that may fall back to polling until it has proved itself. */
  readonly fallback: boolean;
  /** Once open over polling, probe the upgrade to WebSocket (once). */
  readonly upgrade: boolean;
}

export interface PlanInput {
  readonly transports: readonly TransportName[];
  readonly hasWebSocket: boolean;
  /** A fallback to polling is remembered for this origin+path. */
  readonly remembered: boolean;
  readonly upgrade: boolean;
}

/**
 * `transports` keeps socket.io-client's meaning: the first entry is tried first, later ones are
 * upgrades. With WebSocket first, polling is the fallback; a remembered fallback starts on polling
 * and tries the upgrade in the background. A forced single transport never falls back.
 */
export function planConnection(input: PlanInput): ConnectionPlan | EngineError {
  const { transports, hasWebSocket, remembered, upgrade } = input;
  const hasPolling = transports.includes('polling');
  const first = transports[0];
  if (first === 'websocket') {
    if (hasWebSocket && !(remembered && hasPolling)) return { first: 'websocket', fallback: hasPolling, upgrade: false };
    if (hasPolling) return { first: 'polling', fallback: false, upgrade: hasWebSocket && upgrade };
    return new EngineError('transports is ["websocket"] but no WebSocket constructor is available (pass options.WebSocket or install ws)', { code: 'NO_TRANSPORT' });
  }
  if (first === 'polling') {
    return { first: 'polling', fallback: false, upgrade: upgrade && hasWebSocket && transports.includes('websocket') };
  }
  return new EngineError('options.transports is empty', { code: 'NO_TRANSPORT' });
}
