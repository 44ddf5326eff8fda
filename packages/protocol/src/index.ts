export { ProtocolError, isProtocolError } from './errors.js';
export type { ProtocolErrorCode } from './errors.js';
export { encodeBase64, decodeBase64 } from './base64.js';
export {
  ENGINE_PACKET_TYPES,
  RECORD_SEPARATOR,
  encodeEnginePacket,
  decodeEnginePacket,
  encodePayload,
  decodePayload,
  parseOpenPacketData,
} from './engine-packet.js';
export type {
  BinaryLike,
  BinaryType,
  DecodePayloadOptions,
  EngineData,
  EnginePacket,
  EnginePacketType,
  OpenPacketData,
} from './engine-packet.js';
export { hasBinary, isBinary } from './binary.js';
export { PacketType, RESERVED_EVENTS, SocketPacketDecoder, encodeSocketPacket, isPacketValid } from './socket-packet.js';
export type { JsonReplacer, JsonReviver, SocketPacket, SocketPacketDecoderOptions } from './socket-packet.js';
export type { Parser, ParserDecoder, ParserEncoder } from './parser.js';
export { decodeMsgpack, encodeMsgpack } from './msgpack.js';
export { Decoder as MsgpackDecoder, Encoder as MsgpackEncoder, msgpackParser } from './msgpack-parser.js';
