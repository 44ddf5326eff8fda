// Ids of sessions (and of the Socket.IO layer's sockets): random bytes, and the checks on an app's
// own generateId().
import { randomFillSync } from 'node:crypto';
import { EngineErrorCode, EngineRequestError } from './errors.js';
import { isPromiseLike } from './maybe-async.js';

const POOL_SIZE = 4096;
/** Random bytes handed out once each, refilled when used up (as socket.io's base64id pools them). */
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * `bytes` random bytes (at most 4096) from the CSPRNG, base64url-encoded. One randomFillSync() per 4 KB
 * rather than one randomBytes() per id (~4 µs each, on the path of every handshake).
 */
export function randomId(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return id;
}

export type IdResult = string | EngineRequestError;

/**
 * Runs a generateId(): a plain value is checked at once (so a default WebSocket handshake is answered
 * in the tick it arrived, without promise hops), a promise once it settles. A throw, a rejection or
 * anything but a non-empty string refuses the handshake (400, `ID_GENERATION_ERROR`).
 */
export function resolveId(generate: () => string | PromiseLike<string>): IdResult | Promise<IdResult> {
  let id: unknown;
  try {
    id = generate();
  } catch (error) {
    return idError(error);
  }
  if (isPromiseLike(id)) return Promise.resolve(id).then(checkId, idError);
  return checkId(id);
}

function checkId(id: unknown): IdResult {
  if (typeof id === 'string' && id !== '') return id;
  return idError(new TypeError('generateId() must return a non-empty string'));
}

function idError(error: unknown): EngineRequestError {
  return new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'ID_GENERATION_ERROR', error });
}
