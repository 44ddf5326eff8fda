import type { BinaryLike } from './engine-packet.js';
import { isProtocolError } from './errors.js';
import { decodeMsgpack, encodeMsgpack } from './msgpack.js';
import type { Parser } from './parser.js';
import { PacketType } from './socket-packet.js';

// A packet codec for the `parser` option of the server and the client, wire-compatible with
// socket.io-msgpack-parser: each Socket.IO packet `{ type, nsp, data?, id? }` is one MessagePack map in one
// binary Engine.IO message, attachments included (so a packet with binary is one WebSocket frame).
// Packet types are socket.io's, without the BINARY_* ones.

const isPlainObject = (value: unknown): boolean => Object.prototype.toString.call(value) === '[object Object]';

/** One per server or Manager: `encode(packet)` gives the packet's one binary message. */
export class Encoder {
  encode(packet: unknown): [Uint8Array] {
    return [encodeMsgpack(packet)];
  }
}

type Listener = (packet: unknown) => void;

/**
 * One per connection: `add()` each Engine.IO message; packets come out as 'decoded' events. Throws on a
 * message that is not one valid packet, with socket.io-msgpack-parser's messages ('invalid packet type',
 * 'invalid namespace', 'invalid payload', 'invalid packet id'); the connection is then closed.
 */
export class Decoder {
  #listeners: Listener[] = [];

  on(event: string, listener: Listener): this {
    if (event === 'decoded') this.#listeners.push(listener);
    return this;
  }

  off(event?: string, listener?: Listener): this {
    if (event === undefined || listener === undefined) this.#listeners = [];
    else if (event === 'decoded') this.#listeners = this.#listeners.filter((l) => l !== listener);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(): this {
    return this.off();
  }

  emit(event: string, packet: unknown): boolean {
    if (event !== 'decoded') return false;
    for (const listener of this.#listeners.slice()) listener(packet);
    return this.#listeners.length > 0;
  }

  add(chunk: unknown): void {
    if (!(chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk))) throw new Error('invalid payload: expected binary data');
    const packet = decodeMsgpack(chunk as BinaryLike);
    if (isProtocolError(packet)) throw packet;
    check(packet as { type?: unknown; nsp?: unknown; data?: unknown; id?: unknown });
    this.emit('decoded', packet);
  }

  destroy(): void {}
}

function check(packet: { type?: unknown; nsp?: unknown; data?: unknown; id?: unknown }): void {
  const { type, data } = packet;
  if (!isPlainObject(packet) || !Number.isInteger(type) || (type as number) < 0 || (type as number) > PacketType.CONNECT_ERROR) throw new Error('invalid packet type');
  if (typeof packet.nsp !== 'string') throw new Error('invalid namespace');
  const valid =
    type === PacketType.CONNECT
      ? data === undefined || isPlainObject(data)
      : type === PacketType.DISCONNECT
        ? data === undefined
        : type === PacketType.CONNECT_ERROR
          ? typeof data === 'string' || isPlainObject(data)
          : Array.isArray(data);
  if (!valid) throw new Error('invalid payload');
  if (packet.id !== undefined && !Number.isInteger(packet.id)) throw new Error('invalid packet id');
}

/** The codec as the `parser` option takes it. */
export const msgpackParser: Parser = { Encoder, Decoder };
