import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { decodeEnginePacket, decodePayload, encodeEnginePacket, encodePayload, parseOpenPacketData } from './engine-packet.js';
import type { EnginePacket } from './engine-packet.js';
import {
  decodeBase64Compact,
  decodeEnginePacketCompact,
  decodePayloadCompact,
  encodeBase64Compact,
  encodeEnginePacketCompact,
  encodePayloadCompact,
  parseOpenPacketDataCompact,
} from './engine-packet-compact.js';
import { isProtocolError } from './errors.js';

/** The same value, or errors with the same code. */
function same(actual: unknown, expected: unknown): void {
  if (isProtocolError(expected)) {
    expect(isProtocolError(actual) && actual.code).toBe(expected.code);
  } else {
    expect(actual).toEqual(expected);
  }
}

const base64ish = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n*\u00e9'.split('')),
  maxLength: 40,
});
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), base64ish, base64ish.map((t) => `b${t}`));
const packetType = fc.constantFrom('open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop' as const);
const packet: fc.Arbitrary<EnginePacket> = fc.oneof(
  packetType.map((type) => ({ type })),
  fc.record({ type: packetType, data: fc.string({ maxLength: 20 }) }),
  fc.uint8Array({ maxLength: 40 }).map((data) => ({ type: 'message' as const, data })),
);

describe('compact engine codec (btoa/atob) agrees with the fast codec', () => {
  it('base64: encodes every byte string the same, decodes every text the same', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(encodeBase64Compact(bytes)).toBe(encodeBase64(bytes));
    }));
    fc.assert(fc.property(base64ish, (t) => {
      same(decodeBase64Compact(t), decodeBase64(t));
    }));
    for (const t of ['', 'A', 'AA', 'AA==', 'AAA==', 'A===', 'AA=A', 'AA AA', '-_-_', 'AQ\u0141=']) {
      same(decodeBase64Compact(t), decodeBase64(t));
    }
  });

  it('encodes big binaries across its chunks', () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
    expect(encodeBase64Compact(big)).toBe(encodeBase64(big));
    expect(decodeBase64Compact(encodeBase64(big))).toEqual(big);
  });

  it('packets and payloads', () => {
    fc.assert(
      fc.property(packet, fc.boolean(), (p, binary) => {
        const encoded = encodeEnginePacketCompact(p, binary);
        expect(encoded).toEqual(encodeEnginePacket(p, binary));
        for (const binaryType of ['uint8array', 'arraybuffer'] as const) {
          same(decodeEnginePacketCompact(encoded, binaryType), decodeEnginePacket(encoded, binaryType));
        }
      }),
    );
    fc.assert(fc.property(fc.array(packet, { maxLength: 5 }), (ps) => {
      expect(encodePayloadCompact(ps)).toBe(encodePayload(ps));
    }));
    fc.assert(
      fc.property(fc.array(text, { maxLength: 4 }), fc.option(fc.nat(60), { nil: undefined }), (items, maxLength) => {
        const payload = items.join('\x1e');
        same(decodePayloadCompact(payload, { maxLength }), decodePayload(payload, { maxLength }));
        same(decodePayloadCompact(payload, { binaryType: 'arraybuffer' }), decodePayload(payload, { binaryType: 'arraybuffer' }));
      }),
    );
  });

  it('rejects what is not a string or binary, as the fast codec does', () => {
    same(decodeEnginePacketCompact(42 as unknown as string), decodeEnginePacket(42 as unknown as string));
    same(decodePayloadCompact(42 as unknown as string), decodePayload(42 as unknown as string));
    same(decodeEnginePacketCompact(''), decodeEnginePacket(''));
  });

  it('open packets: same data for valid ones, same code for invalid ones', () => {
    const valid = { sid: 'a', upgrades: ['websocket'], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 };
    const field = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -2, max: 3 }), fc.double(), fc.constant(null), fc.array(fc.oneof(fc.string(), fc.nat()), { maxLength: 2 }));
    const variant = fc.record(
      { sid: fc.oneof(fc.constant('a'), fc.constant(''), field), upgrades: fc.oneof(fc.constant(['websocket']), fc.constant([]), field), pingInterval: fc.oneof(fc.constant(1), field), pingTimeout: fc.oneof(fc.constant(1), field), maxPayload: fc.oneof(fc.constant(0), field), extra: field },
      { requiredKeys: [] },
    );
    const texts = fc.oneof(variant.map((v) => JSON.stringify(v)), fc.string({ maxLength: 8 }), fc.constantFrom('null', '[]', '"x"', '1', JSON.stringify(valid)));
    fc.assert(
      fc.property(texts, (t) => {
        same(parseOpenPacketDataCompact(t), parseOpenPacketData(t));
      }),
      { numRuns: 1000 },
    );
    expect(parseOpenPacketDataCompact(JSON.stringify(valid))).toEqual(valid);
  });
});
