import { decodePayload, encodeEnginePacket, isProtocolError } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { engineError } from '../errors.js';
import type { EngineError } from '../errors.js';
import { transportUrl } from '../transport.js';
import type { Driver, EngineTransport, TransportContext } from '../transport.js';
import { platformHttpRequest } from '#http-request';
import type { PendingHttpRequest } from '../http-request.js';

let encoder: TextEncoder | undefined;

/**
 * What an app listener threw while this transport reported from a promise callback: rethrown as
 * uncaught, as from an XHR or WebSocket callback, not left as a rejection of the request's promise.
 */
const rethrow = (err: unknown): void => {
  setTimeout(() => {
    throw err;
  });
};

/**
 * Encodes packets for long polling and groups them into payloads (`\x1e`-joined) of at most
 * `maxPayload` UTF-8 bytes, in order. A single packet larger than maxPayload goes alone: the server
 * answers 413 and the resulting error is clearer than silently dropping it (socket.io#3946).
 */
export function splitIntoPayloads(packets: readonly EnginePacket[], maxPayload: number): string[] {
  const payloads: string[] = [];
  let current: string | undefined;
  let bytes = 0;
  for (const packet of packets) {
    // supportsBinary=false always yields text.
    const text = encodeEnginePacket(packet, false) as string;
    const size = (encoder ??= new TextEncoder()).encode(text).length;
    if (current !== undefined && bytes + 1 + size > maxPayload) {
      payloads.push(current);
      current = undefined;
    }
    if (current === undefined) {
      current = text;
      bytes = size;
    } else {
      current += `\x1e${text}`;
      bytes += 1 + size;
    }
  }
  if (current !== undefined) payloads.push(current);
  return payloads;
}

/**
 * Long polling over fetch (node:http in Node), shaped like the WebSocket transport: a hanging GET loop
 * for downstream, one POST in flight for upstream (a batch is split into payloads under the server's
 * maxPayload and posted one after another; 'drain' when the last one is acknowledged).
 *
 * Proxies in front of the server (nginx `proxy_read_timeout`, load balancers' idle timeouts) cut a held
 * GET long before the server answers it, with a 502/503/504 or a reset, so the long poll is re-issued.
 * A server that keeps the session over the cut (Switchback's) carries on; one that drops it (the
 * reference engine.io) answers the re-poll 400 "Session ID unknown", which fails at once. The heartbeat
 * stays the liveness judge; the third failure in a row (no successful GET in between) fails the transport.
 */
export function pollingDriver(transport: EngineTransport, ctx: TransportContext): Driver {
  const { opts, clock } = ctx;
  let polling = false;
  let posting = false;
  /** Transient failures of the long poll since the last successful GET. */
  let failures = 0;
  let retryTimer: unknown;
  let postHeaders: Record<string, string> | undefined;
  let onPaused: (() => void) | undefined;
  const pending = new Set<PendingHttpRequest>();
  const fail = (err: EngineError): void => transport.ended('transport error', err, err);
  const checkPaused = (): void => {
    if (!polling && !posting) onPaused?.();
  };
  const state = (): string => transport.state;
  const live = (): boolean => state() === 'open' || state() === 'pausing';

  const poll = (): void => {
    if (polling || (state() !== 'opening' && state() !== 'open')) return;
    polling = true;
    request().then(
      (body) => {
        polling = false;
        failures = 0;
        onPayload(body);
        // Answers the app wrote while handling this payload have their flush queued already: re-poll
        // one microtask later, so their POST leaves (and reaches the server) before the next GET.
        if (state() === 'open') queueMicrotask(poll);
        else checkPaused();
      },
      (err: EngineError) => {
        polling = false;
        if (state() === 'closed') return;
        const status = err.status ?? 0;
        const retry =
          // Cut on the way (proxy, network, our timeout) rather than refused by the server's session logic.
          (err.code !== 'POLL_HTTP_STATUS' || (status > 501 && status < 505)) &&
          // Not the handshake GET: without a session there is nothing to keep alive.
          !!transport.session &&
          live() &&
          ++failures < 3 &&
          // The Socket's heartbeat judges liveness; once its window is gone (e.g. timers throttled in a
          // background tab) a re-poll would only hide a dead connection.
          !ctx.expired();
        if (!retry) fail(err);
        // Pausing: the upgrade waits for this GET to end, and it has: the probe's WebSocket takes over.
        else if (state() === 'pausing') checkPaused();
        else retryTimer = clock.setTimeout(poll, Math.min(500, 50 * 2 ** failures));
      },
    ).catch(rethrow);
  };

  const post = (payloads: string[]): void => {
    const body = payloads.shift();
    if (body !== undefined) {
      // A failed POST is not retried, even on a 502/503/504: the server may have processed the payload
      // before the proxy cut the answer, and sending it again would deliver those messages twice.
      request(body).then(() => post(payloads), (err: EngineError) => {
        posting = false;
        fail(err);
      }).catch(rethrow);
      return;
    }
    posting = false;
    // 'drain' before the pause completes: the Socket must release this batch while we are still its
    // transport (once paused, it switches to the WebSocket and ignores us).
    if (live()) transport.emit('drain');
    checkPaused();
  };

  const onPayload = (body: string): void => {
    const packets = decodePayload(body, { binaryType: 'arraybuffer' });
    if (isProtocolError(packets)) return transport.ended('parse error', packets, engineError('PARSE_ERROR', 'polling', packets));
    for (const packet of packets) {
      // A listener may have closed us while handling the previous packet.
      if (state() === 'closed') return;
      // engine.io-client's close details for it.
      if (packet.type === 'close') return transport.ended('transport close', { description: 'transport closed by the server' });
      try {
        if (packet.type === 'open') transport.opened();
        transport.emit('packet', packet);
      } catch (err) {
        // An app listener threw: reported as uncaught, and the rest of the payload and the next GET go on.
        rethrow(err);
      }
    }
  };

  /** A GET without body, a POST with one; rejects with an EngineError. */
  const request = (body?: string): Promise<string> => {
    const session = transport.session;
    let timedOut = false;
    const req = platformHttpRequest(transportUrl(transport, ctx), {
      method: body === undefined ? 'GET' : 'POST',
      headers:
        body === undefined ? (opts.extraHeaders ?? {}) : (postHeaders ??= { ...opts.extraHeaders, 'Content-Type': 'text/plain;charset=UTF-8' }),
      body,
      opts,
    });
    pending.add(req);
    const timer = clock.setTimeout(
      () => {
        timedOut = true;
        req.abort();
      },
      // Before the handshake we do not know pingInterval; a held GET is answered within it (a ping).
      opts.requestTimeout ?? (session ? session.pingInterval + session.pingTimeout + 5000 : 20_000),
    );
    const done = (): void => {
      clock.clearTimeout(timer);
      pending.delete(req);
    };
    // engine.io-client's messages, which apps match on; `code`, `status` (also `description`) and
    // `context.responseText` say what failed.
    const message = body === undefined ? 'xhr poll error' : 'xhr post error';
    return req.response.then(
      ({ status, text }) => {
        done();
        if (status > 199 && status < 300) return text;
        throw engineError('POLL_HTTP_STATUS', 'polling', text, status, message, { readyState: 4, status, responseText: text });
      },
      (err: unknown) => {
        done();
        throw engineError(timedOut ? 'POLL_TIMEOUT' : 'POLL_ERROR', 'polling', err, undefined, message);
      },
    );
  };

  return {
    open: poll,
    write(packets) {
      posting = true;
      post(splitIntoPayloads(packets, transport.session?.maxPayload ?? 1e6));
    },
    busy: () => posting,
    pause(done) {
      if (state() !== 'open') return;
      transport.state = 'pausing';
      // A re-poll waiting to go out is moot: the GET loop stops here (resume() starts it again).
      clock.clearTimeout(retryTimer);
      onPaused = () => {
        if (state() !== 'pausing') return;
        transport.state = 'paused';
        done();
      };
      checkPaused();
    },
    resume() {
      if (state() !== 'pausing' && state() !== 'paused') return;
      transport.state = 'open';
      onPaused = undefined;
      poll();
    },
    close(handedOver) {
      onPaused = undefined;
      clock.clearTimeout(retryTimer);
      const abortAll = (): void => {
        for (const req of [...pending]) req.abort();
        pending.clear();
      };
      // Tell the server first and abort the hanging GET after: aborting it first would make the server
      // see 'transport error' instead of a clean close.
      if (handedOver || !transport.session || posting) abortAll();
      else request('1').then(abortAll, abortAll);
    },
  };
}
