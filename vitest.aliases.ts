import { fileURLToPath } from 'node:url';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * Tests run against the sources: every package specifier, and the client's Node-side subpath imports,
 * resolve to their src entry. Shared by every vitest config in the repository.
 */
export const sourceAliases = [
  { find: /^@switchback\/protocol$/, replacement: src('./packages/protocol/src/index.ts') },
  { find: /^@switchback\/server\/msgpack-parser$/, replacement: src('./packages/server/src/msgpack-parser.ts') },
  { find: /^@switchback\/client\/msgpack-parser$/, replacement: src('./packages/client/src/msgpack-parser.ts') },
  { find: /^@switchback\/server\/engine$/, replacement: src('./packages/server/src/engine/index.ts') },
  { find: /^@switchback\/server$/, replacement: src('./packages/server/src/index.ts') },
  { find: /^@switchback\/client\/engine$/, replacement: src('./packages/client/src/engine/index.ts') },
  { find: /^#websocket-constructor$/, replacement: src('./packages/client/src/engine/websocket-constructor.node.ts') },
  { find: /^#http-request$/, replacement: src('./packages/client/src/engine/http-request.node.ts') },
  { find: /^@switchback\/client$/, replacement: src('./packages/client/src/index.ts') },
];

/** The repository root, for configs that live in a subfolder. */
export const repositoryRoot = src('.');
