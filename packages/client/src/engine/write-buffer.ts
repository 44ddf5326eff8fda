import type { BinaryLike, EnginePacket, EnginePacketType } from '@switchback/protocol';
import type { CreatedPacket } from './socket-phase.js';

export function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** One queued write; `packet` is undefined while a Blob is still being read. */
interface WriteEntry {
  packet: EnginePacket | undefined;
  callback: (() => void) | undefined;
}

/** What the write buffer tells the engine Socket. */
export interface WriteBufferHooks {
  /** A packet was queued (the Socket's 'packetCreate'). */
  created(packet: CreatedPacket): void;
  /** Queued packets are ready to go out. */
  flush(): void;
}

/**
 * The engine Socket's outgoing queue: builds the packets (a Blob keeps its place while it is read),
 * batches the sends of one tick into one flush, hands ordered batches to the transport (their callbacks
 * run on 'drain'), and keeps what went over a WebSocket that has not yet proved a round trip, so it
 * can be re-sent on a fresh polling session if that WebSocket turns out to be stalled.
 */
export class WriteBuffer {
  readonly #hooks: WriteBufferHooks;
  #queue: WriteEntry[] = [];
  #inFlight: WriteEntry[] = [];
  #unconfirmed: WriteEntry[] = [];
  #flushScheduled = false;

  constructor(hooks: WriteBufferHooks) {
    this.#hooks = hooks;
  }

  /** Nothing waiting and nothing in flight. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#inFlight.length === 0;
  }

  push(type: EnginePacketType, data?: string | BinaryLike, callback?: () => void, compress = true): void {
    const options = { compress };
    const packet: CreatedPacket = data === undefined ? { type, options } : { type, data, options };
    this.#queue.push({ packet, callback });
    this.#hooks.created(packet);
    this.#scheduleFlush();
  }

  /** Queues a Blob message; it goes out once read, in order (a Blob that cannot be read becomes a noop). */
  pushBlob(blob: Blob, compress: boolean, callback?: () => void): void {
    const entry: WriteEntry = { packet: undefined, callback };
    this.#queue.push(entry);
    blob.arrayBuffer().then(
      (buffer) => {
        const packet: CreatedPacket = { type: 'message', data: buffer, options: { compress } };
        entry.packet = packet;
        this.#hooks.created(packet);
        this.#scheduleFlush();
      },
      () => {
        entry.packet = { type: 'noop' };
        this.#scheduleFlush();
      },
    );
  }

  // Sends made in the same tick go out together (one POST over polling).
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#hooks.flush();
    });
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
