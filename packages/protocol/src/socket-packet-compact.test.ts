import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProtocolError } from './errors.js';
import { SocketPacketDecoder, encodeSocketPacket } from './socket-packet.js';
import type { PacketType, SocketPacket } from './socket-packet.js';
import { SocketPacketDecoderCompact, encodeSocketPacketCompact } from './socket-packet-compact.js';

/** The same value, or errors with the same code. */
function same(actual: unknown, expected: unknown): void {
  if (isProtocolError(expected)) expect(isProtocolError(actual) && actual.code).toBe(expected.code);
  else expect(actual).toEqual(expected);
}

const binary = fc.oneof(
  fc.uint8Array({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 4 }).map((b) => b.slice().buffer),
  fc.uint8Array({ maxLength: 4 }).map((b) => new DataView(b.slice().buffer)),
);
const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null), binary, fc.date({ noInvalidDate: true }));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'toString'), tie('value'), { maxKeys: 3 }),
    tie('value').map((inner) => ({ toJSON: () => inner })),
  ),
}));
const packet: fc.Arbitrary<SocketPacket> = fc.record(
  {
    type: fc.integer({ min: 0, max: 6 }).map((t) => t as PacketType),
    nsp: fc.constantFrom('/', '', '/admin', '/a,b'),
    id: fc.option(fc.nat(), { nil: undefined }),
    data: fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.constant(undefined)),
  },
  { requiredKeys: ['type', 'nsp'] },
);

const wireText = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...'0123456789-/,[]{}"a:'.split('')), maxLength: 24 }),
  fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7'), fc.constantFrom('', '1-', '2-', '0-', '11-', '00000000000000001-', '00000000000000010-', '99999999999999999-'),
    fc.constantFrom('', '/', '/x,', '/x', 'x,'), fc.constantFrom('', '1', '12345678901234567', '9007199254740993', '0'),
    fc.constantFrom('', '[]', '["a"]', '[1]', '["connect"]', '{}', '"s"', '[{"_placeholder":true,"num":0}]', '{"a":{"_placeholder":true,"num":1}}',
      '[{"_placeholder":true,"num":"0"}]', '{"_placeholder":true,"num":0}', 'x,[1]', '[', '"x",1')).map((parts) => parts.join('')),
);
const chunk = fc.oneof({ weight: 3, arbitrary: wireText }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3 }) });

describe('compact socket codec agrees with the full codec', () => {
  it('encodes every packet to the same strings and attachments', () => {
    fc.assert(
      fc.property(packet, (p) => {
        expect(encodeSocketPacketCompact(p)).toEqual(encodeSocketPacket(p));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes every sequence of chunks to the same packets and error codes', () => {
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 6 }), fc.integer({ min: 0, max: 3 }), (chunks, maxAttachments) => {
        const full = new SocketPacketDecoder({ maxAttachments });
        const compact = new SocketPacketDecoderCompact({ maxAttachments });
        for (const c of chunks) same(compact.add(c), full.add(c));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips encoded packets, binary included', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const full = new SocketPacketDecoder({ maxAttachments: 100 });
        const compact = new SocketPacketDecoderCompact({ maxAttachments: 100 });
        for (const c of encodeSocketPacket(p)) same(compact.add(c), full.add(c));
      }),
      { numRuns: 500 },
    );
  });

  it('resets a half-received binary packet and rejects non-binary chunks alike', () => {
    const full = new SocketPacketDecoder();
    const compact = new SocketPacketDecoderCompact();
    same(compact.add('51-["x",{"_placeholder":true,"num":0}]'), full.add('51-["x",{"_placeholder":true,"num":0}]'));
    full.reset();
    compact.reset();
    same(compact.add(new Uint8Array(1)), full.add(new Uint8Array(1)));
    same(compact.add(42 as unknown as string), full.add(42 as unknown as string));
    // Nesting deeper than the call stack is reconstructed without a stack overflow.
    const deep = `51-["x",${'['.repeat(20_000)}{"_placeholder":true,"num":0}${']'.repeat(20_000)}]`;
    expect(compact.add(deep)).toBeUndefined();
    expect(isProtocolError(compact.add(new Uint8Array(1)))).toBe(false);
  });
});
