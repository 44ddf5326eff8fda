import { describe, expect, it } from 'vitest';
import { splitIntoPayloads } from './transports/polling.js';

describe('splitIntoPayloads', () => {
  it('joins packets with the record separator when they fit', () => {
    expect(splitIntoPayloads([{ type: 'message', data: 'a' }, { type: 'ping' }, { type: 'message', data: new Uint8Array([1, 2, 3]) }], 100)).toEqual([
      '4a\x1e2\x1ebAQID',
    ]);
  });

  it('splits in order at maxPayload bytes (UTF-8), counting separators', () => {
    // '4é' is 3 bytes; two of them plus a separator are 7 bytes.
    const packets = [1, 2, 3].map(() => ({ type: 'message' as const, data: 'é' }));
    expect(splitIntoPayloads(packets, 7)).toEqual(['4é\x1e4é', '4é']);
    expect(splitIntoPayloads(packets, 6)).toEqual(['4é', '4é', '4é']);
  });

  it('sends an oversized packet alone rather than dropping it', () => {
    expect(splitIntoPayloads([{ type: 'message', data: 'x'.repeat(20) }, { type: 'message', data: 'y' }], 10)).toEqual([`4${'x'.repeat(20)}`, '4y']);
  });
});
