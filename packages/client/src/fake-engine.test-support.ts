// In-memory stand-in for the engine Socket, for unit tests of the socket layer. Not part of the package.
import { EventEmitter } from './typed-events.js';
import { SocketPacketDecoder, encodeSocketPacket, isProtocolError } from '@switchback/protocol';
import type { BinaryLike, SocketPacket } from '@switchback/protocol';
import type { Socket as Engine, SocketOptions as EngineOptions } from './engine/index.js';

export class FakeEngine extends EventEmitter<Record<string, unknown[]>> {
  readonly uri: string | undefined;
  readonly opts: EngineOptions;
  id: string | null = null;
  readyState: 'opening' | 'open' | 'closing' | 'closed' = 'opening';
  readonly transport = { name: 'websocket' as 'websocket' | 'polling', writable: false };
  /** Every packet the socket layer wrote, decoded back. */
  readonly sent: SocketPacket[] = [];
  /** Compress option of each write, in order. */
  readonly compressFlags: boolean[] = [];
  readonly #decoder = new SocketPacketDecoder();

  constructor(uri: string | undefined, opts: EngineOptions) {
    super();
    this.uri = uri;
    this.opts = opts;
  }

  /** The server accepted the handshake. */
  open(): void {
    this.id = 'eio-sid';
    this.readyState = 'open';
    this.transport.writable = true;
    this.emit('open');
  }

  /** A Socket.IO packet from the server (binary ones as several messages). */
  receive(packet: SocketPacket): void {
    for (const chunk of encodeSocketPacket(packet)) this.receiveRaw(chunk);
  }

  /** Raw engine message data from the server: 'data', then 'message', as the engine emits them. */
  receiveRaw(data: string | BinaryLike): void {
    this.emit('data', data);
    this.emit('message', data);
  }

  /** The connection failed: error then close, as the engine reports it. */
  fail(message = 'websocket error'): void {
    this.readyState = 'closed';
    this.transport.writable = false;
    this.emit('error', new Error(message));
    this.emit('close', 'transport error', new Error(message));
  }

  /** The connection was lost with this engine close reason. */
  drop(reason = 'transport close'): void {
    this.readyState = 'closed';
    this.transport.writable = false;
    this.emit('close', reason, { description: 'lost' });
  }

  /** The next write finds the heartbeat expired: the engine closes with 'ping timeout' and drops it. */
  expireHeartbeat = false;

  write(data: string | ArrayBuffer | ArrayBufferView, options?: { compress?: boolean }): this {
    if (this.expireHeartbeat) {
      this.expireHeartbeat = false;
      this.drop('ping timeout');
    }
    if (this.readyState === 'closed') return this;
    this.compressFlags.push(options?.compress !== false);
    const packet = this.#decoder.add(data);
    if (packet !== undefined && !isProtocolError(packet)) this.sent.push(packet);
    return this;
  }

  send(data: string | ArrayBuffer | ArrayBufferView, options?: { compress?: boolean }): this {
    return this.write(data, options);
  }

  close(): this {
    if (this.readyState === 'closed') return this;
    this.readyState = 'closed';
    this.transport.writable = false;
    this.emit('close', 'forced close');
    return this;
  }
}

/** A `createEngine` option that records every engine the Manager creates. */
export function fakeEngines(): {
  createEngine: (uri: string | undefined, opts: EngineOptions) => Engine;
  engines: FakeEngine[];
  last: () => FakeEngine;
} {
  const engines: FakeEngine[] = [];
  return {
    engines,
    createEngine: (uri, opts) => {
      const engine = new FakeEngine(uri, opts);
      engines.push(engine);
      return engine as unknown as Engine;
    },
    last: () => {
      const engine = engines[engines.length - 1];
      if (!engine) throw new Error('no engine created yet');
      return engine;
    },
  };
}
