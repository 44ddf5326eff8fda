/** One polling request as the transport hands it to a platform request path. */
export interface HttpRequestInit {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /** The user's `agent` option, used when it is the platform's own agent. */
  readonly agent: unknown;
  /** The request's socket must not keep the process alive. */
  readonly unref: boolean;
}

export interface HttpResponseText {
  readonly status: number;
  readonly text: string;
}

export type HttpRequest = (url: string, init: HttpRequestInit) => Promise<HttpResponseText>;

/** Browser build: no request path of our own; long polling goes through fetch. */
export const platformHttpRequest: HttpRequest | undefined = undefined;
