import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProtocolError } from './errors.js';
import type { ProtocolErrorCode } from './errors.js';
import { PacketType, SocketPacketDecoder, encodeSocketPacket, isPacketValid } from './socket-packet.js';
import type { SocketPacket } from './socket-packet.js';

function codeOf(result: unknown): ProtocolErrorCode | undefined {
  return isProtocolError(result) ? result.code : undefined;
}

function decodeAll(chunks: ReadonlyArray<string | Uint8Array | ArrayBuffer>): unknown {
  const decoder = new SocketPacketDecoder();
  let result: unknown;
  for (const chunk of chunks) result = decoder.add(chunk);
  return result;
}

// Text packets that encode and decode to each other exactly.
const TEXT_TABLE: Array<[string, SocketPacket]> = [
  ['0', { type: PacketType.CONNECT, nsp: '/' }],
  ['0{"token":"123"}', { type: PacketType.CONNECT, nsp: '/', data: { token: '123' } }],
  ['0/admin,', { type: PacketType.CONNECT, nsp: '/admin' }],
  ['0/admin,{"token":"123"}', { type: PacketType.CONNECT, nsp: '/admin', data: { token: '123' } }],
  ['0{"sid":"abc","pid":"p"}', { type: PacketType.CONNECT, nsp: '/', data: { sid: 'abc', pid: 'p' } }],
  ['1', { type: PacketType.DISCONNECT, nsp: '/' }],
  ['1/admin,', { type: PacketType.DISCONNECT, nsp: '/admin' }],
  ['2["chat","hi"]', { type: PacketType.EVENT, nsp: '/', data: ['chat', 'hi'] }],
  ['2[1,"numeric event name"]', { type: PacketType.EVENT, nsp: '/', data: [1, 'numeric event name'] }],
  ['212["foo"]', { type: PacketType.EVENT, nsp: '/', id: 12, data: ['foo'] }],
  ['2/admin,["hey",{"a":[1,null,true]}]', { type: PacketType.EVENT, nsp: '/admin', data: ['hey', { a: [1, null, true] }] }],
  ['2/admin,0["x"]', { type: PacketType.EVENT, nsp: '/admin', id: 0, data: ['x'] }],
  ['3/admin,13["bar"]', { type: PacketType.ACK, nsp: '/admin', id: 13, data: ['bar'] }],
  ['31[]', { type: PacketType.ACK, nsp: '/', id: 1, data: [] }],
  ['4{"message":"Not authorized"}', { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'Not authorized' } }],
  ['4/random,{"message":"Invalid namespace"}', { type: PacketType.CONNECT_ERROR, nsp: '/random', data: { message: 'Invalid namespace' } }],
  ['4"plain reason"', { type: PacketType.CONNECT_ERROR, nsp: '/', data: 'plain reason' }],
];

describe('encodeSocketPacket / decoder, text packets', () => {
  it.each(TEXT_TABLE)('%s', (wire, packet) => {
    expect(encodeSocketPacket(packet)).toStrictEqual([wire]);
    expect(new SocketPacketDecoder().add(wire)).toStrictEqual(packet);
  });

  it('reads ack ids of up to 16 digits, leading zeros included', () => {
    expect(decodeAll(['20000000000000007["x"]'])).toStrictEqual({ type: PacketType.EVENT, nsp: '/', id: 7, data: ['x'] });
    expect(decodeAll(['39007199254740991[]'])).toStrictEqual({ type: PacketType.ACK, nsp: '/', id: 9007199254740991, data: [] });
    expect(decodeAll(['3/a,42'])).toStrictEqual({ type: PacketType.ACK, nsp: '/a', id: 42 });
  });

  it('decodes what the reference accepts although it encodes otherwise', () => {
    // No comma: the namespace runs to the end.
    expect(decodeAll(['2/admin'])).toStrictEqual({ type: PacketType.EVENT, nsp: '/admin' });
    // Data is optional for every type (socket.io-parser validates only data that is present).
    expect(decodeAll(['2'])).toStrictEqual({ type: PacketType.EVENT, nsp: '/' });
    expect(decodeAll(['37'])).toStrictEqual({ type: PacketType.ACK, nsp: '/', id: 7 });
    expect(decodeAll(['2 ["x"]'])).toStrictEqual({ type: PacketType.EVENT, nsp: '/', data: ['x'] });
  });

  it('omits the namespace for "/" and for an empty string, and skips null ids and data', () => {
    expect(encodeSocketPacket({ type: PacketType.EVENT, nsp: '', data: ['a'] })).toStrictEqual(['2["a"]']);
    expect(encodeSocketPacket({ type: PacketType.CONNECT, nsp: '/', data: null })).toStrictEqual(['0']);
  });

  it('uses toJSON as JSON.stringify does', () => {
    const when = new Date(0);
    expect(encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['t', when] })).toStrictEqual([
      `2["t",${JSON.stringify(when)}]`,
    ]);
  });
});

describe('namespaces with a comma', () => {
  it('refuses to encode them, binary or not, as newer socket.io-parser does', () => {
    // '2/a,b,["hello"]' would decode as namespace '/a' with broken JSON.
    for (const data of [['hello'], ['hello', Uint8Array.from([1, 2, 3])]]) {
      let thrown: unknown;
      try {
        encodeSocketPacket({ type: PacketType.EVENT, nsp: '/a,b', data });
      } catch (error) {
        thrown = error;
      }
      expect(codeOf(thrown)).toBe('INVALID_NAMESPACE');
      expect((thrown as Error).message).toBe('invalid namespace: must not contain a comma');
    }
  });
});

describe('reviver and replacer', () => {
  const upperA = (key: string, value: unknown): unknown => (key === 'a' ? (value as string).toUpperCase() : value);

  it('passes the reviver to JSON.parse, for text and binary packets', () => {
    const decoder = new SocketPacketDecoder({ reviver: upperA });
    expect(decoder.add('2["b",{"a":"val"}]')).toStrictEqual({ type: PacketType.EVENT, nsp: '/', data: ['b', { a: 'VAL' }] });
    const bytes = new Uint8Array([7]);
    expect(decoder.add('51-["b",{"a":"val","f":{"_placeholder":true,"num":0}}]')).toBeUndefined();
    expect(decoder.add(bytes)).toStrictEqual({ type: PacketType.EVENT, nsp: '/', data: ['b', { a: 'VAL', f: bytes }] });
  });

  it('passes the replacer to JSON.stringify; with binary it sees the placeholders', () => {
    expect(encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['b', { a: 'val' }] }, upperA)).toStrictEqual(['2["b",{"a":"VAL"}]']);
    const seen: unknown[] = [];
    const bytes = new Uint8Array([1]);
    const encoded = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['b', { a: 'val', f: bytes }] }, (key, value) => {
      if (key === 'f') seen.push(value);
      return upperA(key, value);
    });
    expect(encoded).toStrictEqual(['51-["b",{"a":"VAL","f":{"_placeholder":true,"num":0}}]', bytes]);
    expect(seen).toStrictEqual([{ _placeholder: true, num: 0 }]);
  });
});

describe('isPacketValid', () => {
  it.each<[SocketPacket, boolean]>([
    [{ type: PacketType.CONNECT, nsp: '/' }, true],
    [{ type: PacketType.CONNECT, nsp: '/admin', data: { token: 'x' } }, true],
    [{ type: PacketType.DISCONNECT, nsp: '/admin' }, true],
    [{ type: PacketType.EVENT, nsp: '/', id: 3, data: ['chat', 1] }, true],
    [{ type: PacketType.EVENT, nsp: '/', data: [1] }, true],
    [{ type: PacketType.ACK, nsp: '/', id: 3, data: [] }, true],
    [{ type: PacketType.CONNECT_ERROR, nsp: '/', data: 'nope' }, true],
    [{ type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'nope' } }, true],
    [{ type: PacketType.CONNECT, nsp: '/admin', data: 'invalid' }, false],
    [{ type: PacketType.CONNECT, nsp: '/a,b' }, false],
    [{ type: PacketType.CONNECT, nsp: '/', data: [] }, false],
    [{ type: PacketType.DISCONNECT, nsp: '/admin', data: {} }, false],
    [{ type: PacketType.EVENT, nsp: '/admin', data: 'invalid' }, false],
    [{ type: PacketType.EVENT, nsp: '/', data: { toString: 'foo' } }, false],
    [{ type: PacketType.EVENT, nsp: '/', data: [true, 'foo'] }, false],
    [{ type: PacketType.EVENT, nsp: '/', data: ['connect'] }, false],
    [{ type: PacketType.EVENT, nsp: '/' }, false],
    [{ type: PacketType.EVENT, nsp: '/', id: 1.5, data: ['x'] }, false],
    [{ type: PacketType.BINARY_EVENT, nsp: '/', data: ['x'] }, false],
    [{ type: PacketType.CONNECT, nsp: 1 as unknown as string }, false],
  ])('%j -> %s', (packet, valid) => {
    expect(isPacketValid(packet)).toBe(valid);
  });

  it('holds for every packet the encoder is given in the properties below', () => {
    fc.assert(fc.property(socketPacket, (packet) => isPacketValid(packet)));
  });
});

describe('binary packets', () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new ArrayBuffer(4);

  it('encodes an EVENT holding binary as BINARY_EVENT with the attachments as given', () => {
    const items = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['baz', a] });
    expect(items).toStrictEqual(['51-["baz",{"_placeholder":true,"num":0}]', a]);
    expect(items[1]).toBe(a);
  });

  it('encodes an ACK holding nested binary as BINARY_ACK with namespace and id', () => {
    const items = encodeSocketPacket({ type: PacketType.ACK, nsp: '/admin', id: 15, data: [{ x: [a, { y: b }] }] });
    expect(items).toStrictEqual([
      '62-/admin,15[{"x":[{"_placeholder":true,"num":0},{"y":{"_placeholder":true,"num":1}}]}]',
      a,
      b,
    ]);
  });

  it('sends a Buffer as an attachment, not as what its toJSON makes of it', () => {
    const buffer = Buffer.from([1, 2]);
    const items = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', { buffer }] });
    expect(items).toStrictEqual(['51-["x",{"buffer":{"_placeholder":true,"num":0}}]', buffer]);
    expect(items[1]).toBe(buffer);
  });

  it('computes attachments itself for BINARY_* packets and sends them as plain types without binary', () => {
    expect(
      encodeSocketPacket({ type: PacketType.BINARY_EVENT, nsp: '/', data: ['x', a], attachments: 7 }),
    ).toStrictEqual(['51-["x",{"_placeholder":true,"num":0}]', a]);
    expect(encodeSocketPacket({ type: PacketType.BINARY_ACK, nsp: '/', id: 1, data: [] })).toStrictEqual(['31[]']);
  });

  it('reassembles a binary packet, putting back the attachments exactly as passed', () => {
    const decoder = new SocketPacketDecoder();
    const buf = Buffer.from([9]);
    expect(decoder.add('62-/admin,15[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]')).toBeUndefined();
    expect(decoder.add(buf)).toBeUndefined();
    const packet = decoder.add(b) as SocketPacket;
    expect(packet).toStrictEqual({ type: PacketType.ACK, nsp: '/admin', id: 15, data: [b, buf] });
    expect((packet.data as unknown[])[1]).toBe(buf);
    // The decoder is ready for the next packet.
    expect(decoder.add('2["next"]')).toStrictEqual({ type: PacketType.EVENT, nsp: '/', data: ['next'] });
  });

  it('drops a half-received packet on reset()', () => {
    const decoder = new SocketPacketDecoder();
    expect(decoder.add('51-["x",{"_placeholder":true,"num":0}]')).toBeUndefined();
    decoder.reset();
    expect(codeOf(decoder.add(a))).toBe('UNEXPECTED_BINARY');
  });

  it('reassembles nesting deeper than the call stack', () => {
    const decoder = new SocketPacketDecoder();
    const deep = `51-["x",${'['.repeat(20_000)}{"_placeholder":true,"num":0}${']'.repeat(20_000)}]`;
    expect(decoder.add(deep)).toBeUndefined();
    let inner = (decoder.add(a) as SocketPacket).data;
    for (let i = 0; i < 20_001; i++) inner = (inner as unknown[])[i === 0 ? 1 : 0];
    expect(inner).toBe(a);
  });

  it('honours maxAttachments', () => {
    const header = `53-["x",${'{"_placeholder":true,"num":0},'.repeat(2)}{"_placeholder":true,"num":0}]`;
    expect(codeOf(new SocketPacketDecoder({ maxAttachments: 2 }).add(header))).toBe('TOO_MANY_ATTACHMENTS');
    expect(new SocketPacketDecoder({ maxAttachments: 3 }).add(header)).toBeUndefined();
  });
});

describe('decoder errors', () => {
  it.each<[string, Array<string | Uint8Array>, ProtocolErrorCode]>([
    ['empty', [''], 'EMPTY_PACKET'],
    ['type 7', ['7'], 'UNKNOWN_PACKET_TYPE'],
    ['type letter', ['a["x"]'], 'UNKNOWN_PACKET_TYPE'],
    ['type space', [' '], 'UNKNOWN_PACKET_TYPE'],
    ['bad JSON', ['2["x"'], 'INVALID_JSON'],
    ['namespace without slash', ['2admin,["x"]'], 'INVALID_NAMESPACE'],
    ['namespace without slash and id', ['0admin,'], 'INVALID_NAMESPACE'],
    ['broken JSON with a comma', ['2["x",'], 'INVALID_JSON'],
    ['CONNECT with an array', ['0[1]'], 'INVALID_PAYLOAD'],
    ['CONNECT with a string', ['0"x"'], 'INVALID_PAYLOAD'],
    ['DISCONNECT with data', ['1{}'], 'INVALID_PAYLOAD'],
    ['EVENT with an object', ['2{"a":1}'], 'INVALID_PAYLOAD'],
    ['EVENT with an empty array', ['2[]'], 'INVALID_PAYLOAD'],
    ['EVENT with an object name', ['2[{}]'], 'INVALID_PAYLOAD'],
    ['EVENT with JSON false', ['2false'], 'INVALID_PAYLOAD'],
    ['reserved connect', ['2["connect"]'], 'INVALID_PAYLOAD'],
    ['reserved connect_error', ['2["connect_error"]'], 'INVALID_PAYLOAD'],
    ['reserved disconnect', ['2/admin,["disconnect"]'], 'INVALID_PAYLOAD'],
    ['reserved disconnecting', ['2["disconnecting"]'], 'INVALID_PAYLOAD'],
    ['reserved newListener', ['2["newListener"]'], 'INVALID_PAYLOAD'],
    ['reserved removeListener', ['2["removeListener"]'], 'INVALID_PAYLOAD'],
    ['ACK with an object', ['31{}'], 'INVALID_PAYLOAD'],
    ['CONNECT_ERROR with a boolean', ['4true'], 'INVALID_PAYLOAD'],
    ['BINARY_EVENT reserved name', ['51-["disconnect",{"_placeholder":true,"num":0}]'], 'INVALID_PAYLOAD'],
    ['huge ack id', [`2${'9'.repeat(17)}["x"]`], 'INVALID_ACK_ID'],
    ['unsafe ack id', ['29007199254740993["x"]'], 'INVALID_ACK_ID'],
    ['no attachment count', ['5-["x"]'], 'INVALID_ATTACHMENTS'],
    ['zero attachments', ['50-["x"]'], 'INVALID_ATTACHMENTS'],
    ['no dash', ['51["x"]'], 'INVALID_ATTACHMENTS'],
    ['count then letters', ['51a-["x"]'], 'INVALID_ATTACHMENTS'],
    ['too many attachments', ['511-["x"]'], 'TOO_MANY_ATTACHMENTS'],
    ['absurd attachments', [`5${'9'.repeat(30)}-["x"]`], 'TOO_MANY_ATTACHMENTS'],
    // Only the first 16 digits of a count are read: zeros there are no count at all, anything else is too long.
    ['17-digit count, first 16 zero', ['500000000000000001-["x"]'], 'INVALID_ATTACHMENTS'],
    ['17-digit count', ['500000000000000010-["x"]'], 'TOO_MANY_ATTACHMENTS'],
    ['17-digit ack id with leading zeros', ['200000000000000007["x"]'], 'INVALID_ACK_ID'],
    ['BINARY_ACK without a count', ['6/admin,1["x"]'], 'INVALID_ATTACHMENTS'],
    ['binary after a text packet', ['2["x"]', new Uint8Array(1)], 'UNEXPECTED_BINARY'],
    ['binary when not expecting', [new Uint8Array(1)], 'UNEXPECTED_BINARY'],
    ['text while waiting', ['51-["x",{"_placeholder":true,"num":0}]', '2["y"]'], 'INVALID_ATTACHMENTS'],
    ['placeholder out of range', ['51-["x",{"_placeholder":true,"num":1}]', new Uint8Array(1)], 'INVALID_ATTACHMENTS'],
    ['fractional placeholder', ['51-["x",{"_placeholder":true,"num":0.5}]', new Uint8Array(1)], 'INVALID_ATTACHMENTS'],
  ])('%s -> %s', (_, chunks, code) => {
    expect(codeOf(decodeAll(chunks))).toBe(code);
  });

  it.each(['5woooot', '5', '5-["x"]'])('a bad attachment count (%j) reads "Illegal attachments", as socket.io-parser says', (chunk) => {
    const result = new SocketPacketDecoder().add(chunk);
    expect(isProtocolError(result) && result.message).toBe('Illegal attachments');
  });

  // The messages socket.io-parser throws (its suite and apps match them); the codes stay ours.
  it.each<[string, Array<string | Uint8Array | number>, ProtocolErrorCode, string]>([
    ['broken JSON', ['442["some","data"'], 'INVALID_JSON', 'invalid payload'],
    ['broken JSON after a namespace', ['2/admin,"invalid'], 'INVALID_JSON', 'invalid payload'],
    ['namespace without slash', ['2admin,["x"]'], 'INVALID_NAMESPACE', 'invalid payload'],
    ['unknown type', ['999'], 'UNKNOWN_PACKET_TYPE', 'unknown packet type 9'],
    ['unknown type letter', ['a'], 'UNKNOWN_PACKET_TYPE', 'unknown packet type NaN'],
    ['a number', [999], 'INVALID_DATA', 'Unknown type: 999'],
    ['placeholder out of range', ['51-["x",{"_placeholder":true,"num":1}]', new Uint8Array(1)], 'INVALID_ATTACHMENTS', 'illegal attachments'],
    ['placeholder num a string', ['51-["x",{"_placeholder":true,"num":"0"}]', new Uint8Array(1)], 'INVALID_ATTACHMENTS', 'illegal attachments'],
    ['binary when not expecting', [new Uint8Array(1)], 'UNEXPECTED_BINARY', 'got binary data when not reconstructing a packet'],
    ['text while waiting', ['51-["x",{"_placeholder":true,"num":0}]', '2["y"]'], 'INVALID_ATTACHMENTS', 'got plaintext data when reconstructing a packet'],
  ])('%s: %s reads as socket.io-parser', (_, chunks, code, message) => {
    const result = decodeAll(chunks as Array<string | Uint8Array>);
    expect(isProtocolError(result) && [result.code, result.message]).toStrictEqual([code, message]);
  });

  it('rejects a chunk that is neither text nor binary with INVALID_DATA', () => {
    expect(codeOf(new SocketPacketDecoder().add({ type: 2 } as unknown as string))).toBe('INVALID_DATA');
  });

  it('recovers after an error: the next packet decodes', () => {
    const decoder = new SocketPacketDecoder();
    expect(decoder.add('51-["x",{"_placeholder":true,"num":0}]')).toBeUndefined();
    expect(codeOf(decoder.add('2["y"]'))).toBe('INVALID_ATTACHMENTS');
    expect(decoder.add('2["z"]')).toStrictEqual({ type: PacketType.EVENT, nsp: '/', data: ['z'] });
  });
});

// JSON that round-trips through JSON.stringify/parse unchanged (no -0, no undefined in objects).
const json: fc.Arbitrary<unknown> = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const withBinary: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    json,
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 5 }).filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).node;
const nsp = fc.oneof(fc.constant('/'), fc.string({ maxLength: 8 }).map((s) => '/' + s.replaceAll(',', '')));
const id = fc.option(fc.nat(), { nil: undefined });
const eventName = fc.oneof(
  fc.string().filter((s) => !['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(s)),
  fc.integer(),
);

const socketPacket: fc.Arbitrary<SocketPacket> = fc.oneof(
  fc.record({ type: fc.constant(PacketType.CONNECT), nsp, data: fc.option(fc.dictionary(fc.string(), json, { noNullPrototype: true }), { nil: undefined }) }),
  fc.record({ type: fc.constant(PacketType.DISCONNECT), nsp }),
  fc.record({ type: fc.constant(PacketType.EVENT), nsp, id, data: fc.tuple(eventName, fc.array(withBinary, { maxLength: 4 })).map(([n, rest]) => [n, ...rest]) }),
  fc.record({ type: fc.constant(PacketType.ACK), nsp, id: fc.nat(), data: fc.array(withBinary, { maxLength: 4 }) }),
  fc.record({ type: fc.constant(PacketType.CONNECT_ERROR), nsp, data: fc.oneof(fc.string(), fc.dictionary(fc.string(), json, { noNullPrototype: true })) }),
);

function withoutUndefined(packet: SocketPacket): SocketPacket {
  const out: SocketPacket = { type: packet.type, nsp: packet.nsp };
  if (packet.id !== undefined) out.id = packet.id;
  if (packet.data !== undefined) out.data = packet.data;
  return out;
}

describe('properties', () => {
  it('decode(encode(packet)) is the packet, binary anywhere included', () => {
    fc.assert(
      fc.property(socketPacket, (packet) => {
        const decoder = new SocketPacketDecoder({ maxAttachments: Number.MAX_SAFE_INTEGER });
        const items = encodeSocketPacket(packet);
        let result: unknown;
        items.forEach((item, i) => {
          result = decoder.add(item);
          if (i < items.length - 1) expect(result).toBeUndefined();
        });
        expect(result).toStrictEqual(withoutUndefined(packet));
      }),
    );
  });

  it('arbitrary chunks decode to a packet, undefined or a ProtocolError, never a throw', () => {
    const prefix = fc.constantFrom('', '0', '2', '3', '4', '5', '51-', '52-', '6', '2/', '21');
    const text = fc.tuple(prefix, fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.json())).map(([p, s]) => p + s);
    const chunk = fc.oneof(text, fc.uint8Array({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 5 }), (chunks) => {
        const decoder = new SocketPacketDecoder();
        for (const c of chunks) {
          const result = decoder.add(c);
          if (result === undefined || isProtocolError(result)) continue;
          expect(result.type).toBeGreaterThanOrEqual(0);
          expect(result.type).toBeLessThanOrEqual(4);
          expect(typeof result.nsp).toBe('string');
        }
      }),
    );
  });
});
