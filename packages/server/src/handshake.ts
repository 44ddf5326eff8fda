import { parse as parseQuery } from 'node:querystring';
import type { ParsedUrlQuery } from 'node:querystring';
import type { IncomingMessage } from 'node:http';
import type { EngineSocket } from './engine/index.js';
import type { Handshake } from './socket-types.js';

/** socket.handshake from the session's first request, as socket.io builds it; `issued` is when the socket was created. */
export function buildHandshake(conn: EngineSocket, auth: Record<string, unknown>, issued: number): Handshake {
  // null when the app dropped it (`rawSocket.request = null`): socket.io's stand-ins then.
  const req = conn.request as IncomingMessage | null;
  const url = req?.url ?? '/';
  const queryIndex = url.indexOf('?');
  return {
    headers: req?.headers ?? {},
    time: String(new Date(issued)),
    address: conn.remoteAddress,
    xdomain: req?.headers.origin !== undefined,
    secure: req === null || ('encrypted' in req.socket && req.socket.encrypted === true),
    issued,
    url: req === null ? (undefined as unknown as string) : url,
    query: queryIndex === -1 ? {} : compactQuery(parseQuery(url.slice(queryIndex + 1))),
    auth,
  };
}

/**
 * The same null-prototype object querystring.parse() returns, built so V8 keeps it in fast mode: the
 * parsed one is a dictionary (~170 bytes more, kept for the socket's lifetime).
 */
function compactQuery(parsed: ParsedUrlQuery): ParsedUrlQuery {
  const query: ParsedUrlQuery = {};
  for (const key of Object.keys(parsed)) query[key] = parsed[key];
  return Object.setPrototypeOf(query, null) as ParsedUrlQuery;
}
