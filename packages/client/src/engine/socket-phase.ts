import type { EnginePacket, OpenPacketData } from '@switchback/protocol';
import type { Transport, TransportName } from './types.js';

/** A packet as queued for sending, with its send options as engine.io-client reports them. */
export type CreatedPacket = EnginePacket & { readonly options: { readonly compress: boolean } };

export interface SocketEvents {
  open: [];
  handshake: [data: OpenPacketData];
  packet: [packet: EnginePacket];
  packetCreate: [packet: CreatedPacket];
  /** Binary as the Socket's `binaryType` says: a Buffer in Node by default, else an ArrayBuffer. */
  message: [data: string | ArrayBuffer | Uint8Array];
  data: [data: string | ArrayBuffer | Uint8Array];
  close: [reason: string, description?: unknown];
  error: [err: Error];
  upgrade: [transport: Transport];
  upgradeError: [err: Error];
  upgrading: [transport: Transport];
  drain: [];
  flush: [];
  heartbeat: [];
  ping: [];
  /** Every internal state change, for debugging and tests. */
  stateChange: [change: { from: Phase['name']; to: Phase['name'] }];
}

/**
 * Internal phases. 'verifying' and 'failing-over' look 'open' from outside: 'open' is emitted once,
 * after the open packet, and a WebSocket that then fails its first round trip is replaced by polling
 * internally (the queued and unconfirmed messages are re-sent on the new session).
 */
export type Phase =
  | { name: 'idle' }
  | { name: 'opening'; attempt: TransportName; fellBack: boolean; firstSendAt?: number }
  | { name: 'verifying'; openedAt: number; firstSendAt: number | undefined }
  | { name: 'failing-over' }
  | { name: 'open'; openedAt: number }
  | { name: 'closing' }
  | { name: 'closed' };

export const TRANSITIONS: Record<Phase['name'], readonly Phase['name'][]> = {
  idle: ['opening', 'closed'],
  opening: ['opening', 'verifying', 'open', 'closed'],
  verifying: ['open', 'failing-over', 'closing', 'closed'],
  'failing-over': ['open', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

