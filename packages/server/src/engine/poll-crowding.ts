import type { IncomingMessage } from 'node:http';

/** A GET being held, as the crowding tracker sees it. */
export interface HeldPollHandle {
  /** Answer (with a noop) within `maxHold` ms at the latest; never lengthens the hold. */
  shorten(maxHold: number): void;
  /** Set by the policy while the GET counts (the group it counts in); null once released. */
  crowd: CrowdGroup | null;
}

/** The GETs held by one client fingerprint. */
export class CrowdGroup extends Set<HeldPollHandle> {
  readonly key: string;

  constructor(key: string) {
    super();
    this.key = key;
  }
}

/** What a polling transport asks before it holds a GET (the server's PollCrowding). */
export interface PollHoldPolicy {
  /** Counts `handle` and says how long to hold it. */
  admit(req: IncomingMessage, handle: HeldPollHandle, fullHold: number): number;
  /** Ends the count of `handle`; idempotent: every path that ends a hold may call it. */
  release(handle: HeldPollHandle): void;
}

export interface PollCrowdingOptions {
  threshold: number;
  crowdedHold: number;
  /** Name of the engine's own session cookie (left out of the fingerprint), if one is set. */
  sessionCookie: string | undefined;
}

/**
 * Counts the GETs held per client fingerprint. A browser has 6 HTTP/1.1 connections per host for
 * all tabs of a profile: with one GET held per tab, every POST (messages, pongs) waits for a hold to
 * end. Once a fingerprint holds `threshold` GETs, a new GET of it is held `crowdedHold` at most and
 * the ones already held are cut to that, so a connection frees up quickly.
 */
export class PollCrowding implements PollHoldPolicy {
  readonly #held = new Map<string, CrowdGroup>();
  readonly #opts: PollCrowdingOptions;

  constructor(options: PollCrowdingOptions) {
    this.#opts = options;
  }

  admit(req: IncomingMessage, handle: HeldPollHandle, fullHold: number): number {
    this.release(handle);
    // Every browser sends a User-Agent; a request without one comes from a program (Node clients,
    // devices), which has no per-host connection cap shared across its instances: many of them behind
    // one address are not one crowded browser.
    if (req.headers['user-agent'] === undefined) return fullHold;
    const key = this.#fingerprint(req);
    let held = this.#held.get(key);
    if (held === undefined) {
      held = new CrowdGroup(key);
      this.#held.set(key, held);
    }
    const crowded = held.size >= this.#opts.threshold;
    // The held GETs are cut when the group becomes crowded; every GET admitted while it stays crowded
    // gets the short hold already, so a large group is not walked on each GET.
    if (held.size === this.#opts.threshold) for (const other of held) other.shorten(this.#opts.crowdedHold);
    held.add(handle);
    // The group is kept on the handle (no release closure per GET: heap per idle polling session).
    handle.crowd = held;
    return crowded ? Math.min(fullHold, this.#opts.crowdedHold) : fullHold;
  }

  release(handle: HeldPollHandle): void {
    const group = handle.crowd;
    if (group === null) return;
    handle.crowd = null;
    group.delete(handle);
    // Only the group still registered is dropped: an empty one may have been replaced meanwhile.
    if (group.size === 0 && this.#held.get(group.key) === group) this.#held.delete(group.key);
  }

  /**
   * Remote address (the forwarded one too: behind a proxy every client has the proxy's), user agent
   * and cookies. The engine's own cookie is left out: each tab's handshake sets a new `io=<sid>`, so
   * tabs of one browser would otherwise look like different clients right when they crowd.
   */
  #fingerprint(req: IncomingMessage): string {
    const forwarded = req.headers['x-forwarded-for'];
    const cookie = withoutCookie(req.headers.cookie ?? '', this.#opts.sessionCookie);
    return [
      req.socket.remoteAddress ?? '',
      Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''),
      req.headers['user-agent'] ?? '',
      cookie,
    ].join('\n');
  }
}

function withoutCookie(header: string, name: string | undefined): string {
  if (name === undefined || header === '') return header;
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith(`${name}=`))
    .join('; ');
}
