import { PacketType } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { InMemoryAdapter } from './adapter.js';
import type { AdapterNamespace, BroadcastOptions, Room, SessionToPersist, SocketId, RestoredSession } from './adapter.js';

/** Socket.IO's default window for connection state recovery: two minutes. */
export const DEFAULT_MAX_DISCONNECTION_DURATION = 2 * 60 * 1000;
/** How often expired sessions and packets are dropped (as socket.io-adapter, at most once a minute). */
const SWEEP_INTERVAL_MS = 60 * 1000;

interface StoredPacket {
  /** Position in this adapter's sequence; the offset sent to clients is its base-36 text. */
  readonly seq: number;
  readonly emittedAt: number;
  readonly rooms: ReadonlySet<Room>;
  readonly except: ReadonlySet<Room> | undefined;
  readonly data: unknown[];
}

interface StoredSession extends SessionToPersist {
  readonly disconnectedAt: number;
  /** First sequence number emitted after the socket joined: what to replay when the client has no offset. */
  readonly since: number;
}

/**
 * The in-memory adapter plus connection state recovery (the default adapter when the server's
 * `connectionStateRecovery` option is set): every EVENT without ack and not volatile gets an offset as
 * its last argument and is kept for `maxDisconnectionDuration`, as are the sessions of sockets that
 * lost their connection, so that a client coming back in time gets its id, rooms, data and the
 * packets it missed.
 */
export class SessionAwareAdapter extends InMemoryAdapter {
  readonly #maxDisconnectionDuration: number;
  readonly #sessions = new Map<string, StoredSession>();
  /** Ordered by `seq` with no gaps (and so by `emittedAt`): packets[i].seq === packets[0].seq + i. */
  #packets: StoredPacket[] = [];
  #nextSeq = 0;
  /** Next sequence number at the time each connected socket joined its first room. */
  readonly #since = new Map<SocketId, number>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(nsp: AdapterNamespace) {
    super(nsp);
    this.#maxDisconnectionDuration =
      nsp.server?.opts.connectionStateRecovery?.maxDisconnectionDuration ?? DEFAULT_MAX_DISCONNECTION_DURATION;
    this.#timer = setInterval(() => this.#sweep(Date.now()), Math.min(SWEEP_INTERVAL_MS, this.#maxDisconnectionDuration));
    // Housekeeping only: it must not keep the process alive.
    this.#timer.unref();
  }

  override close(): void {
    clearInterval(this.#timer);
    this.#sessions.clear();
    this.#packets = [];
    super.close();
  }

  override addAll(id: SocketId, rooms: Set<Room>): void {
    if (!this.sids.has(id)) this.#since.set(id, this.#nextSeq);
    super.addAll(id, rooms);
  }

  override delAll(id: SocketId): void {
    this.#since.delete(id);
    super.delAll(id);
  }

  override persistSession(session: SessionToPersist): void {
    const since = this.#since.get(session.sid) ?? this.#nextSeq;
    this.#sessions.set(session.pid, { ...session, disconnectedAt: Date.now(), since });
  }

  /**
   * The session of `pid` with the packets it missed after `offset` (after it connected when there is
   * no offset), or null when unknown, expired, or when some of what it may have missed was dropped
   * already. A session is restored once.
   */
  override restoreSession(pid: string, offset: string | undefined): RestoredSession | null {
    const session = this.#sessions.get(pid);
    if (session === undefined) return null;
    this.#sessions.delete(pid);
    if (session.disconnectedAt + this.#maxDisconnectionDuration < Date.now()) return null;
    const from = offset === undefined ? session.since : parseOffset(offset, this.#nextSeq);
    const first = this.#packets[0]?.seq ?? this.#nextSeq;
    if (from === undefined || from < first) return null;
    const missedPackets: unknown[][] = [];
    for (let i = from - first; i < this.#packets.length; i++) {
      const packet = this.#packets[i] as StoredPacket;
      if (isFor(session.rooms, packet)) missedPackets.push(packet.data);
    }
    const { disconnectedAt: _at, since: _since, ...restored } = session;
    return { ...restored, missedPackets };
  }

  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    // Acknowledged packets are not kept: their callback cannot be carried over to the next connection.
    if (packet.type === PacketType.EVENT && packet.id === undefined && opts.flags?.volatile !== true) {
      const data = packet.data as unknown[];
      const seq = this.#nextSeq++;
      // Last argument: the client reports the last one it processed when it reconnects.
      data.push(seq.toString(36));
      this.#packets.push({ seq, emittedAt: Date.now(), rooms: opts.rooms, except: opts.except, data });
    }
    super.broadcast(packet, opts);
  }

  #sweep(now: number): void {
    const threshold = now - this.#maxDisconnectionDuration;
    for (const [pid, session] of this.#sessions) if (session.disconnectedAt < threshold) this.#sessions.delete(pid);
    let expired = 0;
    while (expired < this.#packets.length && (this.#packets[expired] as StoredPacket).emittedAt < threshold) expired++;
    if (expired > 0) this.#packets.splice(0, expired);
  }
}

/** The sequence number after the one `offset` names, or undefined when it names none of ours. */
function parseOffset(offset: string, nextSeq: number): number | undefined {
  const seq = Number.parseInt(offset, 36);
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= nextSeq || seq.toString(36) !== offset) return undefined;
  return seq + 1;
}

/** Whether a packet sent to `packet.rooms` except `packet.except` was meant for a socket in `rooms`. */
function isFor(rooms: readonly Room[], packet: StoredPacket): boolean {
  const included = packet.rooms.size === 0 || rooms.some((room) => packet.rooms.has(room));
  return included && (packet.except === undefined || rooms.every((room) => !packet.except?.has(room)));
}
