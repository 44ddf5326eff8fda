import type { EnginePacket } from '@switchback/protocol';
import type { TransportBase } from './transport.js';

/** What the upgrade sequence needs from the session: nothing else of it is touched. */
export interface UpgradeHost {
  isClosed(): boolean;
  currentTransport(): TransportBase;
  setUpgrading(upgrading: boolean): void;
  /** The probe succeeded: the client is about to pause polling. */
  onProbed(candidate: TransportBase): void;
  /** The client sent `5`: move to the candidate (the session flushes its buffer over it). */
  commit(candidate: TransportBase): void;
  /** Subscribes to the session closing; returns the unsubscribe. */
  onSessionClose(listener: () => void): () => void;
}

export interface UpgradeOptions {
  upgradeTimeout: number;
  /** Period of the noop that releases the held GET while the client pauses polling. */
  noopInterval?: number;
}

/**
 * Runs the probe sequence over a new WebSocket of an open polling session:
 *
 * ```
 *   client (ws)  2probe ──►            server answers 3probe, then a noop to the held GET
 *                                       (repeated every 100 ms, as the reference, until the
 *                                        client's in-flight poll returns)
 *   client (ws)  5      ──►            commit: the session drops polling and flushes over ws
 * ```
 * Any other packet, a close of either side, or `upgradeTimeout` abandons the candidate, and the
 * session keeps polling untouched.
 */
export function runUpgrade(host: UpgradeHost, candidate: TransportBase, options: UpgradeOptions): void {
  host.setUpgrading(true);
  let noopTimer: NodeJS.Timeout | undefined;
  const timeoutTimer = setTimeout(() => abandon(), options.upgradeTimeout);

  const releaseHeldPoll = (): void => {
    const current = host.currentTransport();
    if (current.name === 'polling' && current.writable) current.send([NOOP]);
  };

  const cleanup = (): void => {
    host.setUpgrading(false);
    clearTimeout(timeoutTimer);
    clearInterval(noopTimer);
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
      releaseHeldPoll();
      clearInterval(noopTimer);
      noopTimer = setInterval(releaseHeldPoll, options.noopInterval ?? 100);
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

const NOOP: EnginePacket = { type: 'noop' };
