import type { BinaryLike, EnginePacketType } from '@switchback/protocol';
import type { CreatedPacket } from './socket-phase.js';
import type { WriteBuffer } from './write-buffer.js';

export function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** What the outbox tells the engine Socket. */
export interface OutboxHooks {
  /** A packet was queued (the Socket's 'packetCreate'). */
  created(packet: CreatedPacket): void;
  /** Queued packets are ready to go out. */
  flush(): void;
}

/**
 * The engine Socket's way into its WriteBuffer: builds the packets, keeps a Blob's place in the queue
 * while it is read, and batches the sends made in one tick into one flush.
 */
export class Outbox {
  readonly #writes: WriteBuffer;
  readonly #hooks: OutboxHooks;
  #flushScheduled = false;

  constructor(writes: WriteBuffer, hooks: OutboxHooks) {
    this.#writes = writes;
    this.#hooks = hooks;
  }

  push(type: EnginePacketType, data?: string | BinaryLike, callback?: () => void, compress = true): void {
    const options = { compress };
    const packet: CreatedPacket = data === undefined ? { type, options } : { type, data, options };
    this.#writes.push(packet, callback);
    this.#hooks.created(packet);
    this.#scheduleFlush();
  }

  /** Queues a Blob message; it goes out once read, in order (a Blob that cannot be read becomes a noop). */
  pushBlob(blob: Blob, compress: boolean, callback?: () => void): void {
    const entry = this.#writes.pushPending(callback);
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
}
