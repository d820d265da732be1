/**
 * The file FC loads for a function (`index.js` for `index.handler`; `server.js` for a custom runtime's
 * `node server.js`): a few lines that compile the bundle beside it (`<entry>.bundle.js`) and run it as
 * `require` would, as the loader's own module. When `<entry>.bundle.js.v8cache` lies beside it and was made
 * for this bundle (its head is the bundle's SHA-256), V8 compiles from that cache instead: the cache the
 * deployed function made for itself (functions/lib/runtime/codeCache.ts). V8 refuses a cache from another
 * Node build or other flags, and the bundle then compiles as it would without one.
 *
 * The bundle is wrapped on a line of its own, counted back with `lineOffset`, so a stack trace's lines and
 * columns are the bundle's, as its source map expects.
 */
import { createHash } from 'node:crypto';
import { LOADED_CODE } from '../../functions/lib/runtime/codeCache.js';

/** What a cache is made for: the bundle's text. */
export function codeCacheKey(bundleText: string): string {
  return createHash('sha256').update(bundleText).digest('hex');
}

/** The cache file beside a bundle (its layout: functions/lib/runtime/codeCache.ts, codeCacheFile). */
export const cacheFileOf = (bundleFile: string) => `${bundleFile}.v8cache`;

export function loaderSource(o: { entry: string; bundleName: string; key: string }): string {
  const symbol = LOADED_CODE.description!;
  // The cache file's layout is functions/lib/runtime/codeCache.ts's codeCacheFile: key, SHA-256 of the data, data.
  return `'use strict';
// Loads ${o.bundleName} (from the code cache beside it when that was made for it): infra/build/codeCacheLoader.ts.
const { readFileSync } = require('node:fs');
const vm = require('node:vm');
const bundle = __dirname + ${JSON.stringify(`/${o.bundleName}`)};
const key = ${JSON.stringify(o.key)};
let cachedData;
let status = 'none';
try {
  const cache = readFileSync(bundle + '.v8cache');
  if (cache.toString('latin1', 0, 64) !== key) status = 'stale';
  else if (cache.length <= 128 || require('node:crypto').createHash('sha256').update(cache.subarray(128)).digest('hex') !== cache.toString('latin1', 64, 128)) status = 'corrupt';
  else cachedData = cache.subarray(128);
} catch {}
const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {\\n' + readFileSync(bundle, 'utf8') + '\\n})', {
  filename: bundle,
  lineOffset: -1,
  cachedData,
  // Node 20.12+ names the main context's loader; before, a function that does the same.
  importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ?? ((specifier) => import(specifier)),
});
if (cachedData) status = script.cachedDataRejected ? 'refused' : 'used';
globalThis[Symbol.for(${JSON.stringify(symbol)})] = { key, entry: ${JSON.stringify(o.entry)}, status, make: () => script.createCachedData() };
script.runInThisContext().call(module.exports, module.exports, require, module, bundle, __dirname);
`;
}
