import type { SocketOptions, TlsOptions } from './types.js';

/** One polling request as the transport hands it to the platform's request path. */
export interface HttpRequestInit {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** The Socket's options: `fetch`, `withCredentials`, and in Node `agent`, `autoUnref` and the TLS options. */
  readonly opts: Pick<SocketOptions, 'agent' | 'autoUnref' | 'fetch' | 'withCredentials'> & TlsOptions;
}

export interface HttpResponseText {
  readonly status: number;
  readonly text: string;
}

/** A request on its way: `abort()` (close, timeout) makes `response` reject. */
export interface PendingHttpRequest {
  readonly response: Promise<HttpResponseText>;
  abort(): void;
}

export type HttpRequest = (url: string, init: HttpRequestInit) => PendingHttpRequest;

/** A polling request over fetch (the injected one, else the global one); `extra` is merged into its init. */
export function fetchRequest(url: string, init: HttpRequestInit, extra?: object): PendingHttpRequest {
  const controller = new AbortController();
  // A fetch that throws synchronously (an injected one, or none at all) rejects `response` instead.
  const response = new Promise<Response>((resolve) =>
    resolve(
      (init.opts.fetch ?? fetch)(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        signal: controller.signal,
        credentials: init.opts.withCredentials === true ? 'include' : 'same-origin',
        ...extra,
      }),
    ),
  ).then(async (res) => ({ status: res.status, text: await res.text() }));
  return { response, abort: () => controller.abort() };
}

/** Browser build: long polling goes through fetch. */
export const platformHttpRequest: HttpRequest = fetchRequest;
