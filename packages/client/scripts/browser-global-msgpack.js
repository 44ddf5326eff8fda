// Entry of the msgpack <script> build (dist/browser/switchback.msgpack.min.js, served as
// /socket.io/socket.io.msgpack.min.js): the <script> build whose Managers default to the MessagePack
// codec, as socket.io-client's msgpack bundle does, for servers started with socket.io-msgpack-parser
// (or @switchback/server/msgpack-parser) as their `parser`. A `parser` option given still wins.
import lookup, { Backoff, Manager, Socket, protocol } from '../dist/esm/index.js';
import * as parser from '../dist/esm/msgpack-parser.js';

const withParser = (opts) => ({ parser, ...opts });

function io(uri, opts) {
  return typeof uri === 'object' ? lookup(withParser(uri)) : lookup(uri, withParser(opts));
}

class MsgpackManager extends Manager {
  constructor(uri, opts) {
    if (typeof uri === 'object') super(withParser(uri));
    else super(uri, withParser(opts));
  }
}

globalThis.io = Object.assign(io, { io, connect: io, Manager: MsgpackManager, Socket, Backoff, protocol });
