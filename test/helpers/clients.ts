import { io, type ManagerOptions, type Socket, type SocketOptions } from '@switchback/client';
import { once } from './wait.js';

export type TransportMode = 'websocket' | 'polling' | 'default';

/** The client transports option for a mode: forced WebSocket, forced polling, or the default. */
export function transportsFor(mode: TransportMode): { transports?: Array<'websocket' | 'polling'> } {
  return mode === 'default' ? {} : { transports: [mode] };
}

/** Opens clients and closes every one of them on dispose, even when the test failed. */
export class Clients implements Disposable {
  readonly #sockets: Socket[] = [];

  open(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Socket {
    const socket = io(url, { forceNew: true, reconnection: false, ...options });
    this.#sockets.push(socket);
    return socket;
  }

  /** Opens a client and waits for `connect`; rejects with the connect_error if that comes first. */
  async connect(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<Socket> {
    const socket = this.open(url, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err: Error) => reject(err));
    });
    return socket;
  }

  closeAll(): void {
    for (const socket of this.#sockets.splice(0)) socket.disconnect();
  }

  [Symbol.dispose](): void {
    this.closeAll();
  }
}

export { once };
