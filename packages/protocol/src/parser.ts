/* eslint-disable @typescript-eslint/no-explicit-any -- socket.io-parser's own typing: packets and chunks are loose there */

/**
 * A packet codec with socket.io-parser's interface, for the `parser` option of the server and of the
 * client (socket.io-msgpack-parser is one). Packets are `{ type, nsp, data?, id? }` objects, typed
 * loosely as in socket.io.
 */
export interface Parser {
  /** `new Encoder().encode(packet)` gives the Engine.IO messages of one packet (one encoder per server or Manager). */
  Encoder: new () => ParserEncoder;
  /** One per engine connection: `add()` each message, packets come out as `'decoded'` events. */
  Decoder: new () => ParserDecoder;
}

export interface ParserEncoder {
  /** The Engine.IO messages (strings or binary) of one packet, in order. */
  encode(packet: any): any;
}

export interface ParserDecoder {
  /** Takes one Engine.IO message; throws on input it cannot accept (the connection is then closed with 'parse error'). */
  add(chunk: any): void;
  /** The connection closed: drop any half-decoded packet. */
  destroy(): void;
  on(event: 'decoded', listener: (packet: any) => void): unknown;
}
