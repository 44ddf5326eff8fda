// Session ids: the default generator, and the checks on what a custom generateId() returned.
import { randomFillSync } from 'node:crypto';
import { EngineErrorCode, EngineRequestError } from './errors.js';

const ID_BYTES = 16;
// One crypto call per 64 ids instead of one per handshake (randomBytes() costs ~10 µs in a cold
// process, on the way to the 101 of every WebSocket handshake).
const pool = Buffer.allocUnsafeSlow(ID_BYTES * 64);
let offset = pool.length;

/** 16 random bytes (128 bits, unguessable) as 22 base64url characters. */
export function randomSessionId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  // Used bytes are overwritten at the next refill; nothing reads them again.
  offset += ID_BYTES;
  return id;
}

/**
 * Runs a generateId() and checks its result: the id, or the refusal (400, `ID_GENERATION_ERROR`) when it
 * throws, rejects or gives anything but a non-empty string. A Promise only when generateId() gave one.
 */
export function resolveSessionId(generate: () => unknown): string | EngineRequestError | Promise<string | EngineRequestError> {
  let id: unknown;
  try {
    id = generate();
  } catch (error) {
    return idGenerationError(error);
  }
  if (isThenable(id)) return Promise.resolve(id).then(checkedId, idGenerationError);
  return checkedId(id);
}

function checkedId(id: unknown): string | EngineRequestError {
  if (typeof id === 'string' && id !== '') return id;
  return idGenerationError(new TypeError('generateId() must return a non-empty string'));
}

function idGenerationError(error: unknown): EngineRequestError {
  return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'ID_GENERATION_ERROR', error });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
