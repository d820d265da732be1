/**
 * Bundles each `functions/<name>/index.ts` into one CommonJS file, `dist/<name>/index.bundle.js`, for Node 20,
 * loaded by `dist/<name>/index.js` — what FC 3.0 loads as `index.handler` — through the function's code cache
 * when it has one (codeCacheLoader.ts). `lib` is the shared core, not a function.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { codeCacheFileIsFor } from '../../functions/lib/runtime/codeCache.js';
import { cacheFileOf, codeCacheKey, loaderSource } from './codeCacheLoader.js';

export interface BundleResult {
  name: string;
  /** The file FC loads, `index.js`: the loader of the bundle (codeCacheLoader.ts). */
  file: string;
  /** The bundle, `index.bundle.js`. */
  bundleFile: string;
  /** The bundle's size. */
  bytes: number;
  /** Each entry FC may load (`index`, and a custom runtime's `server`), with its code cache if it has one. */
  entries: BundleEntry[];
  /** The npm packages inside the bundle (to keep, e.g., @alicloud/fc2 out of function bundles). */
  packages: string[];
  /** The packages shipped beside the bundle, loaded at their first require (ON_DEMAND_PACKAGES). */
  onDemand: OnDemandFile[];
  /**
   * Every JavaScript file the function ships: the bundle, a custom runtime's `server.js`, the on-demand
   * files. What BUNDLE_BUDGET_BYTES holds.
   */
  shippedBytes: number;
}

export interface BundleEntry {
  entry: 'index' | 'server';
  /** The loader: `<entry>.js`. */
  file: string;
  bundleFile: string;
  /** The bundle's SHA-256, which a code cache must be made for. */
  key: string;
  /** `<entry>.bundle.js.v8cache`, when one made for this bundle is there. */
  codeCacheBytes?: number;
  /** A cache was there and was removed: made for the bundle before this build, or damaged. */
  codeCacheDropped?: true;
}

export interface OnDemandFile {
  package: string;
  /** `<function folder>/on-demand/<package>.js`, the path the bundle requires it by. */
  file: string;
  bytes: number;
}

/**
 * What every file of a function is: one minified CommonJS file for Node 20, FC's `nodejs20`. No keepNames: it
 * renames every function again as the bundle loads (about 1 ms of each cold start). Stack traces name minified
 * functions: the linked source map, deployed beside the bundle, names the originals when a trace is read against
 * it (FC does not run Node with --enable-source-maps). Errors set their own `name`.
 */
const FOR_FC = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** What every function may ship, all its JavaScript (see the README's "Deploy" section for the figures). */
export const BUNDLE_BUDGET_BYTES = 300_000;

const HTTPX = /[\\/]node_modules[\\/]httpx[\\/]/;
const JMESPATH = /[\\/]node_modules[\\/]@aws-lambda-powertools[\\/]jmespath[\\/]/;
const POP_CORE = /[\\/]node_modules[\\/]@alicloud[\\/]pop-core[\\/]/;

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
 * pop-core's `assert`, which it calls only to check a client's config as the client is built: Node's `assert`
 * is loaded when a check fails, and throws the same AssertionError. A cold start does not load it (and its
 * error and call-tracker modules) for checks that pass: about 0.8 ms of each function's load here.
 */
const assertOnFailure = replacedFor(
  'pop-core',
  POP_CORE,
  'assert',
  // A call checks its value here and lets the real `ok` (with the same arguments) decide and throw; any other
  // use of the module reaches the real one.
  "module.exports = new Proxy(() => {}, { apply: (_, self, args) => { if (!args[0]) require('node:assert').ok(...args); }, get: (_, key) => require('node:assert')[key] });",
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
 * pop-core's json-bigint is functions/lib/cloud/answerJson.ts, which parses an answer with V8's JSON.parse
 * wherever json-bigint would give the same values, and hands json-bigint (then loaded from beside the bundle)
 * the rest.
 */
const answerJsonPath = fileURLToPath(new URL('../../functions/lib/cloud/answerJson.ts', import.meta.url));
const popCoreAnswerJson = replacedFor(
  'pop-core',
  POP_CORE,
  'json-bigint',
  `module.exports = require(${JSON.stringify(answerJsonPath)}).answerJson(() => require('json-bigint'));`,
);

/**
 * Packages a function needs only on a rare path: each is shipped beside the bundle as
 * `on-demand/<package>.js` (with what it requires) and loaded at its first require. Inside the bundle, even a
 * module that never runs costs every cold start the parse of its text (about 3 ms per 100 KB here).
 * - json-bigint, with bignumber.js (24 KB): for an answer with a number of more than 15 characters, or another
 *   text V8's JSON.parse may read otherwise (functions/lib/cloud/answerJson.ts).
 * - js-yaml's `load` (46 KB): for reconcile's desired state when it is YAML; the build ships it as JSON.
 * A package named with its exports ships only those (test/deploy/deployment.test.ts holds the functions'
 * imports of it to them); `'whole'` ships all of it.
 */
export const ON_DEMAND_PACKAGES: Readonly<Record<string, 'whole' | readonly string[]>> = {
  'json-bigint': 'whole',
  'js-yaml': ['load'],
};

const onDemandPath = (pkg: string) => `./on-demand/${pkg}.js`;

/** Leaves ON_DEMAND_PACKAGES out of the bundle, required from beside it; records where each resolved. */
function shippedBeside(resolved: Map<string, string>): Plugin {
  const names = new Set(Object.keys(ON_DEMAND_PACKAGES));
  return {
    name: 'on-demand',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (!names.has(args.path) || args.pluginData === 'on-demand') return undefined;
        const real = await builder.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'on-demand',
        });
        if (real.errors.length > 0) return { errors: real.errors };
        const known = resolved.get(args.path);
        if (known !== undefined && known !== real.path)
          return { errors: [{ text: `two copies of ${args.path} (${known}, ${real.path}): one must go` }] };
        resolved.set(args.path, real.path);
        return { path: onDemandPath(args.path), external: true };
      });
    },
  };
}

/** Bundles each on-demand package a function's bundle requires into its folder's `on-demand/`. */
async function shipOnDemand(
  functionDir: string,
  bundleImports: readonly { path: string; external?: boolean }[],
  resolved: Map<string, string>,
): Promise<OnDemandFile[]> {
  const required = Object.keys(ON_DEMAND_PACKAGES).filter((pkg) =>
    bundleImports.some((i) => i.external && i.path === onDemandPath(pkg)),
  );
  const shipped: OnDemandFile[] = [];
  for (const pkg of required) {
    const file = join(functionDir, onDemandPath(pkg));
    mkdirSync(dirname(file), { recursive: true });
    const exports = ON_DEMAND_PACKAGES[pkg]!;
    const source = resolved.get(pkg)!;
    await build({
      ...(exports === 'whole'
        ? { entryPoints: [source] }
        : {
            stdin: {
              contents: `export { ${exports.join(', ')} } from ${JSON.stringify(source)};`,
              resolveDir: dirname(source),
              sourcefile: `on-demand-${pkg}.js`,
            },
          }),
      outfile: file,
      ...FOR_FC,
    });
    shipped.push({ package: pkg, file, bytes: statSync(file).size });
  }
  return shipped;
}

/**
 * Removes the code cache beside a bundle unless it was made for the bundle about to be written (`text`): a
 * build that changed nothing keeps the cache `mirrorflow code-cache` fetched, one that changed the bundle drops
 * it, before the bundle is written, so a build stopped halfway never leaves a cache beside a bundle it was not
 * made for. (The loader checks the key it was written with, and V8 only a source's length.)
 */
function keepCacheOnlyFor(bundleFile: string, text: string): boolean {
  const cacheFile = cacheFileOf(bundleFile);
  if (!existsSync(cacheFile) || codeCacheFileIsFor(readFileSync(cacheFile), codeCacheKey(text))) return false;
  rmSync(cacheFile);
  return true;
}

/** Writes `<entry>.js`, the loader of `<entry>.bundle.js` (codeCacheLoader.ts), once the bundle is written. */
function writeLoader(dir: string, entry: BundleEntry['entry'], dropped: ReadonlySet<string>): BundleEntry {
  const bundleFile = join(dir, `${entry}.bundle.js`);
  const key = codeCacheKey(readFileSync(bundleFile, 'utf8'));
  const file = join(dir, `${entry}.js`);
  writeFileSync(file, loaderSource({ entry, bundleName: `${entry}.bundle.js`, key }));
  const cacheFile = cacheFileOf(bundleFile);
  if (existsSync(cacheFile))
    return { entry, file, bundleFile, key, codeCacheBytes: statSync(cacheFile).size };
  return {
    entry,
    file,
    bundleFile,
    key,
    ...(dropped.has(bundleFile) ? { codeCacheDropped: true as const } : {}),
  };
}

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
  const onDemandSources = new Map<string, string>();
  const result = await build({
    metafile: true,
    // index.ts is the handler (`index.handler`); a server.ts beside it is the entry a custom runtime's
    // command runs (`node server.js`).
    entryPoints: Object.fromEntries(
      names.flatMap((name) => [
        [`${name}/index.bundle`, join(functionsDir, name, 'index.ts')],
        ...(existsSync(join(functionsDir, name, 'server.ts'))
          ? [[`${name}/server.bundle`, join(functionsDir, name, 'server.ts')]]
          : []),
      ]),
    ),
    outdir: outDir,
    ...FOR_FC,
    // Written below, after each stale code cache is gone (keepCacheOnlyFor).
    write: false,
    // @alicloud/fc2 → ali-oss → urllib requires proxy-agent dynamically; it is never used on FC.
    external: ['proxy-agent'],
    // The replacements first: pop-core's json-bigint is answerJson, whose own require is the one shipped beside.
    plugins: [
      popCoreAnswerJson,
      assertOnFailure,
      neverDebug,
      zlibOnDemand,
      jmespathZlibOnDemand,
      shippedBeside(onDemandSources),
    ],
  });
  const dropped = new Set(
    result.outputFiles
      .filter((output) => output.path.endsWith('.bundle.js') && keepCacheOnlyFor(output.path, output.text))
      .map((output) => output.path),
  );
  for (const output of result.outputFiles) {
    mkdirSync(dirname(output.path), { recursive: true });
    writeFileSync(output.path, output.contents);
  }
  const outputs = Object.entries(result.metafile.outputs);
  const outputOf = (file: string) => outputs.find(([path]) => resolve(path) === file)?.[1];
  const results: BundleResult[] = [];
  for (const name of names) {
    const bundleFile = join(outDir, name, 'index.bundle.js');
    const output = outputOf(bundleFile);
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
    // server.js (a custom runtime's entry) shares the folder's on-demand files with index.js.
    const serverBundle = join(outDir, name, 'server.bundle.js');
    const imports = [bundleFile, serverBundle].flatMap((f) => outputOf(f)?.imports ?? []);
    const onDemand = await shipOnDemand(join(outDir, name), imports, onDemandSources);
    const entries = (['index', 'server'] as const)
      .filter((entry) => outputOf(join(outDir, name, `${entry}.bundle.js`)) !== undefined)
      .map((entry) => writeLoader(join(outDir, name), entry, dropped));
    const shippedBytes =
      entries.reduce((sum, e) => sum + statSync(e.file).size + statSync(e.bundleFile).size, 0) +
      onDemand.reduce((sum, f) => sum + f.bytes, 0);
    results.push({
      name,
      file: entries[0]!.file,
      bundleFile,
      bytes: statSync(bundleFile).size,
      entries,
      packages,
      onDemand,
      shippedBytes,
    });
  }
  return results;
}
