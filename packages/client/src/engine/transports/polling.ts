import { decodePayload, isProtocolError } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { Timer } from '../clock.js';
import { BaseTransport } from '../transport.js';
import type { SessionInfo, TransportContext } from '../transport.js';
import { EngineError } from '../errors.js';
import { splitIntoPayloads } from '../payload-batch.js';
import { platformHttpRequest } from '#http-request';
import type { PendingHttpRequest } from '../http-request.js';

/** Before the handshake we do not know pingInterval; the handshake GET is answered at once anyway. */
const HANDSHAKE_REQUEST_TIMEOUT = 20_000;
const DEFAULT_MAX_PAYLOAD = 1e6;

/**
 * Proxies in front of the server (nginx `proxy_read_timeout`, load balancers' idle timeouts) cut a held
 * GET long before the server answers it, with a 502/503/504 or a reset, so the long poll is re-issued.
 * A server that keeps the session over the cut (Switchback's) carries on; one that drops it (the
 * reference engine.io) answers the re-poll 400 "Session ID unknown", which fails at once. The heartbeat
 * stays the liveness judge; the third failure in a row (no successful GET in between) fails the transport.
 */
const MAX_CONSECUTIVE_POLL_FAILURES = 3;
const POLL_RETRY_BASE_DELAY = 100;
const POLL_RETRY_MAX_DELAY = 500;
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Cut on the way (proxy, network, our timeout) rather than refused by the server's session logic.
 * A network error is transient too: the only aborts that are ours besides the timeout come from
 * close(), and a closed transport retries nothing.
 */
function isTransient(err: unknown): boolean {
  if (!(err instanceof EngineError)) return false;
  return err.code !== 'POLL_HTTP_STATUS' || (err.status !== undefined && TRANSIENT_STATUSES.has(err.status));
}

function requestFailure(message: string, options: { code: EngineError['code']; cause: unknown; status?: number }): EngineError {
  return new EngineError(message, { ...options, transport: 'polling' });
}

/**
 * Long polling over fetch (node:http in Node), shaped like the WebSocket transport: a hanging GET loop for downstream,
 * one POST in flight for upstream (a batch is split into payloads under the server's maxPayload and
 * posted one after another; 'drain' when the last one is acknowledged).
 */
export class PollingTransport extends BaseTransport {
  readonly name = 'polling' as const;
  #getInFlight = false;
  /** Transient failures of the long poll since the last successful GET. */
  #pollFailures = 0;
  readonly #retryTimer = new Timer(this.ctx.clock);
  #posting = false;
  readonly #pending = new Set<PendingHttpRequest>();
  #postHeaders: Readonly<Record<string, string>> | undefined;
  #onPaused: (() => void) | undefined;
  readonly #repoll = (): void => this.#poll();

  get writable(): boolean {
    return this.state === 'open' && !this.#posting;
  }

  protected doOpen(): void {
    this.#poll();
  }

  protected doWrite(packets: readonly EnginePacket[]): void {
    const payloads = splitIntoPayloads(packets, this.session?.maxPayload ?? DEFAULT_MAX_PAYLOAD);
    this.#posting = true;
    this.#postNext(payloads);
  }

  protected override doPause(onPaused: () => void): void {
    // A re-poll waiting to go out is moot: the GET loop stops here (resume() starts it again).
    this.#retryTimer.stop();
    this.#onPaused = onPaused;
    this.#checkPaused();
  }

  protected override doResume(): void {
    this.#onPaused = undefined;
    this.#poll();
  }

  protected doClose(handedOver: boolean): void {
    this.#onPaused = undefined;
    this.#retryTimer.stop();
    if (handedOver || this.session === undefined || this.#posting) {
      this.#abortAll();
      return;
    }
    // Tell the server first and abort the hanging GET after: aborting it first would make the server
    // see 'transport error' instead of a clean close.
    this.#request('POST', '1').then(
      () => this.#abortAll(),
      () => this.#abortAll(),
    );
  }

  #poll(): void {
    if (this.#getInFlight || (this.state !== 'opening' && this.state !== 'open')) return;
    this.#getInFlight = true;
    this.#request('GET').then(
      (body) => {
        this.#getInFlight = false;
        this.#pollFailures = 0;
        this.#onPayload(body);
        // Answers the app wrote while handling this payload have their flush queued already: re-poll
        // one microtask later, so their POST leaves (and reaches the server) before the next GET.
        if (this.state === 'open') queueMicrotask(this.#repoll);
        else this.#checkPaused();
      },
      (err: unknown) => {
        this.#getInFlight = false;
        this.#onPollFailed(err);
      },
    );
  }

  /** A long-poll GET failed: re-poll after a short delay when it was cut on the way, else fail. */
  #onPollFailed(err: unknown): void {
    if (this.#closed()) return;
    const failures = this.#pollFailures + 1;
    const retry =
      isTransient(err) &&
      // Not the handshake GET: without a session there is nothing to keep alive.
      this.session !== undefined &&
      (this.state === 'open' || this.state === 'pausing') &&
      failures < MAX_CONSECUTIVE_POLL_FAILURES &&
      // The Socket's heartbeat judges liveness; once its window is gone (e.g. timers throttled in a
      // background tab) a re-poll would only hide a dead connection.
      !this.ctx.heartbeatExpired();
    if (!retry) {
      this.#fail(err);
      return;
    }
    this.#pollFailures = failures;
    if (this.state === 'pausing') {
      // The upgrade waits for this GET to end, and it has: the probe's WebSocket takes over from here.
      this.#checkPaused();
      return;
    }
    const delay = Math.min(POLL_RETRY_MAX_DELAY, POLL_RETRY_BASE_DELAY * 2 ** (failures - 1));
    this.#retryTimer.start(delay, () => this.#poll());
  }

  #postNext(payloads: string[]): void {
    const body = payloads.shift();
    if (body === undefined) {
      this.#posting = false;
      // 'drain' before the pause completes: the Socket must release this batch while we are still its
      // transport (once paused, it switches to the WebSocket and ignores us).
      if (this.state === 'open' || this.state === 'pausing') this.emit('drain');
      this.#checkPaused();
      return;
    }
    this.#request('POST', body).then(
      () => this.#postNext(payloads),
      (err: unknown) => {
        this.#posting = false;
        // Not retried, even on a 502/503/504: the server may have processed the payload before the proxy
        // cut the answer, and sending it again would deliver those messages twice.
        this.#fail(err);
      },
    );
  }

  #onPayload(body: string): void {
    if (this.state === 'closed') return;
    const packets = decodePayload(body, { binaryType: 'arraybuffer' });
    if (isProtocolError(packets)) {
      this.onError('PARSE_ERROR', `invalid polling payload: ${packets.message}`, packets);
      this.onClose('parse error', packets);
      return;
    }
    for (const packet of packets) {
      // A listener may have closed us while handling the previous packet.
      if (this.#closed()) return;
      if (packet.type === 'close') {
        this.onClose('transport close');
        return;
      }
      if (this.state === 'opening' && packet.type === 'open') this.onOpen();
      this.onPacket(packet);
    }
  }

  #closed(): boolean {
    return this.state === 'closed';
  }

  #checkPaused(): void {
    const onPaused = this.#onPaused;
    if (onPaused === undefined || this.#getInFlight || this.#posting) return;
    this.#onPaused = undefined;
    onPaused();
  }

  #fail(err: unknown): void {
    if (this.state === 'closed') return;
    if (err instanceof EngineError) this.onError(err.code, err.message, err.cause, err.status);
    else this.onError('POLL_ERROR', 'polling request failed', err);
    this.onClose('transport error', err);
  }

  #abortAll(): void {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const request of pending) request.abort();
  }

  async #request(method: 'GET' | 'POST', body?: string): Promise<string> {
    const pending = platformHttpRequest(`${this.ctx.baseUrl}?${this.buildQuery().toString()}`, {
      method,
      headers: method === 'POST' ? (this.#postHeaders ??= postHeaders(this.ctx)) : (this.ctx.extraHeaders ?? NO_HEADERS),
      agent: this.ctx.agent,
      unref: this.ctx.autoUnref,
      fetch: this.ctx.fetch,
      withCredentials: this.ctx.withCredentials,
      ...(body === undefined ? {} : { body }),
    });
    this.#pending.add(pending);
    let timedOut = false;
    const timer = this.ctx.clock.setTimeout(() => {
      timedOut = true;
      pending.abort();
    }, requestTimeout(this.ctx, this.session));
    try {
      const { status, text } = await pending.response;
      if (status < 200 || status > 299) {
        throw requestFailure(httpErrorMessage(status, text), { code: 'POLL_HTTP_STATUS', cause: text, status });
      }
      return text;
    } catch (err) {
      if (err instanceof EngineError) throw err;
      if (timedOut) throw requestFailure(`polling ${method} timed out`, { code: 'POLL_TIMEOUT', cause: err });
      // Opaque by nature (CORS, DNS, proxy): say so rather than "xhr poll error" (socket.io#4118).
      throw requestFailure(`polling ${method} failed (network error, CORS or proxy)`, { code: 'POLL_ERROR', cause: err });
    } finally {
      this.ctx.clock.clearTimeout(timer);
      this.#pending.delete(pending);
    }
  }
}

const NO_HEADERS: Readonly<Record<string, string>> = {};

/** The same for every POST of a transport: built once. */
function postHeaders(ctx: TransportContext): Readonly<Record<string, string>> {
  return { ...ctx.extraHeaders, 'Content-Type': 'text/plain;charset=UTF-8' };
}

function requestTimeout(ctx: TransportContext, session: SessionInfo | undefined): number {
  if (ctx.requestTimeout !== undefined) return ctx.requestTimeout;
  if (session === undefined) return HANDSHAKE_REQUEST_TIMEOUT;
  // The server answers a held GET within pingInterval (it sends a ping); anything much later is dead.
  return session.pingInterval + session.pingTimeout + 5000;
}

/** The server answers errors as JSON `{code, message}` (e.g. 400 "Session ID unknown"). */
function httpErrorMessage(status: number, body: string): string {
  let detail = '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const message: unknown = Reflect.get(parsed, 'message');
      if (typeof message === 'string') detail = `: ${message}`;
    }
  } catch {
    // not JSON; the status alone is the message
  }
  const hint = status === 400 && detail.includes('Session ID unknown') ? ' (are sticky sessions enabled?)' : '';
  return `polling request answered HTTP ${status}${detail}${hint}`;
}
