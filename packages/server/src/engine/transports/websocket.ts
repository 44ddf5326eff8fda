import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { encodeEnginePacket, isProtocolError } from '@switchback/protocol';
import type { BinaryLike } from '@switchback/protocol';
import { decodePacketV3, encodeFrameV3 } from '../payload-v3.js';
import { TransportError } from '../errors.js';
import { TransportBase } from '../transport.js';
import type { OutgoingPacket } from '../transport.js';
import { wsOnIgnoredError } from '../websocket-server.js';

const owners = new WeakMap<WebSocket, WebSocketTransport>();
// Assigned in the static block, the only code allowed to reach protected and #private members.
let onMessage: (transport: WebSocketTransport, data: string | Buffer) => void;
let onClose: (transport: WebSocketTransport) => void;
let onError: (transport: WebSocketTransport, err: TransportError) => void;
let hold: (transport: WebSocketTransport) => () => void;

// ws's per-frame options, shared: no object per frame. Without permessage-deflate ws ignores `compress`.
const WS_COMPRESS = Object.freeze({ compress: true });
const WS_NO_COMPRESS = Object.freeze({ compress: false });

/** How long a closing WebSocket may take for the close handshake before it is terminated. */
const CLOSE_GRACE_MS = 5_000;

/**
 * One `ws` socket, one packet per frame. Backpressure: `writable` stays false from a send() until the
 * last frame's write callback ran (the bytes left the ws queue), then 'drain' + 'ready' follow, so the
 * session buffers instead of piling frames into ws. `bufferedAmount` measures what is still queued.
 */
export class WebSocketTransport extends TransportBase {
  get name(): 'websocket' {
    return 'websocket';
  }
  readonly #ws: WebSocket;
  /** The connection under `ws` (the upgraded socket), corked around a send of several frames. */
  readonly #socket: Duplex;
  #writable = true;
  #closeTimer: NodeJS.Timeout | null = null;
  /**
   * Whether a pre-encoded frame may be written straight to the connection: a `ws` socket (not some other
   * wsEngine's) without permessage-deflate, whose sender then writes every frame synchronously, in order.
   */
  readonly #acceptsFrames: boolean;

  constructor(ws: WebSocket, socket: Duplex) {
    super();
    this.#ws = ws;
    this.#socket = socket;
    this.#acceptsFrames = this.acceptsPreEncodedFrames && ws instanceof WebSocket && ws.extensions === '';
    // Shared listeners (ws calls them with itself as `this`) find their transport here: no closures
    // per connection (heap per idle session).
    owners.set(ws, this);
    // From here this transport reports errors: the stand-in listener of the handshake can go.
    ws.off('error', wsOnIgnoredError);
    ws.on('message', wsOnMessage);
    ws.on('close', wsOnClose); // emitted once; on() spares once()'s wrapper
    ws.on('error', wsOnError);
  }

  static {
    onMessage = (transport, data) => {
      if (transport.readyState === 'closed') return;
      transport.onData(data);
    };
    onClose = (transport) => {
      if (transport.#closeTimer !== null) clearTimeout(transport.#closeTimer);
      transport.onClose();
    };
    onError = (transport, err) => transport.onError(err);
    hold = (transport) => {
      transport.#writable = false;
      return () => {
        if (transport.#writable) return;
        transport.#writable = true;
        transport.onReady();
      };
    };
  }

  get writable(): boolean {
    return this.#writable && this.readyState === 'open' && this.#ws.readyState === this.#ws.OPEN;
  }

  /** Bytes handed to ws and not yet written to the network. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(packets: readonly OutgoingPacket[], onSent?: () => void): void {
    if (packets.length === 0) return;
    this.#writable = false;
    // ws writes every frame on its own (a syscall each, the main cost of a small frame): several frames
    // go out in one TCP write. Below ws, so the frames, their callbacks and `writable` are as without it.
    const several = packets.length > 1;
    if (several) this.#socket.cork();
    try {
      this.#sendFrames(packets, onSent);
    } finally {
      if (several) this.#socket.uncork();
    }
  }

  #sendFrames(packets: readonly OutgoingPacket[], onSent: (() => void) | undefined): void {
    const lastIndex = packets.length - 1;
    for (let index = 0; index < lastIndex; index += 1) {
      // Frames before the last need no callback of their own: a failed write fails every later one on
      // the connection too, so the last frame's callback reports it.
      this.#sendFrame(packets[index] as OutgoingPacket, undefined);
    }
    this.#sendFrame(packets[lastIndex] as OutgoingPacket, (err?: Error) => {
      if (err !== undefined && err !== null) {
        this.onError(new TransportError('WRITE_ERROR', 'write error', { cause: err }));
        return;
      }
      this.#writable = true;
      onSent?.();
      this.emit('drain');
      this.onReady();
    });
  }

  #sendFrame(packet: OutgoingPacket, callback: ((err?: Error) => void) | undefined): void {
    const preEncoded = packet.options?.wsPreEncodedFrame;
    if (preEncoded !== undefined && this.#acceptsFrames && this.#ws.readyState === this.#ws.OPEN) {
      // Below ws, as ws's own sender writes an unmasked, uncompressed frame (header, then payload).
      const last = preEncoded.length - 1;
      for (let index = 0; index < last; index += 1) this.#socket.write(preEncoded[index] as Buffer);
      this.#socket.write(preEncoded[last] as Buffer, callback === undefined ? undefined : (err) => callback(err ?? undefined));
      return;
    }
    const frame = this.encodeFrame(packet);
    // As engine.io: only an explicit compress:false turns it off (the transports' own packets have no options).
    this.#ws.send(frame, packet.options?.compress === false ? WS_NO_COMPRESS : WS_COMPRESS, callback);
  }

  /** Whether frames built by preEncodeWebSocketFrame() (Engine.IO v4 message packets) fit this transport. */
  protected get acceptsPreEncodedFrames(): boolean {
    return true;
  }

  /** One packet as one frame (Engine.IO v4; WebSocketTransportV3 overrides it). */
  protected encodeFrame(packet: OutgoingPacket): string | BinaryLike {
    return encodeEnginePacket(packet, true);
  }

  protected override doClose(onClosed: () => void): void {
    // A peer that never answers the close frame must not keep the socket (and this session) around.
    this.#closeTimer = setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS);
    this.#closeTimer.unref();
    this.#ws.close();
    onClosed();
  }

  /** Drops the connection at once (server shutdown, failed upgrade probe). */
  terminate(): void {
    this.#ws.terminate();
  }
}

/**
 * The WebSocket of an Engine.IO v3 session (allowEIO3), chosen at its handshake or upgrade: a binary
 * frame carries its packet type as first byte, both ways.
 */
export class WebSocketTransportV3 extends WebSocketTransport {
  protected override get acceptsPreEncodedFrames(): boolean {
    return false;
  }

  protected override encodeFrame(packet: OutgoingPacket): string | BinaryLike {
    return encodeFrameV3(packet);
  }

  protected override onData(data: string | Buffer): void {
    const packet = decodePacketV3(data);
    if (isProtocolError(packet)) this.onParseError(packet);
    else this.onPacket(packet);
  }
}

function wsOnMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const transport = owners.get(this);
  if (transport !== undefined) onMessage(transport, isBinary ? rawToBuffer(data) : rawToBuffer(data).toString('utf8'));
}

function wsOnClose(this: WebSocket): void {
  const transport = owners.get(this);
  if (transport !== undefined) onClose(transport);
}

// ws emits 'error' for invalid or oversized frames, then closes the socket (1002/1009): report it.
function wsOnError(this: WebSocket, err: Error): void {
  const transport = owners.get(this);
  if (transport !== undefined) onError(transport, new TransportError('WEBSOCKET_ERROR', err.message, { cause: err }));
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * @internal Holds the transport's writes (`writable` false, so its session buffers them) until the
 * returned release runs; then what was buffered goes out in one send. The engine server holds a new
 * WebSocket session's first tick this way, so the open packet, the `sbconnect` CONNECT answer and
 * the app's first events leave in one frame batch, and, with the connection corked, in one TCP write.
 */
export function holdWrites(transport: WebSocketTransport): () => void {
  return hold(transport);
}

/**
 * The WebSocket frame a server sends for the Engine.IO message `message` (a text frame, final, unmasked,
 * uncompressed), as one Buffer in a list (ws's `Sender.frame()` gives [header, payload]; both are
 * accepted as `wsPreEncodedFrame`). A broadcast builds it once for all its WebSocket sessions instead
 * of each session converting the same text again.
 */
export function preEncodeWebSocketFrame(message: string): Buffer[] {
  const length = Buffer.byteLength(message) + 1; // the leading '4'
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + text
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame[headerLength] = 0x34; // '4', the message packet type
  frame.write(message, headerLength + 1, 'utf8');
  return [frame];
}

