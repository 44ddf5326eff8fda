import type { EnginePacket } from '@switchback/protocol';
import type { BaseTransport } from './transport.js';

/** What the engine Socket wants to hear from its current transport. */
export interface TransportHandlers {
  open(): void;
  packet(packet: EnginePacket): void;
  drain(): void;
  error(err: Error): void;
  close(reason: string, description?: unknown): void;
}

/**
 * Wires one transport at a time to the Socket. Events from an older generation are dropped, even
 * ones already being emitted when the transport was replaced.
 */
export class TransportBinding {
  readonly #handlers: TransportHandlers;
  #generation = 0;
  #detach: (() => void) | undefined;

  constructor(handlers: TransportHandlers) {
    this.#handlers = handlers;
  }

  bind(transport: BaseTransport): void {
    this.#detach?.();
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation;
    const handlers = this.#handlers;
    const onOpen = (): void => {
      if (current()) handlers.open();
    };
    const onPacket = (packet: EnginePacket): void => {
      if (current()) handlers.packet(packet);
    };
    const onDrain = (): void => {
      if (current()) handlers.drain();
    };
    const onError = (err: Error): void => {
      if (current()) handlers.error(err);
    };
    const onClose = (reason: string, description?: unknown): void => {
      if (current()) handlers.close(reason, description);
    };
    transport.on('open', onOpen);
    transport.on('packet', onPacket);
    transport.on('drain', onDrain);
    transport.on('error', onError);
    transport.on('close', onClose);
    this.#detach = () => {
      transport.off('open', onOpen);
      transport.off('packet', onPacket);
      transport.off('drain', onDrain);
      transport.off('error', onError);
      transport.off('close', onClose);
    };
  }

  /** Stops listening to the current transport. */
  unbind(): void {
    this.#detach?.();
  }

  /** Stops listening and forgets the transport. */
  release(): void {
    this.#detach?.();
    this.#detach = undefined;
  }
}
