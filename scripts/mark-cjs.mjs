// Marks a tsc CommonJS output folder as CommonJS inside a "type": "module" package. That package.json
// becomes the scope of every file below it, so Node and bundlers read `#...` subpath imports there, not
// in the package's own: the package's "imports" are copied in, their ./dist/esm/ targets turned into
// the same files of this folder (it mirrors dist/esm). Run from the package's directory: `node mark-cjs.mjs dist/cjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: mark-cjs.mjs <dir>');
const { imports } = JSON.parse(readFileSync('package.json', 'utf8'));
const retarget = (value) => {
  if (typeof value === 'string') {
    if (!value.startsWith('./dist/esm/')) throw new Error(`mark-cjs: cannot map import target ${value}`);
    return `./${value.slice('./dist/esm/'.length)}`;
  }
  return Object.fromEntries(Object.entries(value).map(([condition, target]) => [condition, retarget(target)]));
};
const scope = imports === undefined ? { type: 'commonjs' } : { type: 'commonjs', imports: retarget(imports) };
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(scope, null, 2)}\n`);
