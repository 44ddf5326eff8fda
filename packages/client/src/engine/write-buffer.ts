import type { EnginePacket } from '@switchback/protocol';

/** One queued write; `packet` is undefined while a Blob is still being read. */
export interface WriteEntry {
  packet: EnginePacket | undefined;
  callback: (() => void) | undefined;
}

/**
 * The engine Socket's outgoing queue: ordered entries, the batch handed to the transport (its
 * callbacks run on 'drain'), and the packets sent over a WebSocket that has not yet proved a round
 * trip, so they can be re-sent on a fresh polling session if it turns out to be stalled.
 */
export class WriteBuffer {
  #queue: WriteEntry[] = [];
  #inFlight: WriteEntry[] = [];
  #unconfirmed: WriteEntry[] = [];

  /** Nothing waiting and nothing in flight. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#inFlight.length === 0;
  }

  push(packet: EnginePacket, callback?: () => void): WriteEntry {
    const entry: WriteEntry = { packet, callback };
    this.#queue.push(entry);
    return entry;
  }

  pushPending(callback?: () => void): WriteEntry {
    const entry: WriteEntry = { packet: undefined, callback };
    this.#queue.push(entry);
    return entry;
  }

  /** Moves the ready prefix (order is kept behind a pending Blob) into flight and returns its packets. */
  take(trackUnconfirmed: boolean): EnginePacket[] {
    if (this.#inFlight.length > 0) return [];
    let ready = 0;
    while (ready < this.#queue.length && this.#queue[ready]?.packet !== undefined) ready++;
    const batch = this.#queue.splice(0, ready);
    this.#inFlight = batch;
    if (trackUnconfirmed) this.#unconfirmed.push(...batch);
    const packets: EnginePacket[] = [];
    for (const entry of batch) if (entry.packet !== undefined) packets.push(entry.packet);
    return packets;
  }

  /** The transport wrote the batch in flight: release its callbacks. */
  written(): void {
    const batch = this.#inFlight;
    this.#inFlight = [];
    for (const entry of batch) {
      const callback = entry.callback;
      entry.callback = undefined;
      callback?.();
    }
  }

  /** The WebSocket proved a round trip: what it carried is the server's now. */
  confirm(): void {
    this.#unconfirmed = [];
  }

  /** The WebSocket was stalled: its messages go first on the next transport (heartbeats are dropped). */
  requeueUnconfirmed(): void {
    const resend = this.#unconfirmed.filter((entry) => entry.packet?.type === 'message');
    this.#unconfirmed = [];
    this.#inFlight = [];
    this.#queue = [...resend, ...this.#queue];
  }

  clear(): void {
    this.#queue = [];
    this.#inFlight = [];
    this.#unconfirmed = [];
  }
}
