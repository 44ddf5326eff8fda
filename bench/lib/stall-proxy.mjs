// A TCP proxy that passes polling untouched and, for a WebSocket upgrade, forwards the handshake and the
// 101 then silently drops every later byte both ways while keeping both sockets open (the stalling
// TLS-inspecting proxy / antivirus case). Same idea as test/helpers/tcp-proxy.ts, mode stall-after-101.
import { startTcpProxy } from './tcp-proxy.mjs';

const HEADER_END = Buffer.from('\r\n\r\n');

export function startStallProxy(targetPort) {
  return startTcpProxy(targetPort, (client, upstream, destroyBoth) => {
    client.on('close', destroyBoth);
    upstream.on('close', destroyBoth);

    let head = Buffer.alloc(0);
    let mode = 'deciding'; // deciding | piped | handshake | stalled
    client.on('data', (chunk) => {
      if (mode === 'deciding') {
        head = Buffer.concat([head, chunk]);
        if (head.indexOf(HEADER_END) === -1) return;
        const isUpgrade = /^upgrade:\s*websocket/im.test(head.toString('latin1'));
        upstream.write(head);
        if (!isUpgrade) {
          mode = 'piped';
          upstream.pipe(client);
          client.pipe(upstream);
          return;
        }
        mode = 'handshake';
        let down = Buffer.alloc(0);
        upstream.on('data', (data) => {
          if (mode !== 'handshake') return;
          down = Buffer.concat([down, data]);
          const end = down.indexOf(HEADER_END);
          if (end === -1) return;
          client.write(down.subarray(0, end + HEADER_END.length));
          mode = 'stalled';
        });
      }
      // piped: the pipes carry it; handshake/stalled: client bytes after the request head are dropped.
    });
  });
}
