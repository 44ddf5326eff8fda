import { RECORD_SEPARATOR, encodeEnginePacket } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { utf8Length } from './transport.js';

/**
 * Encodes packets for long polling and groups them into payloads (`\x1e`-joined) of at most
 * `maxPayload` bytes, in order. A single packet larger than maxPayload goes alone: the server
 * answers 413 and the resulting error is clearer than silently dropping it (socket.io#3946).
 */
export function splitIntoPayloads(packets: readonly EnginePacket[], maxPayload: number): string[] {
  const payloads: string[] = [];
  let current: string[] = [];
  let currentBytes = 0;
  for (const packet of packets) {
    const encoded = encodeEnginePacket(packet, false);
    // supportsBinary=false always yields text; the guard keeps the types honest.
    const text = typeof encoded === 'string' ? encoded : '';
    const bytes = utf8Length(text);
    const added = current.length === 0 ? bytes : bytes + 1;
    if (current.length > 0 && currentBytes + added > maxPayload) {
      payloads.push(current.join(RECORD_SEPARATOR));
      current = [];
      currentBytes = 0;
    }
    currentBytes += current.length === 0 ? bytes : bytes + 1;
    current.push(text);
  }
  if (current.length > 0) payloads.push(current.join(RECORD_SEPARATOR));
  return payloads;
}
