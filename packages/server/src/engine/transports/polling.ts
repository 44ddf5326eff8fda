import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodePayload, encodePayload, isProtocolError } from '@switchback/protocol';
import { EngineErrorCode, EngineRequestError, TransportError, abortRequest } from '../errors.js';
import { DelayEntry, DelayQueue } from '../delay-queue.js';
import type { CrowdGroup, HeldPollHandle, PollHoldPolicy } from '../poll-crowding.js';
import { shareHeaderStrings } from '../session-request.js';
import { TransportBase, normalizePacket } from '../transport.js';
import type { OutgoingPacket } from '../transport.js';
import { negotiateEncoding, writeCompressed } from '../http-compression.js';
import type { HttpEncoding, ResolvedHttpCompression } from '../http-compression.js';

export interface PollingOptions {
  maxHttpBufferSize: number;
  /** Longest a GET is held before it is answered with a noop. */
  pollHoldTimeout: number;
  /** A POST body must arrive within this (engine.io's httpRequestBodyTimeout). */
  bodyTimeout?: number;
  /** After a graceful close, how long to wait for the GET that carries the close packet. */
  closeTimeout?: number;
  /** Decides each hold (the server's PollCrowding); without it every GET gets `pollHoldTimeout`. */
  holdPolicy?: PollHoldPolicy | undefined;
  /** gzip/deflate of large answers (the server's resolved `httpCompression`); off when absent or false. */
  httpCompression?: ResolvedHttpCompression | false | undefined;
}

/**
 * A GET being held: the entry of its hold timer (a queue shared by the server's held GETs of the same
 * hold, see holdQueue), its handle for the crowding policy, and what its 'close' listener needs. One
 * object per GET, no closures (heap per idle polling session).
 */
class HeldPoll extends DelayEntry implements HeldPollHandle {
  readonly transport: PollingTransport;
  /** Its request is `res.req` (Node keeps it there): no field of our own for it. */
  readonly res: ServerResponse;
  crowd: CrowdGroup | null = null;

  constructor(transport: PollingTransport, res: ServerResponse) {
    super();
    this.transport = transport;
    this.res = res;
  }

  shorten(maxHold: number): void {
    shortenPoll(this, maxHold);
  }
}

// Assigned in PollingTransport's static block (the code allowed to reach its #private members).
let shortenPoll: (poll: HeldPoll, maxHold: number) => void;
let onPollAbort: (poll: HeldPoll) => void;
let onHoldExpired: (poll: HeldPoll) => void;

/** The held GET of each response, for the one shared 'close' listener. */
const heldPolls = new WeakMap<ServerResponse, HeldPoll>();

function heldResponseOnClose(this: ServerResponse): void {
  const poll = heldPolls.get(this);
  if (poll !== undefined) onPollAbort(poll);
}

/** One timer queue per hold duration and server (options object): every held GET of a duration waits in it. */
const holdQueues = new WeakMap<PollingOptions, Map<number, DelayQueue<HeldPoll>>>();

function holdQueue(options: PollingOptions, hold: number): DelayQueue<HeldPoll> {
  let queues = holdQueues.get(options);
  if (queues === undefined) {
    queues = new Map();
    holdQueues.set(options, queues);
  }
  let queue = queues.get(hold);
  if (queue === undefined) {
    queue = new DelayQueue<HeldPoll>(hold, (poll) => onHoldExpired(poll));
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
 * HTTP long-polling, one GET and one POST in flight at most (engine.io rules): the GET is held until
 * the session has packets, the POST carries a payload and is answered `ok`.
 */
export class PollingTransport extends TransportBase {
  get name(): 'polling' {
    return 'polling';
  }
  /** Kept as given (the server shares one object between its sessions); defaults applied where read. */
  readonly #opts: PollingOptions;
  #poll: HeldPoll | null = null;
  #data: DataRequest | null = null;
  /** Set by a graceful close while no GET is held: the next GET carries the close packet. */
  #pendingClose: PendingClose | null = null;

  constructor(options: PollingOptions) {
    super();
    this.#opts = options;
  }

  /** Whether `res` is the GET this transport holds (answered on close, whatever closes it). */
  holds(res: ServerResponse): boolean {
    return this.#poll?.res === res;
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
    else {
      res.writeHead(500);
      res.end();
    }
  }

  send(packets: readonly OutgoingPacket[], onSent?: () => void): void {
    // The session only takes packets out of its buffer after `writable` said yes in the same tick, so
    // a dead GET never swallows them: they stay buffered for the next GET.
    const poll = this.#livePoll();
    if (poll === null) return;
    // From here the GET counts as answered, even while its body is being compressed.
    this.#endPoll(poll);
    const pending = this.#pendingClose;
    let body: string;
    if (pending === null) body = encodePayload(packets);
    else {
      this.#pendingClose = null;
      clearTimeout(pending.timer);
      body = encodePayload([...packets, CLOSE_PACKET]);
    }
    const encoding = this.#encodingFor(poll.res.req, packets, body);
    if (encoding === undefined) {
      const headers = this.#headers(poll.res.req, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'Content-Length': String(Buffer.byteLength(body)),
      });
      poll.res.writeHead(200, headers);
      poll.res.end(body);
      this.#afterAnswer(onSent, pending);
      return;
    }
    const zlib = (this.#opts.httpCompression as ResolvedHttpCompression).zlib;
    const headersOf = (extra: Record<string, string>): Record<string, string> =>
      this.#headers(poll.res.req, { 'Content-Type': 'text/plain; charset=UTF-8', ...extra });
    writeCompressed({ res: poll.res, body, encoding, zlib, headers: headersOf }, () => this.#afterAnswer(onSent, pending));
  }

  /** The encoding of an answer: only when it is on, asked for, large enough and some packet allows it. */
  #encodingFor(req: IncomingMessage, packets: readonly OutgoingPacket[], body: string): HttpEncoding | undefined {
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
    // Also ends (and uncounts) a held GET that turned out dead.
    if (this.#poll !== null) this.send([{ type: 'noop' }]);
    if (this.#pendingClose !== null) clearTimeout(this.#pendingClose.timer);
    this.#pendingClose = null;
    super.onClose();
  }

  protected override onDiscard(): void {
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
    // Deviation from the reference, which closes the session ('poll connection closed prematurely'):
    // a held GET whose connection closes before we answered is forgotten. A proxy whose read timeout
    // is shorter than our hold (nginx proxy_read_timeout 5s) cuts it and answers the browser 504; the
    // client polls again. Nothing was written to it, so nothing is lost: packets stay in the session's
    // buffer for the next GET. If the client is really gone, no pong comes and the session closes
    // with 'ping timeout'.
    const poll = new HeldPoll(this, res);
    this.#poll = poll;
    heldPolls.set(res, poll);
    res.on('close', heldResponseOnClose);
    this.onReady();
    // Answered at once (the session had packets): never counted as held.
    if (this.#poll !== poll) return;
    // A graceful close is waiting: answer now so the close packet goes out.
    if (this.#pendingClose !== null) {
      this.send([{ type: 'noop' }]);
      return;
    }
    // Whatever ends this request, its count ends with it: #endPoll releases, and so does the 'close'
    // listener (still there until #endPoll) if the request closes first. release is idempotent.
    const hold = this.#opts.holdPolicy?.admit(req, poll, this.#opts.pollHoldTimeout) ?? this.#opts.pollHoldTimeout;
    this.#arm(poll, hold);
    // Held for seconds, one per idle session: its header strings can be the ones other GETs share.
    shareHeaderStrings(req);
  }

  /** The held GET, if its connection can still carry an answer; a dead one is forgotten here. */
  #livePoll(): HeldPoll | null {
    const poll = this.#poll;
    if (poll === null) return null;
    // The socket may be gone before the response's 'close' is emitted (the client's FIN makes Node
    // end our side at once); writing then would lose the packets.
    const socket = poll.res.req.socket;
    if (poll.res.destroyed || poll.res.writableEnded || socket.destroyed || !socket.writable) {
      this.#endPoll(poll);
      return null;
    }
    return poll;
  }

  /** The only place a held GET stops being held: timer, listener and hold count end together. */
  #endPoll(poll: HeldPoll): void {
    if (this.#poll === poll) this.#poll = null;
    poll.queue?.remove(poll);
    poll.res.off('close', heldResponseOnClose);
    heldPolls.delete(poll.res);
    this.#opts.holdPolicy?.release(poll);
  }

  #arm(poll: HeldPoll, hold: number): void {
    holdQueue(this.#opts, hold).add(poll);
  }

  static {
    shortenPoll = (poll, maxHold) => {
      const transport = poll.transport;
      if (transport.#poll !== poll || !poll.pending) return;
      if (poll.remaining() > maxHold) transport.#arm(poll, maxHold);
    };
    onPollAbort = (poll) => {
      const transport = poll.transport;
      if (transport.#poll === poll) transport.#endPoll(poll);
      else transport.#opts.holdPolicy?.release(poll);
    };
    onHoldExpired = (poll) => {
      if (poll.transport.#poll === poll) poll.transport.send([{ type: 'noop' }]);
    };
  }

  #onDataRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#data !== null) {
      res.writeHead(400);
      res.end();
      this.onError(new TransportError('DATA_OVERLAP', 'data request overlap from client'));
      return;
    }
    // Engine.IO v4 sends binary as base64 text; the reference refuses octet-stream bodies.
    if (req.headers['content-type'] === 'application/octet-stream') {
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
      this.#onPayload(req, res, Buffer.concat(chunks, size).toString('utf8'));
    };
    req.on('data', onChunk);
    req.on('end', onEnd);
    req.on('close', onAbort);
  }

  #onPayload(req: IncomingMessage, res: ServerResponse, body: string): void {
    const packets = decodePayload(body, { maxLength: this.#opts.maxHttpBufferSize });
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

  #headers(req: IncomingMessage, headers: Record<string, string>): Record<string, string> {
    const all: Record<string, string> = { ...headers };
    // Old IE blocks some responses as XSS without this (socket.io PR #1333).
    const ua = req.headers['user-agent'];
    if (ua !== undefined && (ua.includes(';MSIE') || ua.includes('Trident/'))) all['X-XSS-Protection'] = '0';
    // Lower case as engine.io, so 'headers' listeners find (and may replace) it under that key.
    all['cache-control'] = 'no-store';
    this.onHeaders(all, req);
    return all;
  }
}

/** bodyTimeout and closeTimeout when not given. */
const DEFAULT_TIMEOUT = 30_000;

