import { isProtocolError } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { describe, expect, it } from 'vitest';
import { decodePacketV3, decodePayloadV3, encodeBinaryPayloadV3, encodeFrameV3, encodePacketTextV3, encodePayloadV3 } from './payload-v3.js';

function asBytes(data: unknown): number[] {
  return [...(data as Uint8Array)];
}

describe('Engine.IO v3 string payloads', () => {
  it('frames each packet as <length>:<packet>, the length in UTF-16 units', () => {
    const packets: EnginePacket[] = [{ type: 'open', data: '{"sid":"a"}' }, { type: 'message', data: 'héllo 😀' }, { type: 'noop' }];
    expect(encodePayloadV3(packets, false)).toBe('12:0{"sid":"a"}9:4héllo 😀1:6');
  });

  it('an empty payload is 0:', () => {
    expect(encodePayloadV3([], true)).toBe('0:');
    expect(encodePayloadV3([], false)).toBe('0:');
  });

  it('binary data is b<type><base64> when the client wants base64 (or nothing is binary)', () => {
    expect(encodePayloadV3([{ type: 'message', data: Buffer.from([1, 2, 3]) }, { type: 'message', data: 'x' }], false)).toBe('6:b4AQID2:4x');
    expect(encodePacketTextV3({ type: 'message', data: new Uint8Array([255]) })).toBe('b4/w==');
    expect(encodePayloadV3([{ type: 'message', data: 'x' }], true)).toBe('2:4x');
  });

  it('decodes what it encodes, text and base64 binary', () => {
    const decoded = decodePayloadV3('2:4a9:4héllo 😀6:b4AQID1:22:3x');
    expect(isProtocolError(decoded)).toBe(false);
    const packets = decoded as EnginePacket[];
    expect(packets.map((p) => p.type)).toEqual(['message', 'message', 'message', 'ping', 'pong']);
    expect(packets[0]?.data).toBe('a');
    expect(packets[1]?.data).toBe('héllo 😀');
    expect(asBytes(packets[2]?.data)).toEqual([1, 2, 3]);
    expect(packets[3]?.data).toBeUndefined();
    expect(packets[4]?.data).toBe('x');
  });

  it('skips empty packets (0:) inside a payload', () => {
    expect(decodePayloadV3('0:2:4a')).toEqual([{ type: 'message', data: 'a' }]);
  });

  it.each([
    ['empty body', ''],
    ['no colon', '4hello'],
    ['length longer than the rest', '5:4a'],
    ['length not a number', 'x:4a'],
    ['empty length', ':4a'],
    ['trailing length without packet', '2:4a3'],
    ['negative length', '-1:4'],
    ['unknown packet type', '2:9a'],
    ['bad base64', '4:b4!!'],
    ['unknown binary type', '4:b9AA'],
    ['huge length', '99999999999999999999:4'],
  ])('rejects malformed framing: %s', (_name, body) => {
    expect(isProtocolError(decodePayloadV3(body))).toBe(true);
  });

  it('rejects a payload over maxLength before parsing it', () => {
    const result = decodePayloadV3('6:4hello', 5);
    expect(isProtocolError(result) && result.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('Engine.IO v3 binary payloads', () => {
  it('encodes as marker, length digits, 255, packet; text as UTF-8, bytes behind their type', () => {
    const payload = encodePayloadV3([{ type: 'message', data: 'é' }, { type: 'message', data: Buffer.from([1, 2, 3]) }, { type: 'ping' }], true);
    expect(Buffer.isBuffer(payload)).toBe(true);
    expect(asBytes(payload)).toEqual([0, 3, 255, 0x34, 0xc3, 0xa9, 1, 4, 255, 4, 1, 2, 3, 0, 1, 255, 0x32]);
  });

  it('writes lengths of several digits', () => {
    const payload = encodeBinaryPayloadV3([{ type: 'message', data: new Uint8Array(12) }]);
    expect(asBytes(payload.subarray(0, 5))).toEqual([1, 1, 3, 255, 4]);
    expect(payload.length).toBe(4 + 13);
  });

  it('decodes what it encodes', () => {
    const packets: EnginePacket[] = [
      { type: 'message', data: 'héllo' },
      { type: 'message', data: Buffer.from([0, 255, 7]) },
      { type: 'close' },
    ];
    const decoded = decodePayloadV3(encodeBinaryPayloadV3(packets)) as EnginePacket[];
    expect(decoded).toHaveLength(3);
    expect(decoded[0]).toEqual({ type: 'message', data: 'héllo' });
    expect(decoded[1]?.type).toBe('message');
    expect(asBytes(decoded[1]?.data)).toEqual([0, 255, 7]);
    expect(decoded[2]).toEqual({ type: 'close' });
  });

  it.each([
    ['empty body', []],
    ['bad marker', [2, 1, 255, 0x34]],
    ['no 255 after the length', [0, 1, 2]],
    ['a digit above 9', [0, 10, 255, 0x34]],
    ['no length digits', [0, 255, 0x34]],
    ['length longer than the rest', [0, 5, 255, 0x34]],
    ['unknown binary packet type', [1, 2, 255, 9, 1]],
    ['unknown text packet type', [0, 1, 255, 0x39]],
    ['too many length digits', [0, ...new Array<number>(20).fill(9), 255, 0x34]],
  ])('rejects malformed framing: %s', (_name, bytes) => {
    expect(isProtocolError(decodePayloadV3(Buffer.from(bytes)))).toBe(true);
  });
});

describe('Engine.IO v3 WebSocket frames', () => {
  it('a binary frame carries its packet type as first byte', () => {
    expect(asBytes(encodeFrameV3({ type: 'message', data: Buffer.from([5, 6]) }))).toEqual([4, 5, 6]);
    expect(encodeFrameV3({ type: 'message', data: 'hi' })).toBe('4hi');
    expect(encodeFrameV3({ type: 'pong', data: 'probe' })).toBe('3probe');
  });

  it('decodes binary frames by their first byte, and text as in v4', () => {
    const binary = decodePacketV3(Buffer.from([4, 9, 9]));
    expect(isProtocolError(binary)).toBe(false);
    expect((binary as EnginePacket).type).toBe('message');
    expect(asBytes((binary as EnginePacket).data)).toEqual([9, 9]);
    expect(decodePacketV3('2probe')).toEqual({ type: 'ping', data: 'probe' });
    expect(decodePacketV3('5')).toEqual({ type: 'upgrade' });
    expect(isProtocolError(decodePacketV3(Buffer.from([7, 1])))).toBe(true);
    expect(isProtocolError(decodePacketV3(Buffer.alloc(0)))).toBe(true);
    expect(isProtocolError(decodePacketV3(''))).toBe(true);
  });
});
