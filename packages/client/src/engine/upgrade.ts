import type { EnginePacket } from '@switchback/protocol';
import { Timer } from './clock.js';
import { EngineError } from './errors.js';
import type { BaseTransport } from './transport.js';
import type { Clock } from './types.js';

/** What the probe needs from the engine Socket. */
export interface ProbeHost {
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** The polling transport currently carrying the session. */
  readonly current: BaseTransport;
  /** A fresh WebSocket transport bound to the session id. */
  createWebSocket(): BaseTransport;
  /** The probe answered: stop flushing writes to the old transport. */
  onUpgrading(ws: BaseTransport): void;
  /** Polling is paused: make `ws` the transport (the host sends the upgrade packet). */
  onSwitch(ws: BaseTransport): void;
  onFailed(err: EngineError): void;
}

type ProbeState = 'probing' | 'pausing' | 'done';

/**
 * The Engine.IO upgrade, as the reference client does it:
 *
 *   WS open (sid) ── 2probe ──► server        (polling keeps working meanwhile)
 *                ◄── 3probe ──                 server answers the held GET with a noop
 *   pause polling: wait for in-flight GET and POST
 *   switch ── 5 ──► server                     later writes go over the WebSocket
 *
 * Any failure or timeout before the switch closes the probe and resumes polling: nothing is lost
 * because writes stay in the Socket's buffer until the switch.
 */
export class UpgradeProbe {
  readonly #host: ProbeHost;
  readonly #ws: BaseTransport;
  readonly #timer: Timer;
  #state: ProbeState = 'probing';

  constructor(host: ProbeHost) {
    this.#host = host;
    this.#timer = new Timer(host.clock);
    this.#ws = host.createWebSocket();
    this.#ws.on('open', this.#onOpen);
    this.#ws.on('packet', this.#onPacket);
    this.#ws.on('error', this.#onError);
    this.#ws.on('close', this.#onClose);
    this.#timer.start(host.timeoutMs, () => this.#fail('PROBE_TIMEOUT', 'websocket upgrade probe timed out'));
    this.#ws.open();
  }

  /** Give up (the Socket is closing): close the probe and resume polling if it was paused. */
  abort(): void {
    if (this.#state === 'done') return;
    this.#finish();
    this.#ws.close();
    this.#host.current.resume();
  }

  readonly #onOpen = (): void => {
    this.#ws.send([{ type: 'ping', data: 'probe' }]);
  };

  readonly #onPacket = (packet: EnginePacket): void => {
    if (this.#state !== 'probing') return;
    if (packet.type !== 'pong' || packet.data !== 'probe') {
      this.#fail('PROBE_ERROR', `unexpected ${packet.type} packet during upgrade probe`);
      return;
    }
    this.#state = 'pausing';
    this.#host.onUpgrading(this.#ws);
    this.#host.current.pause(() => {
      if (this.#state !== 'pausing') return;
      this.#finish();
      this.#host.onSwitch(this.#ws);
    });
  };

  readonly #onError = (err: Error): void => {
    this.#fail('PROBE_ERROR', 'websocket upgrade probe failed', err);
  };

  readonly #onClose = (): void => {
    this.#fail('PROBE_ERROR', 'websocket closed during upgrade probe');
  };

  #fail(code: 'PROBE_ERROR' | 'PROBE_TIMEOUT', message: string, cause?: unknown): void {
    if (this.#state === 'done') return;
    this.#finish();
    this.#ws.close();
    this.#host.current.resume();
    this.#host.onFailed(new EngineError(message, { code, cause, transport: 'websocket', type: 'UpgradeError' }));
  }

  #finish(): void {
    this.#state = 'done';
    this.#timer.stop();
    this.#ws.off('open', this.#onOpen);
    this.#ws.off('packet', this.#onPacket);
    this.#ws.off('error', this.#onError);
    this.#ws.off('close', this.#onClose);
  }
}
