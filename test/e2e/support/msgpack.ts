// What the msgpack e2e cases check on both ends: every Socket.IO packet the server receives is one binary
// message, and a Date and bytes from the page arrive as a Date and a Buffer, and bytes come back to the
// page as an ArrayBuffer.
import type { Server } from '@switchback/server';
import { expect } from 'vitest';
import type { ChatPage } from './browser.js';

/** Records whether each engine message the server receives is text or binary; read the set at the end. */
export function watchFrameKinds(io: Server): Set<'text' | 'binary'> {
  const kinds = new Set<'text' | 'binary'>();
  io.engine.on('connection', (conn: { on(event: 'message', fn: (data: unknown) => void): void }) => {
    conn.on('message', (data) => kinds.add(typeof data === 'string' ? 'text' : 'binary'));
  });
  return kinds;
}

/** The server side of expectTypesIntact: a 'types' event answered with what it received, and bytes back. */
export function answerTypes(io: Server): void {
  io.on('connection', (socket) => {
    socket.on('types', (value: { when: Date; bytes: Buffer }, ack: (reply: unknown) => void) => {
      ack({ when: value.when instanceof Date ? value.when.getTime() : 'not a Date', bytes: [...value.bytes], back: Buffer.from([7, 8]) });
    });
  });
}

/** The page's `chatSocket` sends a Date and an ArrayBuffer and gets its answer (see answerTypes). */
export async function expectTypesIntact(chat: ChatPage): Promise<void> {
  const answer = await chat.page.evaluate(async () => {
    const socket = Reflect.get(window, 'chatSocket') as {
      timeout(ms: number): { emitWithAck(event: string, value: unknown): Promise<{ when: unknown; bytes: number[]; back: unknown }> };
    };
    const reply = await socket.timeout(5000).emitWithAck('types', { when: new Date(1_700_000_000_123), bytes: new Uint8Array([1, 2, 3]).buffer });
    return { when: reply.when, bytes: reply.bytes, back: reply.back instanceof ArrayBuffer ? [...new Uint8Array(reply.back)] : String(reply.back) };
  });
  expect(answer).toEqual({ when: 1_700_000_000_123, bytes: [1, 2, 3], back: [7, 8] });
}
