import { decodePayload, encodeEnginePacket, isProtocolError } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { BaseTransport } from '../transport.js';
import type { EngineErrorCode } from '../errors.js';
import { splitIntoPayloads } from '../payload-batch.js';

/** Before the handshake we do not know pingInterval; the handshake GET is answered at once anyway. */
const HANDSHAKE_REQUEST_TIMEOUT = 20_000;
const DEFAULT_MAX_PAYLOAD = 1e6;

class RequestFailure extends Error {
  readonly code: EngineErrorCode;
  readonly status: number | undefined;
  constructor(message: string, code: EngineErrorCode, cause?: unknown, status?: number) {
    super(message, { cause });
    this.code = code;
    this.status = status;
  }
}

/**
 * Long polling over fetch, shaped like the WebSocket transport: a hanging GET loop for downstream,
 * one POST in flight for upstream (a batch is split into payloads under the server's maxPayload and
 * posted one after another; 'drain' when the last one is acknowledged).
 */
export class PollingTransport extends BaseTransport {
  readonly name = 'polling' as const;
  #getInFlight = false;
  #posting = false;
  readonly #controllers = new Set<AbortController>();
  #onPaused: (() => void) | undefined;

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
    this.#onPaused = onPaused;
    this.#checkPaused();
  }

  protected override doResume(): void {
    this.#onPaused = undefined;
    this.#poll();
  }

  protected doClose(handedOver: boolean): void {
    this.#onPaused = undefined;
    if (handedOver || this.session === undefined || this.#posting) {
      this.#abortAll();
      return;
    }
    // Tell the server first and abort the hanging GET after: aborting it first would make the server
    // see 'transport error' instead of a clean close.
    const close = encodeEnginePacket({ type: 'close' }, false);
    this.#request('POST', typeof close === 'string' ? close : '1').then(
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
        this.#onPayload(body);
        if (this.state === 'open') this.#poll();
        else this.#checkPaused();
      },
      (err: unknown) => {
        this.#getInFlight = false;
        this.#fail(err);
      },
    );
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
    if (err instanceof RequestFailure) this.onError(err.code, err.message, err.cause, err.status);
    else this.onError('POLL_ERROR', 'polling request failed', err);
    this.onClose('transport error', err);
  }

  #abortAll(): void {
    for (const controller of this.#controllers) controller.abort();
    this.#controllers.clear();
  }

  #timeout(): number {
    if (this.ctx.requestTimeout !== undefined) return this.ctx.requestTimeout;
    if (this.session === undefined) return HANDSHAKE_REQUEST_TIMEOUT;
    // The server answers a held GET within pingInterval (it sends a ping); anything much later is dead.
    return this.session.pingInterval + this.session.pingTimeout + 5000;
  }

  async #request(method: 'GET' | 'POST', body?: string): Promise<string> {
    const fetchFn = this.ctx.fetch ?? globalThis.fetch;
    const controller = new AbortController();
    this.#controllers.add(controller);
    let timedOut = false;
    const timer = this.ctx.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeout());
    const headers: Record<string, string> = { ...this.ctx.extraHeaders };
    if (method === 'POST') headers['Content-Type'] = 'text/plain;charset=UTF-8';
    const init: RequestInit & { dispatcher?: unknown } = {
      method,
      headers,
      signal: controller.signal,
      credentials: this.ctx.withCredentials ? 'include' : 'same-origin',
      ...(body === undefined ? {} : { body }),
      // Node's fetch (undici) takes its agent as `dispatcher`; an http.Agent (meant for ws) is not one.
      ...(isDispatcher(this.ctx.agent) ? { dispatcher: this.ctx.agent } : {}),
    };
    const url = `${this.ctx.baseUrl}?${this.buildQuery().toString()}`;
    try {
      const response = await fetchFn(url, init);
      const text = await response.text();
      if (!response.ok) throw new RequestFailure(httpErrorMessage(response.status, text), 'POLL_HTTP_STATUS', text, response.status);
      return text;
    } catch (err) {
      if (err instanceof RequestFailure) throw err;
      if (timedOut) throw new RequestFailure(`polling ${method} timed out`, 'POLL_TIMEOUT', err);
      // Opaque by nature (CORS, DNS, proxy): say so rather than "xhr poll error" (socket.io#4118).
      throw new RequestFailure(`polling ${method} failed (network error, CORS or proxy)`, 'POLL_ERROR', err);
    } finally {
      this.ctx.clock.clearTimeout(timer);
      this.#controllers.delete(controller);
    }
  }
}

function isDispatcher(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'dispatch') === 'function';
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
