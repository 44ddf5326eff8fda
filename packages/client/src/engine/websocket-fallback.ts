import type { OpenPacketData } from '@switchback/protocol';
import { Timer } from './clock.js';
import type { Clock, FallbackMemory, TransportName } from './types.js';
import { clearStrikes, noteWebSocketEnd, takeUpgradeAttempt } from './websocket-strikes.js';

const DEFAULT_FALLBACK_TTL = 60 * 60 * 1000;

/** How long the session may stay silent before it is dead (no limit before the handshake). */
export function heartbeatWindow(session: OpenPacketData | undefined): number {
  return session === undefined ? Infinity : session.pingInterval + session.pingTimeout;
}

export interface WebSocketFallbackOptions {
  clock: Clock;
  /** undefined when the app turned fallback memory off. */
  memory: FallbackMemory | undefined;
  memoryKey: string;
  webSocketTimeout: number;
  fallbackTtl: number | undefined;
}

/**
 * The engine Socket's WebSocket verification and fallback bookkeeping: the stall timer that catches a
 * WebSocket which opens but never answers, and the remembered fallback (when to remember it, when a
 * background upgrade may be tried, when a WebSocket has lived long enough to forget it).
 */
export class WebSocketFallback {
  readonly #clock: Clock;
  readonly #memory: FallbackMemory | undefined;
  readonly #key: string;
  readonly #timeout: number;
  readonly #ttl: number;
  readonly #stallTimer: Timer;
  /** When the current WebSocket became the transport (direct open or upgrade), for strike bookkeeping. */
  #webSocketSince: number | undefined;
  /** An upgrade out of a remembered fallback: forget the fallback once this WebSocket has lived long. */
  #forgetAfterProof = false;

  constructor(opts: WebSocketFallbackOptions) {
    this.#clock = opts.clock;
    this.#memory = opts.memory;
    this.#key = opts.memoryKey;
    this.#timeout = opts.webSocketTimeout;
    this.#ttl = opts.fallbackTtl ?? DEFAULT_FALLBACK_TTL;
    this.#stallTimer = new Timer(opts.clock);
  }

  /** How long the upgrade probe may take. */
  get probeTimeoutMs(): number {
    return Math.max(this.#timeout, 1000);
  }

  /** Runs `onStall` unless stopped within webSocketTimeout. */
  startStallTimer(onStall: () => void): void {
    this.#stallTimer.start(this.#timeout, onStall);
  }

  stopStallTimer(): void {
    this.#stallTimer.stop();
  }

  /** A fallback to polling is remembered for this endpoint. */
  remembered(): boolean {
    return this.#memory?.get(this.#key) === 'polling';
  }

  remember(): void {
    this.#memory?.set(this.#key, 'polling', this.#ttl);
  }

  /** A session opened at `at`: on a WebSocket its lifetime starts then, otherwise there is none. */
  opened(onWebSocket: boolean, at: number): void {
    this.#webSocketSince = onWebSocket ? at : undefined;
  }

  /** The upgrade switched to a WebSocket. */
  upgraded(): void {
    this.#webSocketSince = this.#clock.now();
    // A proxy may pass the probe and stall right after (phoenix#6766): the fallback is forgotten only
    // once this WebSocket has outlived the short-lived window, not at the switch.
    this.#forgetAfterProof = this.remembered();
  }

  /**
   * While a fallback is remembered, the upgrade is tried once in the background per memory (per page in
   * browsers, per Manager in Node), not on every reconnect: a proxy that passes the probe and then
   * stalls would otherwise make the client flap between polling and a dying WebSocket forever.
   */
  mayProbe(): boolean {
    if (this.#memory === undefined || !this.remembered()) return true;
    return takeUpgradeAttempt(this.#memory, this.#key);
  }

  /** On every ping: an upgraded WebSocket that has lived long enough clears the remembered fallback. */
  forgetIfProven(session: OpenPacketData | undefined): void {
    const since = this.#webSocketSince;
    if (!this.#forgetAfterProof || since === undefined || this.#memory === undefined) return;
    if (this.#clock.now() - since < 2 * heartbeatWindow(session)) return;
    this.#forgetAfterProof = false;
    this.#memory.delete(this.#key);
    clearStrikes(this.#memory, this.#key);
  }

  /** The socket closes while open on `transport`: a WebSocket that died young may earn a strike. */
  closing(transport: TransportName, reason: string, session: OpenPacketData | undefined): void {
    const since = this.#webSocketSince;
    if (this.#memory === undefined || transport !== 'websocket' || since === undefined) return;
    const blocked = noteWebSocketEnd(this.#memory, this.#key, {
      pingTimeout: reason === 'ping timeout',
      lifetime: this.#clock.now() - since,
      heartbeatWindow: heartbeatWindow(session),
    });
    if (blocked) this.remember();
  }
}
