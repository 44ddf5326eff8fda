import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodePayload, encodePayload, isProtocolError } from '@switchback/protocol';
import { EngineErrorCode, EngineRequestError, TransportError, abortRequest } from '../errors.js';
import { DUE, DelayQueue, NEXT, PREV, QUEUE } from '../delay-queue.js';
import type { DelayNode } from '../delay-queue.js';
import type { CrowdGroup, HeldPollHandle, PollHoldPolicy } from '../poll-crowding.js';
import { shareHeaderStrings } from '../session-request.js';
import { TransportBase, normalizePacket } from '../transport.js';
import type { OutgoingPacket } from '../transport.js';
import { negotiateEncoding, writeCompressed } from '../http-compression.js';
import { decodePayloadV3, encodePayloadV3 } from '../payload-v3.js';
import type { HttpEncoding, ResolvedHttpCompression } from '../http-compression.js';

export interface PollingOptions {
  maxHttpBufferSize: number;
  /** Longest a GET is held before it is answered with a noop. */
  pollHoldTimeout: number;
  /** A POST body must arrive within this (engine.io's httpRequestBodyTimeout). */
  bodyTimeout?: number;
  /** After a graceful close, how long to wait for the GET that carries the close packet. */
  closeTimeout?: number;
  /**
   * After a held GET's connection is cut, how long the session waits for the client's next GET before
   * it closes with 'transport error' (engine.io closes at once). Default CUT_POLL_GRACE_MS.
   */
  cutPollGrace?: number;
  /** Decides each hold (the server's PollCrowding); without it every GET gets `pollHoldTimeout`. */
  holdPolicy?: PollHoldPolicy | undefined;
  /** gzip/deflate of large answers (the server's resolved `httpCompression`); off when absent or false. */
  httpCompression?: ResolvedHttpCompression | false | undefined;
  /**
   * Set for Engine.IO v3 sessions (allowEIO3, one options object per variant, chosen at the handshake):
   * v3 payload framing; `supportsBinary` false when the client asked for base64 (`b64`).
   */
  v3?: { readonly supportsBinary: boolean } | undefined;
}

// A held GET waits in a hold queue (see holdQueue) with its transport as the entry, and counts in the
// crowding policy with its transport as the handle: a transport holds one GET at a time, so no
// object per GET (heap per idle polling session).

// Assigned in PollingTransport's static block (the code allowed to reach its #private members).
let shortenPoll: (transport: PollingTransport, maxHold: number) => void;
let onPollAbort: (transport: PollingTransport, res: ServerResponse) => void;
let onHoldExpired: (transport: PollingTransport) => void;

/**
 * The transport holding a held response, for the one shared 'close' listener: a property of the
 * response (set back to null, never deleted, so the response keeps its shape) rather than a WeakMap
 * entry per held GET (heap per idle polling session).
 */
const HOLDER: unique symbol = Symbol('switchback.heldBy');

interface HeldResponse extends ServerResponse {
  [HOLDER]?: PollingTransport | null;
}

function heldResponseOnClose(this: HeldResponse): void {
  const transport = this[HOLDER];
  if (transport !== undefined && transport !== null) onPollAbort(transport, this);
}

/**
 * A client whose held GET was cut by a proxy's read timeout polls again at once (ours does on the
 * proxy's 502/503/504); a closed tab or a dead client never does. One second tells them apart, so a
 * closed tab is seen as gone in a second rather than after the ping timeout.
 */
export const CUT_POLL_GRACE_MS = 1_000;

/** The grace timers of transports whose held GET was cut: rare, so not a field of every transport. */
const cutPollTimers = new WeakMap<PollingTransport, NodeJS.Timeout>();

/** One timer queue per hold duration and server (options object): every held GET of a duration waits in it. */
const holdQueues = new WeakMap<PollingOptions, Map<number, DelayQueue<PollingTransport>>>();

function holdQueue(options: PollingOptions, hold: number): DelayQueue<PollingTransport> {
  let queues = holdQueues.get(options);
  if (queues === undefined) {
    queues = new Map();
    holdQueues.set(options, queues);
  }
  let queue = queues.get(hold);
  if (queue === undefined) {
    queue = new DelayQueue<PollingTransport>(hold, (transport) => onHoldExpired(transport));
    queues.set(hold, queue);
  }
  return queue;
}

interface PendingClose {
  readonly finish: () => void;
  readonly timer: NodeJS.Timeout;
}

const CLOSE_PACKET: OutgoingPacket = Object.freeze({ type: 'close' });

function wantsCompression(packet: OutgoingPacket): boolean {
  return packet.options?.compress === true;
}

interface DataRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/**
 * A transport's POST in flight, and its graceful close waiting for the next GET: short-lived and
 * rare, so kept here rather than as two fields of every transport (heap per idle polling session).
 */
const dataRequests = new WeakMap<object, DataRequest>();
const pendingCloses = new WeakMap<object, PendingClose>();

/** The misplaced-body-parser warning is printed once per process. */
let warnedBodyRead = false;

/**
 * HTTP long-polling, one GET and one POST in flight at most (engine.io rules): the GET is held until
 * the session has packets, the POST carries a payload and is answered `ok`.
 */
export class PollingTransport extends TransportBase implements HeldPollHandle, DelayNode {
  get name(): 'polling' {
    return 'polling';
  }
  /** Kept as given (the server shares one object between its sessions); defaults applied where read. */
  readonly #opts: PollingOptions;
  /** The GET being held, if any. */
  #held: ServerResponse | null = null;
  /** @internal Its wait in a hold queue (see holdQueue). */ [PREV]: DelayNode | null = null;
  /** @internal */ [NEXT]: DelayNode | null = null;
  /** @internal */ [DUE] = 0;
  /** @internal */ [QUEUE]: DelayQueue<never> | null = null;
  /** @internal The crowding group the held GET counts in (see PollCrowding). */
  crowd: CrowdGroup | null = null;
  /** The POST being read (see dataRequests: not a field, most transports have none most of the time). */
  get #data(): DataRequest | null {
    return dataRequests.get(this) ?? null;
  }

  set #data(data: DataRequest | null) {
    if (data === null) dataRequests.delete(this);
    else dataRequests.set(this, data);
  }

  /** Set by a graceful close while no GET is held: the next GET carries the close packet (see pendingCloses). */
  get #pendingClose(): PendingClose | null {
    return pendingCloses.get(this) ?? null;
  }

  set #pendingClose(pending: PendingClose | null) {
    if (pending === null) pendingCloses.delete(this);
    else pendingCloses.set(this, pending);
  }

  constructor(options: PollingOptions) {
    super();
    this.#opts = options;
  }

  /** Whether `res` is the GET this transport holds (answered on close, whatever closes it). */
  holds(res: ServerResponse): boolean {
    return this.#held === res;
  }

  /** @internal The crowding policy cuts the hold of the held GET to `maxHold` at most. */
  shorten(maxHold: number): void {
    shortenPoll(this, maxHold);
  }

  /** A GET is held and its connection can still carry an answer. */
  get writable(): boolean {
    return this.#livePoll() !== null;
  }

  /** Routes one HTTP request of this session: GET polls, POST sends. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    // A request that reached a transport whose session is gone (it was looked up just before the close)
    // must not be held: nothing would ever answer it and http.Server#close would wait for it.
    if (this.readyState === 'closed' || (this.readyState === 'closing' && this.#pendingClose === null)) {
      abortRequest(res, new EngineRequestError(EngineErrorCode.UNKNOWN_SID));
      return;
    }
    if (req.method === 'GET') this.#onPollRequest(req, res);
    else if (req.method === 'POST') this.#onDataRequest(req, res);
    // Any other method (OPTIONS preflights are answered before this): the protocol's "Bad request". The
    // session is untouched. (engine.io answers 500 with no body, which reads as a server fault.)
    else abortRequest(res, new EngineRequestError(EngineErrorCode.BAD_REQUEST, { method: req.method }));
  }

  send(packets: readonly OutgoingPacket[], onSent?: () => void): void {
    // The session only takes packets out of its buffer after `writable` said yes in the same tick, so
    // a dead GET never swallows them: they stay buffered for the next GET.
    const res = this.#livePoll();
    if (res === null) return;
    // From here the GET counts as answered, even while its body is being compressed.
    this.#endPoll(res);
    const pending = this.#pendingClose;
    let body: string | Buffer;
    const v3 = this.#opts.v3;
    if (pending === null) body = v3 === undefined ? encodePayload(packets) : encodePayloadV3(packets, v3.supportsBinary);
    else {
      this.#pendingClose = null;
      clearTimeout(pending.timer);
      const all = [...packets, CLOSE_PACKET];
      body = v3 === undefined ? encodePayload(all) : encodePayloadV3(all, v3.supportsBinary);
    }
    const contentType = typeof body === 'string' ? 'text/plain; charset=UTF-8' : 'application/octet-stream';
    const encoding = this.#encodingFor(res.req, packets, body);
    if (encoding === undefined) {
      const headers = this.#headers(res.req, {
        'Content-Type': contentType,
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.writeHead(200, headers);
      res.end(body);
      this.#afterAnswer(onSent, pending);
      return;
    }
    const zlib = (this.#opts.httpCompression as ResolvedHttpCompression).zlib;
    const headersOf = (extra: Record<string, string>): Record<string, string> =>
      this.#headers(res.req, { 'Content-Type': contentType, ...extra });
    writeCompressed({ res, body, encoding, zlib, headers: headersOf }, () => this.#afterAnswer(onSent, pending));
  }

  /** The encoding of an answer: only when it is on, asked for, large enough and some packet allows it. */
  #encodingFor(req: IncomingMessage, packets: readonly OutgoingPacket[], body: string | Buffer): HttpEncoding | undefined {
    const compression = this.#opts.httpCompression;
    if (compression === undefined || compression === false) return undefined;
    // Cheapest checks first: most answers of a busy server are small. A UTF-16 unit is 1 to 3 UTF-8
    // bytes, so the byte length is only measured between `length` and `3 × length`.
    const threshold = compression.threshold;
    if (body.length < threshold && (body.length * 3 < threshold || Buffer.byteLength(body) < threshold)) return undefined;
    if (!packets.some(wantsCompression)) return undefined;
    const accept = req.headers['accept-encoding'];
    return negotiateEncoding(Array.isArray(accept) ? accept.join(',') : accept);
  }

  /** The body is written: release the send callbacks, and finish a graceful close whose packet it carried. */
  #afterAnswer(onSent: (() => void) | undefined, pending: PendingClose | null): void {
    onSent?.();
    this.emit('drain');
    pending?.finish();
  }

  protected override doClose(onClosed: () => void): void {
    // An unfinished POST would deliver packets to a session that is going away.
    this.#data?.req.destroy();
    this.#data = null;
    const finish = (): void => {
      onClosed();
      this.onClose();
    };
    if (this.#livePoll() !== null) {
      // As the reference, even when discarded (server shutdown, transport error): the client then stops
      // polling instead of sending another GET to a session that is gone. After an upgrade no GET is held
      // (the client paused polling first), and a client that upgraded ignores this transport anyway.
      this.send([{ type: 'close' }]);
      finish();
    } else if (this.discarded) {
      finish();
    } else {
      this.#pendingClose = { finish, timer: setTimeout(() => this.#finishPendingClose(), this.#opts.closeTimeout ?? DEFAULT_TIMEOUT) };
    }
  }

  protected override onClose(): void {
    this.#stopAwaitingPoll();
    // Also ends (and uncounts) a held GET that turned out dead.
    if (this.#held !== null) this.send([{ type: 'noop' }]);
    if (this.#pendingClose !== null) clearTimeout(this.#pendingClose.timer);
    this.#pendingClose = null;
    super.onClose();
  }

  protected override onDiscard(): void {
    this.#stopAwaitingPoll();
    // A graceful close was waiting for the next GET, but the session gave up on this transport.
    this.#finishPendingClose();
  }

  #finishPendingClose(): void {
    const pending = this.#pendingClose;
    this.#pendingClose = null;
    if (pending === null) return;
    clearTimeout(pending.timer);
    pending.finish();
  }

  #onPollRequest(req: IncomingMessage, res: ServerResponse): void {
    // A held GET whose connection is already gone (its 'close' not seen yet) is no overlap.
    if (this.#livePoll() !== null) {
      res.writeHead(400);
      res.end();
      this.onError(new TransportError('POLL_OVERLAP', 'overlap from client'));
      return;
    }
    // The GET a cut one was waiting for (see #awaitNextPoll).
    this.#stopAwaitingPoll();
    this.#held = res;
    (res as HeldResponse)[HOLDER] = this;
    res.on('close', heldResponseOnClose);
    this.onReady();
    // Answered at once (the session had packets): never counted as held.
    if (this.#held !== res) return;
    // A graceful close is waiting: answer now so the close packet goes out.
    if (this.#pendingClose !== null) {
      this.send([{ type: 'noop' }]);
      return;
    }
    // Whatever ends this request, its count ends with it: #endPoll releases, and so does the 'close'
    // listener (still there until #endPoll) if the request closes first. release is idempotent.
    const hold = this.#opts.holdPolicy?.admit(req, this, this.#opts.pollHoldTimeout) ?? this.#opts.pollHoldTimeout;
    this.#arm(hold);
    // Held for seconds, one per idle session: its header strings can be the ones other GETs share,
    // and so can its version string (Node builds one per request).
    shareHeaderStrings(req);
    if (req.httpVersion === HTTP_1_1) req.httpVersion = HTTP_1_1;
  }

  /** The held GET, if its connection can still carry an answer; a dead one is forgotten here. */
  #livePoll(): ServerResponse | null {
    const res = this.#held;
    if (res === null) return null;
    // The socket may be gone before the response's 'close' is emitted (the client's FIN makes Node
    // end our side at once); writing then would lose the packets.
    const socket = res.req.socket;
    if (res.destroyed || res.writableEnded || socket.destroyed || !socket.writable) {
      this.#endPoll(res);
      this.#awaitNextPoll();
      return null;
    }
    return res;
  }

  /** The only place a held GET stops being held: timer, listener and hold count end together. */
  #endPoll(res: ServerResponse): void {
    res.off('close', heldResponseOnClose);
    if ((res as HeldResponse)[HOLDER] !== undefined) (res as HeldResponse)[HOLDER] = null;
    // The wait and the count are the held GET's: a GET that is no longer the held one has none.
    if (this.#held !== res) return;
    this.#held = null;
    this[QUEUE]?.remove(this);
    this.#opts.holdPolicy?.release(this);
  }

  /**
   * The held GET was cut before it was answered (nothing was written to it, so nothing is lost: packets
   * stay in the session's buffer). Deviation from the reference, which closes the session at once
   * ('poll connection closed prematurely'): a proxy whose read timeout is shorter than our hold (nginx
   * proxy_read_timeout 5s) cuts it and answers the browser 504, and the client polls again within
   * `cutPollGrace`. When no GET comes, the session closes as the reference's does.
   */
  #awaitNextPoll(): void {
    if (this.readyState !== 'open' || this.discarded || cutPollTimers.has(this)) return;
    // Cleared by the next GET, a close and a discard; a graceful close under way ends the session itself.
    const timer = setTimeout(() => {
      cutPollTimers.delete(this);
      if (this.readyState === 'open') this.onError(new TransportError('POLL_CLOSED_PREMATURELY', 'poll connection closed prematurely'));
    }, this.#opts.cutPollGrace ?? CUT_POLL_GRACE_MS);
    cutPollTimers.set(this, timer);
  }

  #stopAwaitingPoll(): void {
    const timer = cutPollTimers.get(this);
    if (timer === undefined) return;
    clearTimeout(timer);
    cutPollTimers.delete(this);
  }

  #arm(hold: number): void {
    holdQueue(this.#opts, hold).add(this);
  }

  static {
    shortenPoll = (transport, maxHold) => {
      if (transport.#held === null || transport[QUEUE] === null) return;
      if (transport[DUE] - performance.now() > maxHold) transport.#arm(maxHold);
    };
    onPollAbort = (transport, res) => {
      const wasHeld = transport.#held === res;
      transport.#endPoll(res);
      if (wasHeld) transport.#awaitNextPoll();
    };
    onHoldExpired = (transport) => {
      if (transport.#held !== null) transport.send([{ type: 'noop' }]);
    };
  }

  #onDataRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#data !== null) {
      res.writeHead(400);
      res.end();
      this.onError(new TransportError('DATA_OVERLAP', 'data request overlap from client'));
      return;
    }
    // Engine.IO v4 sends binary as base64 text; the reference refuses octet-stream bodies (v3 may send them).
    const binary = req.headers['content-type'] === 'application/octet-stream';
    if (binary && this.#opts.v3 === undefined) {
      res.writeHead(400);
      res.end();
      this.onError(new TransportError('INVALID_CONTENT', 'invalid content'));
      return;
    }
    const limit = this.#opts.maxHttpBufferSize;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      this.#refuseTooLarge(req, res);
      return;
    }
    // A body parser mounted before the middleware (express.text(), express.raw()) already read the body:
    // take the text or bytes it kept. Waiting for a stream that has ended would hold the POST until
    // bodyTimeout, and the messages in it would be lost.
    if (req.readableEnded) {
      const kept: unknown = (req as { body?: unknown }).body;
      if (typeof kept !== 'string' && !Buffer.isBuffer(kept)) {
        if (!warnedBodyRead) {
          warnedBodyRead = true;
          console.warn('[switchback] a polling POST body was read by an earlier middleware that kept no text or bytes of it: mount the middleware before body parsers');
        }
        abortRequest(res, new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'BODY_ALREADY_READ' }));
        return;
      }
      if (Buffer.byteLength(kept) > limit) return this.#refuseTooLarge(req, res);
      this.#onPayload(req, res, binary ? Buffer.from(kept) : kept.toString());
      return;
    }
    const current: DataRequest = { req, res };
    this.#data = current;
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      cleanup();
      res.writeHead(408, { Connection: 'close' });
      res.end();
      req.destroy();
      this.onError(new TransportError('REQUEST_TIMEOUT', 'http request timeout'));
    }, this.#opts.bodyTimeout ?? DEFAULT_TIMEOUT);
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onChunk);
      req.off('end', onEnd);
      req.off('close', onAbort);
      if (this.#data === current) this.#data = null;
    };
    const onChunk = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        this.#refuseTooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    };
    const onAbort = (): void => {
      cleanup();
      this.onError(new TransportError('DATA_CLOSED_PREMATURELY', 'data request connection closed prematurely'));
    };
    const onEnd = (): void => {
      cleanup();
      const raw = Buffer.concat(chunks, size);
      this.#onPayload(req, res, binary ? raw : raw.toString('utf8'));
    };
    req.on('data', onChunk);
    req.on('end', onEnd);
    req.on('close', onAbort);
  }

  #onPayload(req: IncomingMessage, res: ServerResponse, body: string | Buffer): void {
    const packets =
      this.#opts.v3 === undefined
        ? decodePayload(body as string, { maxLength: this.#opts.maxHttpBufferSize })
        : decodePayloadV3(body, this.#opts.maxHttpBufferSize);
    if (isProtocolError(packets)) {
      // The reference ends up destroying this request; a 400 tells the client what happened.
      abortRequest(res, new EngineRequestError(EngineErrorCode.BAD_REQUEST, { name: 'PARSE_ERROR' }));
      this.onParseError(packets);
      return;
    }
    res.writeHead(
      200,
      // text/html rather than text/plain avoids a download dialog on some user agents (engine.io GH-43).
      this.#headers(req, { 'Content-Type': 'text/html', 'Content-Length': '2' }),
    );
    res.end('ok');
    for (const packet of packets) {
      if (this.readyState === 'closed') return;
      if (packet.type === 'close') {
        this.onClose();
        return;
      }
      this.onPacket(normalizePacket(packet));
    }
  }

  #refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
    // Stop reading; the connection is dropped once the 413 is out so the rest of the body is never parsed.
    res.writeHead(413, { Connection: 'close' });
    res.end(() => req.destroy());
    this.onError(new TransportError('PAYLOAD_TOO_LARGE', 'payload too large'));
  }

  /**
   * Completes `headers`, a literal the caller made for this answer, in place and returns it. Not a copy:
   * `{ ...headers }` then a new key measured ~0.9 µs per answer (the copy is built slowly), against
   * ~0.05 µs for adding to the literal.
   */
  #headers(req: IncomingMessage, headers: Record<string, string>): Record<string, string> {
    // Old IE blocks some responses as XSS without this (socket.io PR #1333).
    const ua = req.headers['user-agent'];
    if (ua !== undefined && (ua.includes(';MSIE') || ua.includes('Trident/'))) headers['X-XSS-Protection'] = '0';
    // Lower case as engine.io, so 'headers' listeners find (and may replace) it under that key.
    headers['cache-control'] = 'no-store';
    this.onHeaders(headers, req);
    return headers;
  }
}

const HTTP_1_1 = '1.1';

/** bodyTimeout and closeTimeout when not given. */
const DEFAULT_TIMEOUT = 30_000;

