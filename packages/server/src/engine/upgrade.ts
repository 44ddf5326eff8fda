import type { EnginePacket } from '@switchback/protocol';
import type { TransportBase } from './transport.js';

/** What the upgrade sequence needs from the session: nothing else of it is touched. */
export interface UpgradeHost {
  isClosed(): boolean;
  currentTransport(): TransportBase;
  setUpgrading(upgrading: boolean): void;
  /** The probe succeeded: the client is about to pause polling (the session releases its held GET). */
  onProbed(candidate: TransportBase): void;
  /** The client sent `5`: move to the candidate (the session flushes its buffer over it). */
  commit(candidate: TransportBase): void;
  /** Subscribes to the session closing; returns the unsubscribe. */
  onSessionClose(listener: () => void): () => void;
}

export interface UpgradeOptions {
  upgradeTimeout: number;
}

/**
 * Runs the probe sequence over a new WebSocket of an open polling session:
 *
 * ```
 *   client (ws)  2probe ──►            server answers 3probe; the session answers the held GET,
 *                                       or the next one to come (the client's in-flight poll),
 *                                       with a noop (the reference polls for it every 100 ms)
 *   client (ws)  5      ──►            commit: the session drops polling and flushes over ws
 * ```
 * Any other packet, a close of either side, or `upgradeTimeout` abandons the candidate, and the
 * session keeps polling untouched.
 */
export function runUpgrade(host: UpgradeHost, candidate: TransportBase, options: UpgradeOptions): void {
  host.setUpgrading(true);
  // No probe (or no upgrade packet) in upgradeTimeout: a peer that stalled (the proxy that passes the
  // 101 and then drops every byte) would not answer a close frame either, so the socket is dropped at
  // once instead of being held for the close handshake's grace.
  const timeoutTimer = setTimeout(() => {
    cleanup();
    const { terminate } = candidate as TransportBase & { terminate?: () => void };
    if (terminate) terminate.call(candidate);
    else candidate.close();
  }, options.upgradeTimeout);

  const cleanup = (): void => {
    host.setUpgrading(false);
    clearTimeout(timeoutTimer);
    candidate.off('packet', candidateOnPacket);
    candidate.off('parseError', abandon);
    candidate.off('error', abandon);
    candidate.off('close', abandon);
    unsubscribe();
  };

  function abandon(): void {
    cleanup();
    candidate.close();
  }

  function candidateOnPacket(packet: EnginePacket): void {
    if (packet.type === 'ping' && packet.data === 'probe') {
      candidate.send([{ type: 'pong', data: 'probe' }]);
      host.onProbed(candidate);
    } else if (packet.type === 'upgrade' && !host.isClosed()) {
      cleanup();
      host.commit(candidate);
    } else {
      abandon();
    }
  }

  candidate.on('packet', candidateOnPacket);
  candidate.on('parseError', abandon);
  candidate.on('error', abandon);
  candidate.on('close', abandon);
  const unsubscribe = host.onSessionClose(abandon);
}

