/**
 * The MessagePack packet codec for the `parser` option, wire-compatible with socket.io-msgpack-parser:
 * clients must use it too (socket.io-msgpack-parser, this module, or the served
 * `/socket.io/socket.io.msgpack.min.js`). Each packet travels as one binary message, attachments included.
 *
 * @example
 * import * as parser from '@switchback/server/msgpack-parser';
 * new Server(httpServer, { parser });
 */
export { MsgpackDecoder as Decoder, MsgpackEncoder as Encoder, PacketType } from '@switchback/protocol';

/** The Socket.IO protocol revision (socket.io-parser's `protocol` export). */
export const protocol = 5;
