// The types of a session: its events and states, and what it gets from its server.
import type { IncomingMessage } from 'node:http';
import type { BinaryLike, EnginePacket } from '@switchback/protocol';
import type { DelayQueue } from './delay-queue.js';
import type { EngineSocket } from './session.js';
import type { OutgoingPacket, Transport } from './transport.js';

export type EngineSocketState = 'opening' | 'open' | 'closing' | 'closed';

/** Close reasons, as engine.io words them. */
export type EngineCloseReason =
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error'
  | 'forced close'
  | 'server shutting down';

export interface EngineSocketEvents {
  open: [];
  message: [data: string | Buffer];
  /** Same as 'message' (engine.io emits both). */
  data: [data: string | Buffer];
  close: [reason: EngineCloseReason, description?: unknown];
  error: [err: Error];
  packet: [packet: EnginePacket];
  packetCreate: [packet: OutgoingPacket];
  heartbeat: [];
  upgrading: [transport: Transport];
  upgrade: [transport: Transport];
  drain: [];
  flush: [buffer: OutgoingPacket[]];
  stateChange: [change: { from: EngineSocketState; to: EngineSocketState }];
}

/** What a session needs from its server, fixed at the handshake. */
export interface SessionConfig {
  pingInterval: number;
  pingTimeout: number;
  upgradeTimeout: number;
  maxPayload: number;
  /** Upgrades offered in the open packet (`[]` for a WebSocket handshake). */
  upgrades: string[];
  initialPacket?: string | BinaryLike | undefined;
  /**
   * The server's hooks, called just before the session's own event of the same name (a shared object:
   * no listener per session on the session).
   */
  observer?: SessionObserver | undefined;
  /** The server's heartbeat timers, shared by its sessions (see createHeartbeat). */
  heartbeat: Heartbeat;
  /**
   * 3 for Engine.IO v3 sessions (allowEIO3), which have configs of their own: the client pings, the
   * server answers. Absent for v4.
   */
  protocol?: 3 | undefined;
}

/** The ping-interval and ping-timeout waits of a server's sessions: two queues, two Node timers. */
export interface Heartbeat {
  readonly interval: DelayQueue<EngineSocket>;
  readonly timeout: DelayQueue<EngineSocket>;
}

export interface SessionObserver {
  flush(socket: EngineSocket, buffer: OutgoingPacket[]): void;
  drain(socket: EngineSocket): void;
  close(socket: EngineSocket): void;
  /** A polling answer of this session is about to be written with these headers. */
  headers(socket: EngineSocket, headers: Record<string, string>, req: IncomingMessage): void;
}

export interface SendOptions {
  compress?: boolean;
  /** See PacketOptions.wsPreEncodedFrame: the frame of `'4' + data`, shared by the sessions it goes to. */
  wsPreEncodedFrame?: readonly Buffer[];
}
