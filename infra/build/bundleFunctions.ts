/**
 * Bundles each `functions/<name>/index.ts` into one CommonJS file, `dist/<name>/index.js`, for Node 20 —
 * what FC 3.0 loads as `index.handler`. `lib` is the shared core, not a function.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

export interface BundleResult {
  name: string;
  file: string;
  bytes: number;
  /** The npm packages inside the bundle (to keep, e.g., @alicloud/fc2 out of function bundles). */
  packages: string[];
}

/** The size every function bundle must stay within (see the README's "Deploy" section for the figures). */
export const BUNDLE_BUDGET_BYTES = 300_000;

const HTTPX = /[\\/]node_modules[\\/]httpx[\\/]/;
const JMESPATH = /[\\/]node_modules[\\/]@aws-lambda-powertools[\\/]jmespath[\\/]/;
const JSON_BIGINT = /[\\/]node_modules[\\/]json-bigint[\\/]index\.js$/;

/** Gives the importers `importer` matches `contents` as the module `name`; every other importer keeps the real one. */
function replacedFor(label: string, importer: RegExp, name: string, contents: string): Plugin {
  const namespace = `${label}-${name.replace(/\W/g, '-')}`;
  return {
    name: namespace,
    setup(builder) {
      builder.onResolve({ filter: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }, (args) =>
        // Only a real file's import (never the replacement's own, which then reaches the real module); one
        // replacement per place the name resolves from, so two copies of a package never share one.
        args.namespace === 'file' && importer.test(args.importer)
          ? { path: resolve(args.resolveDir, name), namespace }
          : undefined,
      );
      // The replacement's own relative requires resolve beside the module it replaces.
      builder.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * httpx's `debug` is one that is never enabled. With `DEBUG=httpx:*` in a function's environment the real one
 * writes every request's headers and body to the log, and pop-core signs RPC calls in the body, so that is
 * the AccessKeyId, the STS SecurityToken and the signature. It also spares each cold start loading `debug`,
 * `tty` and a failed look-up of `supports-color` (not installed) on the file system.
 */
const neverDebug = replacedFor(
  'httpx',
  HTTPX,
  'debug',
  'module.exports = () => Object.assign(() => {}, { enabled: false });',
);

/**
 * httpx's `zlib`, loaded when a response is compressed. pop-core never asks for compression (httpx sends
 * `accept-encoding` only with its `compression` option), so a cold start does not load zlib for nothing; a
 * server that compresses anyway is still decoded.
 */
const zlibOnDemand = replacedFor(
  'httpx',
  HTTPX,
  'zlib',
  "module.exports = new Proxy({}, { get: (_, key) => require('node:zlib')[key] });",
);

/**
 * Powertools JMESPath's `node:zlib`, loaded when a mapping calls `powertools_base64_gzip`: intake-webhook's
 * shipped mappings never do, so its cold start does not load zlib for them. The one name JMESPath imports,
 * as an ES module (a build that needs another name fails, rather than shipping an undefined function).
 */
const jmespathZlibOnDemand = replacedFor(
  'jmespath',
  JMESPATH,
  'node:zlib',
  "export const gunzipSync = (...args) => require('node:zlib').gunzipSync(...args);",
);

/**
 * json-bigint's `stringify`, loaded on its first call. pop-core only parses with json-bigint (whose parser
 * loads bignumber.js itself, for a number of more than 15 digits), but the stringify module loads bignumber.js
 * as json-bigint loads: about 1 ms of every cold start, for a function no RPC call uses.
 */
const bigintStringifyOnDemand = replacedFor(
  'json-bigint',
  JSON_BIGINT,
  './lib/stringify.js',
  "exports.stringify = function (...args) { return require('./stringify.js').stringify.apply(this, args); };",
);

export function functionNames(functionsDir: string): string[] {
  if (!existsSync(functionsDir)) return [];
  return readdirSync(functionsDir)
    .filter((name) => name !== 'lib' && existsSync(join(functionsDir, name, 'index.ts')))
    .sort();
}

export async function bundleFunctions(options: {
  functionsDir: string;
  outDir: string;
  names?: string[];
}): Promise<BundleResult[]> {
  const functionsDir = resolve(options.functionsDir);
  const outDir = resolve(options.outDir);
  const names = options.names ?? functionNames(functionsDir);
  if (names.length === 0) return [];
  const result = await build({
    metafile: true,
    // index.ts is the handler (`index.handler`); a server.ts beside it is the entry a custom runtime's
    // command runs (`node server.js`).
    entryPoints: Object.fromEntries(
      names.flatMap((name) => [
        [`${name}/index`, join(functionsDir, name, 'index.ts')],
        ...(existsSync(join(functionsDir, name, 'server.ts'))
          ? [[`${name}/server`, join(functionsDir, name, 'server.ts')]]
          : []),
      ]),
    ),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // No keepNames: it renames every function again as the bundle loads (about 1 ms of each cold start). Stack
    // traces name minified functions: the linked source map, deployed beside the bundle, names the originals
    // when a trace is read against it (FC does not run Node with --enable-source-maps). Errors set their own
    // `name`.
    sourcemap: 'linked',
    legalComments: 'none',
    // @alicloud/fc2 → ali-oss → urllib requires proxy-agent dynamically; it is never used on FC.
    external: ['proxy-agent'],
    plugins: [neverDebug, zlibOnDemand, jmespathZlibOnDemand, bigintStringifyOnDemand],
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  return names.map((name) => {
    const file = join(outDir, name, 'index.js');
    const output = outputs.find(([path]) => resolve(path) === file)?.[1];
    const packages = [
      ...new Set(
        Object.keys(output?.inputs ?? {})
          .map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1])
          .filter((p): p is string => p !== undefined),
      ),
    ].sort();
    // The bundle is CommonJS; without this, a "type": "module" package.json above it (this repository's)
    // would make Node load it as ESM. FC gets the file too, as part of the function's code folder.
    writeFileSync(join(outDir, name, 'package.json'), '{ "type": "commonjs" }\n');
    return { name, file, bytes: statSync(file).size, packages };
  });
}
