/** One polling request as the transport hands it to the platform's request path. */
export interface HttpRequestInit {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The user's `agent` option (Node). */
  readonly agent: unknown;
  /** The request's socket must not keep the process alive (Node). */
  readonly unref: boolean;
  /** The `fetch` option. */
  readonly fetch: typeof fetch | undefined;
  readonly withCredentials: boolean;
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
  return { response: fetchText(url, init, controller.signal, extra), abort: () => controller.abort() };
}

async function fetchText(url: string, init: HttpRequestInit, signal: AbortSignal, extra: object | undefined): Promise<HttpResponseText> {
  const response = await (init.fetch ?? fetch)(url, {
    method: init.method,
    headers: init.headers,
    signal,
    credentials: init.withCredentials ? 'include' : 'same-origin',
    ...(init.body === undefined ? {} : { body: init.body }),
    ...extra,
  });
  return { status: response.status, text: await response.text() };
}

/** Browser build: long polling goes through fetch. */
export const platformHttpRequest: HttpRequest = fetchRequest;
