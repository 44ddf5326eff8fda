import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RECORD_SEPARATOR,
  decodeEnginePacket,
  decodePayload,
  encodeEnginePacket,
  encodePayload,
  parseOpenPacketData,
} from './engine-packet.js';
import type { EnginePacket, EnginePacketType } from './engine-packet.js';
import { ProtocolError, isProtocolError } from './errors.js';
import type { ProtocolErrorCode } from './errors.js';

const TYPES: EnginePacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];

function codeOf(result: unknown): ProtocolErrorCode | undefined {
  return isProtocolError(result) ? result.code : undefined;
}

describe('encodeEnginePacket', () => {
  it.each<[EnginePacket, string]>([
    [{ type: 'open', data: '{"sid":"x"}' }, '0{"sid":"x"}'],
    [{ type: 'close' }, '1'],
    [{ type: 'ping' }, '2'],
    [{ type: 'ping', data: 'probe' }, '2probe'],
    [{ type: 'pong', data: 'probe' }, '3probe'],
    [{ type: 'message', data: 'hello €' }, '4hello €'],
    [{ type: 'message', data: '' }, '4'],
    [{ type: 'upgrade' }, '5'],
    [{ type: 'noop' }, '6'],
  ])('%o -> %s (either transport)', (packet, expected) => {
    expect(encodeEnginePacket(packet, true)).toBe(expected);
    expect(encodeEnginePacket(packet, false)).toBe(expected);
  });

  it('sends a number from an untyped caller as its text, as engine.io does, on either transport', () => {
    const packet = { type: 'message', data: 123 } as unknown as EnginePacket;
    expect(encodeEnginePacket(packet, true)).toBe('4123');
    expect(encodeEnginePacket(packet, false)).toBe('4123');
  });

  it('returns binary data as given, without a copy, when binary is supported', () => {
    const u8 = new Uint8Array([1, 2, 3]);
    const ab = new ArrayBuffer(2);
    const dv = new DataView(new ArrayBuffer(4), 1, 2);
    expect(encodeEnginePacket({ type: 'message', data: u8 }, true)).toBe(u8);
    expect(encodeEnginePacket({ type: 'message', data: ab }, true)).toBe(ab);
    expect(encodeEnginePacket({ type: 'message', data: dv }, true)).toBe(dv);
  });

  it('base64-encodes binary behind a "b" when binary is not supported, honouring view offsets', () => {
    expect(encodeEnginePacket({ type: 'message', data: new Uint8Array([1, 2, 3, 4]) }, false)).toBe('bAQIDBA==');
    expect(encodeEnginePacket({ type: 'message', data: new Uint8Array([1, 2, 3, 4]).buffer }, false)).toBe('bAQIDBA==');
    const view = new Uint16Array(new Uint8Array([9, 9, 1, 2, 3, 4, 9, 9]).buffer, 2, 2);
    expect(encodeEnginePacket({ type: 'message', data: view }, false)).toBe('bAQIDBA==');
    expect(encodeEnginePacket({ type: 'message', data: new Uint8Array(0) }, false)).toBe('b');
  });
});

describe('decodeEnginePacket', () => {
  it.each<[string, EnginePacket]>([
    ['0{"sid":"x"}', { type: 'open', data: '{"sid":"x"}' }],
    ['1', { type: 'close' }],
    ['2', { type: 'ping' }],
    ['2probe', { type: 'ping', data: 'probe' }],
    ['3probe', { type: 'pong', data: 'probe' }],
    ['4', { type: 'message' }],
    ['4hello\u2028€', { type: 'message', data: 'hello\u2028€' }],
    ['42["chat","hi"]', { type: 'message', data: '2["chat","hi"]' }],
    ['5', { type: 'upgrade' }],
    ['6', { type: 'noop' }],
  ])('%j', (input, expected) => {
    expect(decodeEnginePacket(input)).toStrictEqual(expected);
  });

  it('decodes "b" + base64 to a message as a Buffer (Node default, nodebuffer), uint8array or arraybuffer', () => {
    // As engine.io-parser in Node: a Buffer, by default and for 'nodebuffer'.
    for (const binaryType of [undefined, 'nodebuffer'] as const) {
      const data = (decodeEnginePacket('bAQIDBA==', binaryType) as EnginePacket).data;
      expect(Buffer.isBuffer(data)).toBe(true);
      expect(data).toEqual(Buffer.from([1, 2, 3, 4]));
    }
    expect(decodeEnginePacket('bAQIDBA==', 'uint8array')).toStrictEqual({ type: 'message', data: new Uint8Array([1, 2, 3, 4]) });
    const packet = decodeEnginePacket('bAQIDBA==', 'arraybuffer');
    expect(isProtocolError(packet)).toBe(false);
    const data = (packet as EnginePacket).data;
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(data as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(decodeEnginePacket('b', 'uint8array')).toStrictEqual({ type: 'message', data: new Uint8Array(0) });
  });

  it('returns a binary frame as a message carrying the very same object', () => {
    // A Blob too, as engine.io-parser: a browser WebSocket with binaryType 'blob' hands those over.
    const blob = new Blob(['x']) as unknown as ArrayBuffer;
    const frames = [new Uint8Array([1]), new ArrayBuffer(3), Buffer.from([1, 2]), new DataView(new ArrayBuffer(2)), blob];
    for (const frame of frames) {
      const packet = decodeEnginePacket(frame);
      expect(packet).toStrictEqual({ type: 'message', data: frame });
      expect((packet as EnginePacket).data).toBe(frame);
    }
  });

  it.each<[unknown, ProtocolErrorCode]>([
    ['', 'EMPTY_PACKET'],
    ['7', 'UNKNOWN_PACKET_TYPE'],
    ['9hello', 'UNKNOWN_PACKET_TYPE'],
    ['/', 'UNKNOWN_PACKET_TYPE'],
    ['xhello', 'UNKNOWN_PACKET_TYPE'],
    ['\u0660', 'UNKNOWN_PACKET_TYPE'],
    ['b!!!!', 'INVALID_BASE64'],
    ['bA', 'INVALID_BASE64'],
    [42, 'INVALID_DATA'],
    [null, 'INVALID_DATA'],
    [{ type: 'message' }, 'INVALID_DATA'],
  ])('%j -> %s', (input, code) => {
    const result = decodeEnginePacket(input as string);
    expect(result).toBeInstanceOf(ProtocolError);
    expect(codeOf(result)).toBe(code);
  });
});

describe('payloads', () => {
  it('joins and splits with the record separator', () => {
    const packets: EnginePacket[] = [
      { type: 'message', data: 'hello' },
      { type: 'ping' },
      { type: 'message', data: new Uint8Array([1, 2, 3, 4]) },
      { type: 'message', data: 'world' },
    ];
    const payload = encodePayload(packets);
    expect(payload).toBe('4hello\x1e2\x1ebAQIDBA==\x1e4world');
    expect(decodePayload(payload, { binaryType: 'uint8array' })).toStrictEqual(packets);
    expect(Buffer.isBuffer((decodePayload(payload) as EnginePacket[])[2]?.data)).toBe(true);
  });

  it('encodes an empty list as an empty payload, which does not decode', () => {
    expect(encodePayload([])).toBe('');
    expect(codeOf(decodePayload(''))).toBe('EMPTY_PACKET');
  });

  it.each<[string, ProtocolErrorCode]>([
    ['4a\x1e\x1e4b', 'EMPTY_PACKET'],
    ['4a\x1e', 'EMPTY_PACKET'],
    ['4a\x1e8', 'UNKNOWN_PACKET_TYPE'],
    ['4a\x1eb*', 'INVALID_BASE64'],
  ])('fails the whole payload %j with %s', (payload, code) => {
    expect(codeOf(decodePayload(payload))).toBe(code);
  });

  it('rejects a non-string payload with INVALID_DATA', () => {
    expect(codeOf(decodePayload(new Uint8Array(2) as unknown as string))).toBe('INVALID_DATA');
  });

  it('checks maxLength before splitting anything', () => {
    expect(decodePayload('4abc', { maxLength: 4 })).toStrictEqual([{ type: 'message', data: 'abc' }]);
    expect(codeOf(decodePayload('4abcd', { maxLength: 4 }))).toBe('PAYLOAD_TOO_LARGE');
    // Not decodable at all, yet too large is what is reported: length was checked first.
    expect(codeOf(decodePayload('\x1e'.repeat(100), { maxLength: 10 }))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('honours binaryType for base64 items', () => {
    const result = decodePayload('bAQI=', { binaryType: 'arraybuffer' }) as EnginePacket[];
    expect(result[0]?.data).toBeInstanceOf(ArrayBuffer);
  });
});

describe('parseOpenPacketData', () => {
  const valid = { sid: 'abc', upgrades: ['websocket'], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 };

  it('parses the handshake', () => {
    expect(parseOpenPacketData(JSON.stringify(valid))).toStrictEqual(valid);
    expect(parseOpenPacketData(JSON.stringify({ ...valid, upgrades: [] }))).toStrictEqual({ ...valid, upgrades: [] });
  });

  it('treats a missing maxPayload (engine.io < 6.2) as 0, no known limit', () => {
    const { maxPayload: _, ...old } = valid;
    expect(parseOpenPacketData(JSON.stringify(old))).toStrictEqual({ ...old, maxPayload: 0 });
  });

  it('accepts exactly the open packets whose fields all have the right kind, and never throws', () => {
    const field = fc.oneof(
      fc.string({ maxLength: 3 }),
      fc.integer({ min: -2, max: 3 }),
      fc.double(),
      fc.constant(null),
      fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.nat()), { maxLength: 2 }),
    );
    const variant = fc.record(
      {
        sid: fc.oneof(fc.constant('a'), field),
        upgrades: fc.oneof(fc.constant(['websocket']), fc.constant([]), field),
        pingInterval: fc.oneof(fc.constant(1), field),
        pingTimeout: fc.oneof(fc.constant(1), field),
        maxPayload: fc.oneof(fc.constant(0), field),
        extra: field,
      },
      { requiredKeys: [] },
    );
    const duration = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    fc.assert(
      fc.property(variant, (input) => {
        const text = JSON.stringify(input);
        // What the parser sees: JSON has turned NaN and Infinity into null, and dropped undefined.
        const v = JSON.parse(text) as Record<string, unknown>;
        const result = parseOpenPacketData(text);
        const { sid, upgrades, pingInterval, pingTimeout } = v;
        const maxPayload = v['maxPayload'] ?? 0;
        const ok =
          typeof sid === 'string' && sid !== '' &&
          Array.isArray(upgrades) && upgrades.every((u) => typeof u === 'string') &&
          duration(pingInterval) && duration(pingTimeout) && duration(maxPayload);
        if (ok) expect(result).toStrictEqual({ sid, upgrades, pingInterval, pingTimeout, maxPayload });
        else expect(codeOf(result)).toBe('INVALID_DATA');
      }),
      { numRuns: 1000 },
    );
  });

  it.each<[string, ProtocolErrorCode]>([
    ['not json', 'INVALID_JSON'],
    ['', 'INVALID_JSON'],
    ['[]', 'INVALID_DATA'],
    ['null', 'INVALID_DATA'],
    ['"sid"', 'INVALID_DATA'],
    [JSON.stringify({ ...valid, sid: 1 }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, sid: '' }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, upgrades: 'websocket' }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, upgrades: [1] }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, pingInterval: '25000' }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, pingTimeout: -1 }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, maxPayload: 'big' }), 'INVALID_DATA'],
    [JSON.stringify({ ...valid, pingTimeout: undefined }), 'INVALID_DATA'],
  ])('%s -> %s', (input, code) => {
    expect(codeOf(parseOpenPacketData(input))).toBe(code);
  });
});

const arbitraryText = fc.string({ unit: 'binary', maxLength: 30 });
const arbitraryTextPacket: fc.Arbitrary<EnginePacket> = fc
  .record({ type: fc.constantFrom(...TYPES), data: fc.option(arbitraryText, { nil: undefined }) })
  .map(({ type, data }) => (data === undefined ? { type } : { type, data }));
const arbitraryBinaryPacket: fc.Arbitrary<EnginePacket> = fc
  .uint8Array({ maxLength: 40 })
  .map((data) => ({ type: 'message', data }));
const arbitraryPacket = fc.oneof(arbitraryTextPacket, arbitraryBinaryPacket);

/** What a decode gives back: '' data is indistinguishable from no data on the wire. */
function normalise(packet: EnginePacket): EnginePacket {
  return packet.data === '' ? { type: packet.type } : packet;
}

describe('properties', () => {
  it('decode(encode(packet)) is the packet, for both transports', () => {
    fc.assert(
      fc.property(arbitraryPacket, (packet) => {
        expect(decodeEnginePacket(encodeEnginePacket(packet, false) as string, 'uint8array')).toStrictEqual(normalise(packet));
        expect(decodeEnginePacket(encodeEnginePacket(packet, true))).toStrictEqual(normalise(packet));
      }),
    );
  });

  it('decodePayload(encodePayload(packets)) is the packets, when no text contains the separator', () => {
    const textWithoutSeparator = arbitraryText.filter((s) => !s.includes(RECORD_SEPARATOR));
    const packet = fc.oneof(
      fc
        .record({ type: fc.constantFrom(...TYPES), data: fc.option(textWithoutSeparator, { nil: undefined }) })
        .map(({ type, data }): EnginePacket => (data === undefined ? { type } : { type, data })),
      arbitraryBinaryPacket,
    );
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 8 }), (packets) => {
        expect(decodePayload(encodePayload(packets), { binaryType: 'uint8array' })).toStrictEqual(packets.map(normalise));
      }),
    );
  });

  it('arbitrary strings and bytes decode to a packet or a ProtocolError, never a throw', () => {
    const wireish = fc.oneof(
      arbitraryText,
      fc.constantFrom('0', '4', 'b', '\x1e').chain((p) => arbitraryText.map((s) => p + s)),
    );
    fc.assert(
      fc.property(fc.oneof(wireish, fc.uint8Array({ maxLength: 40 })), (input) => {
        const packet = decodeEnginePacket(input);
        if (!isProtocolError(packet)) expect(TYPES).toContain(packet.type);
        const packets = decodePayload(typeof input === 'string' ? input : 'x', { maxLength: 20 });
        if (!isProtocolError(packets)) expect(Array.isArray(packets)).toBe(true);
        expect(() => parseOpenPacketData(typeof input === 'string' ? input : '')).not.toThrow();
      }),
    );
  });
});
