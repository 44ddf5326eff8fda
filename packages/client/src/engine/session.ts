import { isProtocolError, parseOpenPacketData } from '@switchback/protocol';
import type { BinaryLike, EnginePacket, EnginePacketType, OpenPacketData } from '@switchback/protocol';
import { defaultWebSocket, toBinaryType, unrefClock } from '#websocket-constructor';
import { defaultClock } from './clock.js';
import { engineError } from './errors.js';
import { clearNotes, createDefaultFallbackMemory, upgradesAllowed, noteWebSocketEnd, stopUpgrades } from './fallback-memory.js';
import type { CreatedPacket, Socket, SocketState } from './socket.js';
import { EngineTransport } from './transport.js';
import type { TransportContext } from './transport.js';
import type { SocketOptions, Transport, TransportEvents, TransportName, WebSocketConstructorLike } from './types.js';
import { resolveEndpoint } from './uri.js';

// The phases as numbers (their names only for 'stateChange'): the client's bundle-size target (≤ 6.5 KB
// gzip) is why. The moves between them are few and each is guarded where it happens (no transition table:
// idle → opening → verifying → open → closing → closed, opening → opening and verifying → failing-over →
// open on a fallback, and closed from anywhere).
type Phase = 0 | 1 | 2 | 3 | 4 | 5 | 6;
const IDLE = 0;
const OPENING = 1;
const VERIFYING = 2;
const FAILING_OVER = 3;
const OPEN = 4;
const CLOSING = 5;
const CLOSED = 6;
/**
 * After the 101, the open packet is awaited for twice the time the WebSocket took to open, at least
 * this long (ms), and never past webSocketTimeout: a server sends it with the 101 or right behind it.
 */
const OPEN_PACKET_WAIT = 500;
/**
 * engine.io-client's `Socket.priorWebsocketSuccess`, per page (per process in Node): the last session
 * opened over WebSocket, or upgraded to it. With `rememberUpgrade`, the next Socket starts on WebSocket.
 */
let priorWebSocket = false;
const PHASES = ['idle', 'opening', 'verifying', 'failing-over', 'open', 'closing', 'closed'] as const;

/** One queued write: the packet (undefined while a Blob is still being read) and its callback. */
type Write = [packet: EnginePacket | undefined, callback: (() => void) | undefined];

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** What the public Socket asks of its session. */
export interface Session {
  readonly state: () => SocketState;
  readonly transport: () => Transport;
  /** The packets written and not yet handed to the network, oldest first (engine.io-client's writeBuffer). */
  readonly buffer: () => EnginePacket[];
  /** engine.io-client's `_pingTimeoutTime`: the heartbeat deadline (wall clock ms), read or replaced. */
  deadline(set?: number): number;
  /** engine.io-client's `_hasPingExpired()`: true once the deadline passed, closing ('ping timeout') once. */
  pingExpired(): boolean;
  /** engine.io-client's `_filterUpgrades()`: the given transport names this Socket may use. */
  filterUpgrades(upgrades: readonly string[]): string[];
  send(data: string | BinaryLike | Blob, compress: boolean, callback: (() => void) | undefined): void;
  close(): void;
}

/**
 * The session behind a Socket: phase, transports, heartbeat, write buffer, upgrade probe and the
 * remembered-fallback bookkeeping. One closure rather than helper classes with private fields:
 * locals minify to one letter and `this.#field` does not (the client's bundle-size target).
 *
 * Connecting starts one microtask after `new Socket()` when the WebSocket constructor is known, before
 * the timers and listeners that are not needed until its first event.
 */
export function openSession(socket: Socket, uri: string | undefined, opts: SocketOptions): Session {
  const emit = socket.emit.bind(socket) as Socket['emit'];
  // autoUnref (Node): the engine's timers do not keep the process alive.
  const clock = unrefClock(opts.clock ?? defaultClock, opts);
  const now = (): number => clock.now();
  const { url: key, query, hostname, port, secure } = resolveEndpoint(uri, opts);
  socket.hostname = hostname;
  socket.port = port;
  socket.secure = secure;
  const memory = opts.fallbackMemory === false ? undefined : (opts.fallbackMemory ?? createDefaultFallbackMemory());
  const webSocketTimeout = opts.webSocketTimeout ?? 3000;
  const ctx: TransportContext = { opts, url: key, query, hint: '', clock, expired: () => expired() };

  // A transport class (engine.io-client's style) stands for its name.
  const list = (opts.transports ?? ['websocket', 'polling'])
    .map((t) => (typeof t == 'string' ? t : (t.prototype as { name: string }).name))
    // 'webtransport' (socket.io-client's third transport) and unknown names are skipped.
    .filter((t): t is TransportName => t == 'websocket' || t == 'polling');
  // rememberUpgrade: a WebSocket that worked before is tried first (polling stays the fallback). The
  // list holds only 'polling' and 'websocket': sorted descending, 'websocket' comes first.
  if (opts.rememberUpgrade && priorWebSocket) list.sort().reverse();
  let phase: Phase = IDLE;
  let session: OpenPacketData | undefined;
  let transport = create(list[0] ?? 'websocket');
  /** Transport generation: events from an older one are dropped, even ones already being emitted. */
  let generation = 0;
  /** On the first WebSocket, which may still fall back to polling (phases opening and verifying). */
  let mayFallBack = false;
  /** A write went out on that WebSocket: its answer is due within webSocketTimeout. */
  let sent = false;
  /** This session replaced a failed WebSocket: remember the fallback once it opens. */
  let fellBack = false;
  /** Probe the upgrade to WebSocket once open over polling. */
  let mayUpgrade = false;
  /** tryAllTransports: the WebSocket to open if the first transport (polling) fails before the open packet. */
  let tryNext = false;
  let stallTimer: unknown;
  /** When the first WebSocket started to open. */
  let openingSince = 0;
  /** Heartbeat deadline (wall clock): a timer firing early or late only triggers a check. */
  let deadline = Infinity;
  let heartbeatTimer: unknown;
  // The write buffer: queued, in flight on the transport, and sent over a WebSocket that has not yet
  // proved a round trip (re-sent on a fresh polling session if that WebSocket turns out to be stalled).
  let queue: Write[] = [];
  let inFlight: Write[] = [];
  let unconfirmed: Write[] = [];
  let flushScheduled = false;
  let abortProbe: (() => void) | undefined;
  let removeUnloadListener: (() => void) | undefined;
  /** When the current WebSocket became the transport (direct open or upgrade), for the strikes. */
  let webSocketSince: number | undefined;
  /** An upgrade out of a remembered fallback: forget the fallback once this WebSocket has lived long. */
  let forgetWhenProven = false;

  function create(name: TransportName): EngineTransport {
    return new EngineTransport(name, ctx, name === 'websocket' ? session : undefined);
  }

  const start = (ctor: WebSocketConstructorLike | null | undefined): void => {
    if (phase !== IDLE) return; // closed while the WebSocket constructor was being looked up
    ctx.WebSocket = ctor;
    // Read now: the Socket.IO layer names its first CONNECT in the microtask before this one.
    if (opts.connectHint !== undefined) ctx.hint = `&sbconnect=${encodeURIComponent(opts.connectHint)}`;
    // `transports` keeps socket.io-client's meaning: the first entry is tried first, later ones are
    // upgrades. With WebSocket first, polling is the fallback; a remembered fallback starts on polling
    // and tries the upgrade in the background. A forced single transport never falls back.
    const polling = list.includes('polling');
    const first = list[0] === 'websocket' && ctor != null && !(polling && remembered()) ? 'websocket' : polling ? 'polling' : undefined;
    if (!first) {
      // An empty list is reported by the timer set in openSession. Forced ['websocket'] without a
      // constructor (pass options.WebSocket, or install ws in Node): an EngineError saying so.
      if (list.length) noTransport(engineError('NO_TRANSPORT', undefined, undefined, undefined, 'No transports available'));
      return;
    }
    mayFallBack = first === 'websocket' && polling;
    mayUpgrade = first === 'polling' && ctor != null && list.includes('websocket');
    tryNext = mayUpgrade && opts.tryAllTransports === true;
    mayUpgrade &&= opts.upgrade !== false;
    // The WebSocket first, the bookkeeping after.
    use(transport.name === first ? transport : create(first));
    setPhase(OPENING);
  };

  /**
   * Makes `next` current and opens it. Its listeners and the stall timer wait a microtask (a transport
   * emits nothing synchronously, and this one is queued before anything its open() queues): in Node a
   * WebSocket's TCP connect starts on the next tick, which runs before microtasks when new Socket() is
   * called from a timer or an I/O callback (reconnects), so the connect is not delayed by them.
   */
  const use = (next: EngineTransport): void => {
    transport = next;
    queueMicrotask(() => {
      if (transport !== next || phase === CLOSED) return;
      bind(next);
      // No open packet within webSocketTimeout.
      if (mayFallBack) {
        openingSince = now();
        stall(true);
      }
    });
    next.open();
  };

  /** One place that wires a transport to the session; bumping the generation unwires it. */
  const bind = (next: EngineTransport): void => {
    const current = ++generation;
    const on = <E extends keyof TransportEvents>(event: E, fn: (...args: TransportEvents[E]) => void): void => {
      next.on(event, (...args: TransportEvents[E]) => {
        if (current === generation) fn(...args);
      });
    };
    // Pipelining: what the app wrote while opening (the namespace CONNECTs) goes out in the WebSocket's
    // first flight, without waiting for the open packet. One microtask later: in Node, what arrived with
    // the 101 (a Switchback server's open packet, CONNECT answer and first events) is handled first, so
    // the write (a syscall) is not on the way to the app's first event.
    on('open', () => {
      // The 101 came. A proxy that passes it and then stalls the connection is caught in about a
      // handshake's time, not after the whole webSocketTimeout.
      if (mayFallBack && phase === OPENING) {
        const took = now() - openingSince;
        stall(true, Math.min(webSocketTimeout - took, Math.max(OPEN_PACKET_WAIT, 2 * took)));
      }
      scheduleFlush();
    });
    on('packet', onPacket);
    on('drain', onDrain);
    on('error', (err) => {
      // While a WebSocket may still fall back, its errors are expected and handled silently. Once the
      // heartbeat window ran out (timers throttled, machine asleep) the connection died of silence, and
      // the request that failed on waking is only a symptom.
      if (mayFallBack || tryNext) return;
      if (session && expired()) onClose('ping timeout');
      else emit('error', err);
    });
    on('close', (reason, description) => {
      if (mayFallBack) return lost();
      if (!tryNext) return onClose(reason, description);
      // tryAllTransports: polling failed (and closed) before opening, the WebSocket is tried instead.
      tryNext = false;
      use(create('websocket'));
    });
    transport = next;
  };

  /** Stops listening to the current transport, and closes it. */
  const drop = (): void => {
    generation++;
    transport.close();
  };

  const setPhase = (to: Phase): void => {
    emit('stateChange', { from: PHASES[phase], to: PHASES[(phase = to)] });
  };

  /** (Re)starts, or (false) stops, the timer that catches a WebSocket that stalls before proving itself. */
  const stall = (restart: boolean, ms = webSocketTimeout): void => {
    clock.clearTimeout(stallTimer);
    if (restart) stallTimer = clock.setTimeout(lost, ms);
  };

  /** No more upgrade probe, stall timer or fallback: the session stays on its transport (or ends). */
  const settle = (): void => {
    // Only a closing session still has a probe here: it fails with it (engine.io-client's 'socket closed').
    if (abortProbe) {
      abortProbe();
      emit('upgradeError', engineError('PROBE_ERROR', 'websocket', 'socket closed'));
    }
    socket.upgrading = false;
    stall(false);
    mayFallBack = false;
  };

  const expired = (): boolean => now() >= deadline;

  /** pingInterval + pingTimeout of the session. */
  const heartbeatWindow = (): number => (session ? session.pingInterval + session.pingTimeout : Infinity);

  /**
   * Liveness after open: the server pings every pingInterval; no ping for pingInterval + pingTimeout
   * means the connection is dead. The deadline is wall-clock: background tabs throttle timers
   * (socket.io#3259), so `expired()` is also checked whenever the app sends. `false` stops it.
   */
  const heartbeat = (restart: boolean): void => {
    clock.clearTimeout(heartbeatTimer);
    deadline = restart ? now() + heartbeatWindow() : Infinity;
    const check = (): void => {
      if (expired()) onClose('ping timeout');
      else heartbeatTimer = clock.setTimeout(check, deadline - now());
    };
    if (restart) check();
  };

  const onPacket = (packet: EnginePacket): void => {
    emit('packet', packet);
    emit('heartbeat');
    if (phase === OPENING || phase === FAILING_OVER) return onHandshake(packet);
    if (phase === VERIFYING && (sent || packet.type === 'ping')) {
      // The round trip is proven: the server answered something we sent (or is pinging us). What the
      // WebSocket carried is the server's now.
      settle();
      unconfirmed = [];
      setPhase(OPEN);
    }
    if (packet.type === 'ping') {
      heartbeat(true);
      // An upgraded WebSocket that has lived long enough clears the remembered fallback.
      if (forgetWhenProven && memory && webSocketSince !== undefined && now() - webSocketSince >= 2 * heartbeatWindow()) {
        forgetWhenProven = false;
        memory.delete(key);
        clearNotes(memory, key);
      }
      push('pong');
      emit('ping');
    } else if (packet.type === 'message') {
      // A bare `4` is an empty text message, not nothing.
      const raw = packet.data ?? '';
      const data =
        typeof raw === 'string'
          ? raw
          : toBinaryType(raw instanceof ArrayBuffer ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength).slice().buffer, socket);
      emit('data', data);
      emit('message', data);
    }
  };

  const onHandshake = (packet: EnginePacket): void => {
    const data = packet.type === 'open' && typeof packet.data === 'string' ? parseOpenPacketData(packet.data) : undefined;
    if (!data || isProtocolError(data)) {
      if (mayFallBack) return lost();
      return fatal(engineError('HANDSHAKE_ERROR', undefined, data), 'parse error');
    }
    stall(false);
    tryNext = false;
    socket.id = data.sid;
    session = transport.session = data;
    heartbeat(true);
    if (fellBack) remember();
    const onWebSocket = (priorWebSocket = transport.name === 'websocket');
    webSocketSince = onWebSocket ? now() : undefined;
    if (phase === FAILING_OVER) {
      // A new session behind the same public socket: the app's queued writes go out on it.
      setPhase(OPEN);
      return flush();
    }
    if (mayFallBack) {
      setPhase(VERIFYING);
      // Pipelined writes already went out: their answer is due within webSocketTimeout from now.
      if (sent) stall(true);
    } else setPhase(OPEN);
    emit('handshake', data);
    emit('open');
    if (phase === CLOSED) return;
    // As at 'open': after the packets that came with this one.
    scheduleFlush();
    // While a fallback is remembered, every connection still tries the upgrade in the background, until
    // a WebSocket upgraded to dies young (see onClose): a proxy that passes the probe and then stalls
    // would otherwise make the client flap between polling and a dying WebSocket on every reconnect.
    if (!onWebSocket && mayUpgrade && data.upgrades.includes('websocket') && (!memory || !remembered() || upgradesAllowed(memory, key))) probe();
  };

  const push = (type: EnginePacketType, data?: string | BinaryLike, compress = true, callback?: () => void): void => {
    const options = { compress };
    const packet: CreatedPacket = data === undefined ? { type, options } : { type, data, options };
    queue.push([packet, callback]);
    emit('packetCreate', packet);
    scheduleFlush();
  };

  // Sends made in the same tick go out together (one POST over polling).
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    queueMicrotask(() => {
      flushScheduled = false;
      flush();
    });
  };

  /** Nothing waiting and nothing in flight. */
  const idle = (): boolean => queue.length === 0 && inFlight.length === 0;

  /** Hands the ready prefix of the queue (order is kept behind a Blob being read) to the transport. */
  const flush = (): void => {
    const early = phase === OPENING && transport.name === 'websocket';
    if (!early && phase !== OPEN && phase !== VERIFYING && phase !== CLOSING) return;
    if (socket.upgrading || !transport.writable || inFlight.length > 0) return;
    let ready = 0;
    while (ready < queue.length && queue[ready]?.[0]) ready++;
    if (ready === 0) return;
    const batch = (inFlight = queue.splice(0, ready));
    if (mayFallBack) {
      unconfirmed.push(...batch);
      // No answer within webSocketTimeout of the first send over the open WebSocket. (Sent while
      // opening: the open-packet timer runs, and is restarted at the open packet.)
      if (phase === VERIFYING && !sent) stall(true);
      sent = true;
    }
    transport.send(batch.map((write) => write[0] as EnginePacket));
    emit('flush');
  };

  /** The transport wrote the batch in flight: release its callbacks (once: a batch may be re-sent). */
  const onDrain = (): void => {
    const batch = inFlight;
    inFlight = [];
    for (const write of batch) {
      const callback = write[1];
      write[1] = undefined;
      callback?.();
    }
    if (!idle()) flush();
    else if (phase === CLOSING) closing();
    else emit('drain');
  };

  /**
   * The first WebSocket failed (closed, errored, stalled) before proving itself. Before the open packet:
   * start over on polling. After it ('open' was emitted): replace it by a polling session, unseen. Either
   * way the messages it may have carried go out (once) over polling, heartbeats dropped.
   */
  const lost = (): void => {
    const opened = phase === VERIFYING;
    settle();
    fellBack = true;
    drop();
    queue = [...unconfirmed.filter((write) => write[0]?.type === 'message'), ...queue];
    unconfirmed = [];
    inFlight = [];
    if (opened) {
      heartbeat(false);
      session = undefined;
      setPhase(FAILING_OVER);
    } else setPhase(OPENING);
    use(create('polling'));
  };

  /**
   * The Engine.IO upgrade, as the reference client does it:
   *
   *   WS open (sid) ── 2probe ──► server        (polling keeps working meanwhile)
   *                ◄── 3probe ──                 server answers the held GET with a noop
   *   pause polling: wait for in-flight GET and POST
   *   switch ── 5 ──► server                     later writes go over the WebSocket
   *
   * Any failure or timeout before the switch closes the probe and resumes polling: nothing is lost
   * because writes stay in the buffer until the switch.
   */
  const probe = (): void => {
    const polling = transport;
    const ws = create('websocket');
    const finish = (): void => {
      clock.clearTimeout(timer);
      abortProbe = undefined;
    };
    const fail = (code: 'PROBE_ERROR' | 'PROBE_TIMEOUT', cause?: unknown): void => {
      if (!abortProbe) return;
      abortProbe();
      socket.upgrading = priorWebSocket = false;
      emit('upgradeError', engineError(code, 'websocket', cause));
      if (phase === CLOSING) closing();
      else flush();
    };
    const timer = clock.setTimeout(() => fail('PROBE_TIMEOUT'), Math.max(webSocketTimeout, 1000));
    ws.on('open', () => ws.send([{ type: 'ping', data: 'probe' }]));
    ws.on('packet', (packet) => {
      // Once it answered, the probe waits for the pause: later packets are the session's, after the switch.
      if (socket.upgrading) return;
      if (packet.type !== 'pong' || packet.data !== 'probe') return fail('PROBE_ERROR', packet);
      // The probe answered: stop flushing writes to polling.
      socket.upgrading = true;
      emit('upgrading', ws);
      polling.pause(() => {
        if (!abortProbe) return;
        finish();
        bind(ws);
        polling.close();
        ws.send([{ type: 'upgrade' }]);
        socket.upgrading = false;
        priorWebSocket = true;
        webSocketSince = now();
        // A proxy may pass the probe and stall right after (phoenix#6766): the fallback is forgotten
        // only once this WebSocket has outlived the short-lived window, not at the switch.
        forgetWhenProven = remembered();
        emit('upgrade', ws);
      });
    });
    // A transport reports an error and then closes with its cause as the description.
    ws.on('close', (_reason, description) => fail('PROBE_ERROR', description));
    abortProbe = () => {
      finish();
      ws.close();
      polling.resume();
    };
    ws.open();
  };

  /** A fallback to polling is remembered for this endpoint. */
  const remembered = (): boolean => memory?.get(key) === 'polling';

  const remember = (): void => memory?.set(key, 'polling', opts.fallbackTtl ?? 3_600_000);

  /** Closing: once the upgrade (if any) is over and the writes went out, the session closes. */
  const closing = (): void => {
    if (socket.upgrading) return;
    if (idle()) onClose('forced close');
    else flush();
  };

  const onClose = (reason: string, description?: unknown): void => {
    if (phase === CLOSED) return;
    // A WebSocket that died young of a ping timeout earns a strike (see noteWebSocketEnd).
    if (
      (phase === OPEN || phase === VERIFYING) &&
      memory &&
      // Set while the session is on a WebSocket (direct open or upgrade).
      webSocketSince !== undefined &&
      noteWebSocketEnd(memory, key, reason === 'ping timeout', now() - webSocketSince < 2 * heartbeatWindow())
    ) {
      remember();
    }
    // An upgrade out of the remembered fallback that ended before proving itself, other than by the app.
    if (forgetWhenProven && memory && reason !== 'forced close') stopUpgrades(memory, key);
    settle();
    heartbeat(false);
    drop();
    queue = [];
    inFlight = [];
    unconfirmed = [];
    removeUnloadListener?.();
    setPhase(CLOSED);
    socket.id = null;
    emit('close', reason, description);
  };

  /** 'error', then 'close' even when an 'error' listener throws. */
  const fatal = (err: string | Error, reason: string): void => {
    try {
      emit('error', err);
    } finally {
      onClose(reason, err);
    }
  };

  /** Reported once the caller could listen (new Socket() has returned), unless closed before. */
  function noTransport(err: string | Error): void {
    if (phase !== IDLE) return;
    fatal(err, 'transport error');
  }
  // No transport in the list: engine.io-client's bare string, on a timer as there (fake timers drive it).
  if (!list.length) clock.setTimeout(() => noTransport('No transports available'), 0);

  const ws = opts.WebSocket === undefined ? defaultWebSocket() : opts.WebSocket;
  // One microtask later: the caller of new Socket() has attached its listeners and queued its first
  // writes (the Socket.IO layer's CONNECTs), and the TCP connect, which Node starts on a later tick,
  // is not delayed by it.
  if (ws instanceof Promise) void ws.then(start);
  else queueMicrotask(() => start(ws));
  // Close silently on page unload so the server does not wait for a ping timeout.
  if (opts.closeOnBeforeunload === true && typeof addEventListener === 'function') {
    const listener = (): void => onClose('transport close');
    addEventListener('beforeunload', listener);
    removeUnloadListener = () => removeEventListener('beforeunload', listener);
  }

  return {
    state: () => (phase < VERIFYING ? 'opening' : phase < CLOSING ? 'open' : phase < CLOSED ? 'closing' : 'closed'),
    transport: () => transport,
    buffer: () => [...inFlight, ...queue].flatMap((write) => write[0] ?? []),
    deadline: (set) => (set === undefined ? deadline : (deadline = set)),
    pingExpired() {
      if (!deadline) return true; // already reported
      if (now() <= deadline) return false;
      deadline = 0;
      clock.setTimeout(() => onClose('ping timeout'), 0);
      return true;
    },
    filterUpgrades: (upgrades) => upgrades.filter((name) => (list as readonly string[]).includes(name)),
    send(data, compress, callback) {
      if (phase >= CLOSING) return;
      // Woken from a throttled background tab: the heartbeat may be long dead (socket.io#3259).
      if (session && expired()) return onClose('ping timeout');
      if (!isBlob(data)) return push('message', data, compress, callback);
      // A Blob keeps its place in the queue while it is read; one that cannot be read becomes a noop.
      const write: Write = [undefined, callback];
      queue.push(write);
      data.arrayBuffer().then(
        (buffer) => {
          const packet: CreatedPacket = { type: 'message', data: buffer, options: { compress } };
          write[0] = packet;
          emit('packetCreate', packet);
          scheduleFlush();
        },
        () => {
          write[0] = { type: 'noop' };
          scheduleFlush();
        },
      );
    },
    close() {
      if (phase < VERIFYING || phase === FAILING_OVER) return onClose('forced close');
      if (phase !== OPEN && phase !== VERIFYING) return;
      // An upgrade past its probe finishes first (engine.io-client's order: 'upgrade', then 'close').
      if (!socket.upgrading) settle();
      setPhase(CLOSING);
      closing();
    },
  };
}
