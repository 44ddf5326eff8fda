// Cross-checks against the reference parsers (devDependencies, imported only here): our encodings must be
// byte-identical to theirs, and each side must decode the other's output to the same packet.
import * as eio from 'engine.io-parser';
import fc from 'fast-check';
import { Decoder, Encoder } from 'socket.io-parser';
import type { Packet } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { decodeEnginePacket, decodePayload, encodeEnginePacket, encodePayload } from './engine-packet.js';
import type { EnginePacket } from './engine-packet.js';
import { isProtocolError } from './errors.js';
import { PacketType, SocketPacketDecoder, encodeSocketPacket } from './socket-packet.js';
import type { SocketPacket } from './socket-packet.js';

function refEncodePacket(packet: EnginePacket, supportsBinary: boolean): unknown {
  let out: unknown;
  eio.encodePacket(packet as eio.Packet, supportsBinary, (encoded) => (out = encoded));
  return out;
}

function refEncodePayload(packets: EnginePacket[]): string {
  let out = '';
  eio.encodePayload(packets as eio.Packet[], (encoded) => (out = encoded));
  return out;
}

/** Binary as plain bytes, so Buffers (theirs) and Uint8Arrays (ours) compare by content. */
function bytesOf(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  if (Array.isArray(value)) return value.map(bytesOf);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bytesOf(v)]));
  }
  return value;
}

const ENGINE_TABLE: EnginePacket[] = [
  { type: 'open', data: '{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' },
  { type: 'close' },
  { type: 'ping' },
  { type: 'ping', data: 'probe' },
  { type: 'pong', data: 'probe' },
  { type: 'message', data: 'hello' },
  { type: 'message', data: '2["chat","héllo 😀"]' },
  { type: 'upgrade' },
  { type: 'noop' },
  { type: 'message', data: new Uint8Array([1, 2, 3, 4]) },
  { type: 'message', data: new Uint8Array([0, 255, 128, 7, 9]).buffer },
  { type: 'message', data: new Uint8Array(0) },
];

describe('engine packets vs engine.io-parser', () => {
  it.each(ENGINE_TABLE)('%o encodes identically and decodes both ways', (packet) => {
    for (const supportsBinary of [true, false]) {
      const ours = encodeEnginePacket(packet, supportsBinary);
      const theirs = refEncodePacket(packet, supportsBinary);
      expect(bytesOf(ours)).toStrictEqual(bytesOf(theirs));
      expect(bytesOf(eio.decodePacket(ours as eio.RawData))).toStrictEqual(bytesOf(packet));
      expect(bytesOf(decodeEnginePacket(theirs as string))).toStrictEqual(bytesOf(packet));
    }
  });

  it('encodes payloads identically and decodes both ways', () => {
    const ours = encodePayload(ENGINE_TABLE);
    const theirs = refEncodePayload(ENGINE_TABLE);
    expect(ours).toBe(theirs);
    expect(bytesOf(eio.decodePayload(ours))).toStrictEqual(bytesOf(ENGINE_TABLE));
    expect(bytesOf(decodePayload(theirs))).toStrictEqual(bytesOf(ENGINE_TABLE));
  });

  it('encodes arbitrary packets identically, for both transports', () => {
    const type = fc.constantFrom('open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop' as const);
    const packet: fc.Arbitrary<EnginePacket> = fc.oneof(
      type.map((t) => ({ type: t })),
      fc.record({ type, data: fc.string({ maxLength: 20 }) }),
      fc.uint8Array({ maxLength: 40 }).map((data) => ({ type: 'message' as const, data })),
    );
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 5 }), fc.boolean(), (packets, supportsBinary) => {
        for (const p of packets) expect(bytesOf(encodeEnginePacket(p, supportsBinary))).toStrictEqual(bytesOf(refEncodePacket(p, supportsBinary)));
        expect(encodePayload(packets)).toBe(refEncodePayload(packets));
      }),
    );
  });

  it('errors exactly where the reference returns its error packet, for text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (text) => {
        if (text.startsWith('b')) return; // the reference decodes any junk as base64 (Buffer is lenient)
        const ours = decodeEnginePacket(text);
        const theirs = eio.decodePacket(text);
        if (isProtocolError(ours)) expect(theirs.type).toBe('error');
        else expect(ours).toStrictEqual(theirs);
      }),
    );
  });
});

function refEncode(packet: SocketPacket): unknown[] {
  return new Encoder().encode({ ...packet } as Packet);
}

function refDecode(items: ReadonlyArray<unknown>): { packet?: unknown; error?: unknown } {
  const decoder = new Decoder();
  let packet: unknown;
  decoder.on('decoded', (p: unknown) => (packet = p));
  try {
    for (const item of items) decoder.add(item);
  } catch (error) {
    return { error };
  }
  return { packet };
}

function ourDecode(items: ReadonlyArray<string | Uint8Array | ArrayBuffer>): unknown {
  const decoder = new SocketPacketDecoder();
  let result: unknown;
  for (const item of items) result = decoder.add(item);
  return result;
}

const bin = new Uint8Array([1, 2, 3]);
const SOCKET_TABLE: SocketPacket[] = [
  { type: PacketType.CONNECT, nsp: '/' },
  { type: PacketType.CONNECT, nsp: '/admin', data: { token: '123' } },
  { type: PacketType.CONNECT, nsp: '/', data: { sid: 'x', pid: 'y' } },
  { type: PacketType.DISCONNECT, nsp: '/' },
  { type: PacketType.DISCONNECT, nsp: '/admin' },
  { type: PacketType.EVENT, nsp: '/', data: ['chat', 'hi'] },
  { type: PacketType.EVENT, nsp: '/', data: ['chat', { nested: [1, 2, { deep: 'é😀' }] }], id: 12 },
  { type: PacketType.EVENT, nsp: '/admin', data: [42, null, true], id: 0 },
  { type: PacketType.ACK, nsp: '/admin', id: 13, data: ['bar'] },
  { type: PacketType.ACK, nsp: '/', id: 1, data: [] },
  { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'Not authorized', data: { code: 1 } } },
  { type: PacketType.CONNECT_ERROR, nsp: '/random', data: 'Invalid namespace' },
  { type: PacketType.EVENT, nsp: '/', data: ['baz', bin] },
  { type: PacketType.EVENT, nsp: '/chat', id: 7, data: ['upload', { file: bin, parts: [bin.buffer, { x: new Uint8Array(0) }] }] },
  { type: PacketType.ACK, nsp: '/', id: 15, data: [bin] },
  { type: PacketType.EVENT, nsp: '/', data: ['when', new Date(0), { toJSON: () => ({ raw: bin }) }] },
];

describe('socket packets vs socket.io-parser', () => {
  it.each(SOCKET_TABLE)('%o encodes identically and decodes both ways', (packet) => {
    const ours = encodeSocketPacket(packet);
    const theirs = refEncode(packet);
    expect(ours).toStrictEqual(theirs);
    const fromOurs = refDecode(ours);
    expect(fromOurs.error).toBeUndefined();
    expect(bytesOf(fromOurs.packet)).toStrictEqual(bytesOf(refDecode(theirs).packet));
    expect(bytesOf(ourDecode(theirs as Array<string | Uint8Array>))).toStrictEqual(bytesOf(refDecode(theirs).packet));
  });

  it('encodes arbitrary packets identically, binary, Dates and views anywhere in the data', () => {
    const binary = fc.oneof(
      fc.uint8Array({ maxLength: 4 }),
      fc.uint8Array({ maxLength: 4 }).map((b) => b.slice().buffer),
      fc.uint8Array({ maxLength: 4 }).map((b) => new DataView(b.slice().buffer)),
    );
    const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null), binary, fc.date({ noInvalidDate: true }));
    // No "__proto__" keys: the reference assigns them, turning them into the copy's prototype (binary.test.ts).
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'toString'), tie('value'), { maxKeys: 3 }),
      ),
    }));
    const packet: fc.Arbitrary<SocketPacket> = fc.record(
      {
        type: fc.constantFrom(PacketType.CONNECT, PacketType.DISCONNECT, PacketType.EVENT, PacketType.ACK, PacketType.CONNECT_ERROR),
        nsp: fc.constantFrom('/', '', '/admin', '/a,b'),
        id: fc.option(fc.nat(), { nil: undefined }),
        data: fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.constant(undefined)),
      },
      { requiredKeys: ['type', 'nsp'] },
    );
    fc.assert(
      fc.property(packet, (p) => {
        // The 4.2.7 release writes '/a,b,' (which decodes as namespace '/a'); newer socket.io-parser throws,
        // and so do we.
        if (p.nsp.includes(',')) expect(() => encodeSocketPacket(p)).toThrow(/^invalid namespace: must not contain a comma$/);
        else expect(encodeSocketPacket(p)).toStrictEqual(refEncode(p));
      }),
      { numRuns: 500 },
    );
  });

  const prefix = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '51-', '61-', '2/', '2/a,', '21', '31', '7', '');
  const tail = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.json({ maxDepth: 2 }),
    fc.constantFrom('["connect"]', '["x"]', '[]', '{}', '"s"', '[1]', '{"_placeholder":true,"num":0}'),
  );
  // Inputs where socket.io-parser 4.2's loose Number() comparisons make it accept nonsense: whitespace
  // read as digit 0, '' read as type 0, exponents in counts, ids beyond 2^53.
  const looseInReference = (s: string): boolean => s === '' || /\s|e|E|\d{16}/.test(s);

  it('agrees with the reference on which texts are valid, and on what they decode to', () => {
    fc.assert(
      fc.property(prefix, tail, (p, t) => {
        const text = p + t;
        const ours = new SocketPacketDecoder().add(text);
        const theirs = refDecode([text]);
        if (looseInReference(text.slice(0, 20))) {
          // We are stricter there, never looser: whatever we accept, the reference accepts too.
          if (!isProtocolError(ours)) expect(theirs.error).toBeUndefined();
          return;
        }
        if (isProtocolError(ours)) expect(theirs.error).toBeDefined();
        else if (ours === undefined) expect(theirs).toStrictEqual({ packet: undefined });
        else expect(ours).toStrictEqual(theirs.packet);
      }),
      { numRuns: 2000 },
    );
  });
});
