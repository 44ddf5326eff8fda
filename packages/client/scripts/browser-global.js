// Entry of the <script> build (dist/browser/switchback.js): `window.io` is `io()` itself with the rest
// of the API on it, as socket.io-client's /socket.io/socket.io.js defines it, so pages written for that
// (`io()`, `io.connect()`, `new io.Manager()`, `io.protocol`) keep working unchanged.
import lookup, { Backoff, Manager, Socket, protocol } from '../dist/esm/index.js';

globalThis.io = Object.assign(lookup, { io: lookup, connect: lookup, Manager, Socket, Backoff, protocol });
