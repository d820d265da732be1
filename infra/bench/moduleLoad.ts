/**
 * The module-load benchmark: how much longer a Node process takes to start and load a function than to start
 * bare (`node -e 0`), measured in rounds — a bare start, then the function as deployed with the code cache it
 * made for itself, as first deployed (no cache), with a cache V8 refuses, and its Node built-ins alone —
 * alternately, so a machine busy for a moment slows every start of a round alike. The budget: ≤ 1.3× a bare
 * start, for the function as deployed with its cache. Printed. A function is measured as FC starts it:
 * check-status, a custom runtime, by its `server.js` until the port listens; the others by `index.js`.
 *
 * The cache is made as `mirrorflow code-cache` has the deployed function make it: by the function, in a
 * process that has loaded it, so with the same Node build and flags as the starts that use it (on FC, the
 * runtime's own). The refused one is made with another V8 flag: what a start pays when FC's runtime changed
 * after the cache was made.
 *
 * Beside them, a start that loads only the Node built-ins loading the bundle loads (its SDK's `http`, `https`,
 * `crypto`…): the part of the load no change to mirrorflow's own code can remove.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LOADED_CODE } from '../../functions/lib/runtime/codeCache.js';
import { BUNDLE_BUDGET_BYTES, type BundleResult, bundleFunctions } from '../build/bundleFunctions.js';
import { cacheFileOf } from '../build/codeCacheLoader.js';

export interface LoadBenchResult {
  scenario: 'load';
  pairs: number;
  functions: {
    name: string;
    /** The file FC starts with: `index.js`, or a custom runtime's `server.js` (timed until it listens). */
    entry: string;
    /** The size of the bundle the entry loads. */
    bytes: number;
    /** The code cache the function made for itself. */
    codeCacheBytes: number;
    /** All the JavaScript the function ships (entry, bundle, on-demand files): what the size budget holds. */
    shippedBytes: number;
    bareMs: number;
    /** As first deployed: no code cache beside the bundle. */
    loadMs: number;
    ratio: number;
    /** The Node built-ins loading the bundle loads, loaded alone. */
    builtins: string[];
    builtinsMs: number;
    builtinsRatio: number;
    /**
     * With the bundle ÷ its built-ins alone: the load over a Node that has already loaded them, as FC's own
     * runtime, an HTTP server, may well have (its code is not public, so this is a reference, not the budget).
     */
    overBuiltinsRatio: number;
    /** As deployed after `mirrorflow code-cache`: with the cache it made for itself. What the budget holds. */
    cachedMs: number;
    cachedRatio: number;
    /** With a cache V8 refuses (made under another flag): FC's runtime changed since the cache was made. */
    refusedMs: number;
    refusedRatio: number;
  }[];
  budget: { ratio: number; bytes: number };
}

/** A custom runtime's server listens on a port of the system's choosing, so rounds never collide. */
const serverEnv = { ...process.env, FC_CUSTOM_LISTEN_PORT: '0' };

function startMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { stdio: 'ignore', env: serverEnv });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * What FC starts for a function: its handler module, or for a custom runtime (check-status) the server its
 * command runs, whose start FC counts until the port listens.
 */
function entryOf(bundle: BundleResult): { file: string; bundleFile: string; serves: boolean } {
  const server = bundle.entries.find((e) => e.entry === 'server');
  return server
    ? { file: server.file, bundleFile: server.bundleFile, serves: true }
    : { file: bundle.file, bundleFile: bundle.bundleFile, serves: false };
}

/** Before a server's entry loads: its server closes once it listens, so the start ends there. */
export const closeOnceListening = `{const net=require('node:net'),listen=net.Server.prototype.listen;
net.Server.prototype.listen=function(...a){this.once('listening',()=>this.close());return listen.apply(this,a)}}`;

/**
 * Has the function make its code cache as `mirrorflow code-cache` has a deployed one make it: a Node (with
 * `flags`) loads the entry, and the function answers a code-cache request — its handler, or a custom
 * runtime's server on `POST /invoke` — whose answer is written where the loader looks.
 */
function makeCodeCache(entry: { file: string; bundleFile: string; serves: boolean }, flags: string[]): void {
  const request = JSON.stringify(JSON.stringify({ mirrorflowCodeCache: 'bench' }));
  const write = `(answer) => require('node:fs').writeFileSync(${JSON.stringify(cacheFileOf(entry.bundleFile))}, Buffer.from(answer.cache, 'base64'))`;
  const script = entry.serves
    ? `const net = require('node:net'), http = require('node:http'), listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  this.once('listening', () => {
    const ask = http.request({ port: this.address().port, method: 'POST', path: '/invoke' }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => { (${write})(JSON.parse(Buffer.concat(chunks).toString())); this.close(); });
    });
    ask.end(${request});
  });
  return listen.apply(this, a);
};
require(${JSON.stringify(entry.file)});`
    : `require(${JSON.stringify(entry.file)}).handler(Buffer.from(${request}), { requestId: 'bench' }).then(${write});`;
  // Its log line (the function logs the request) stays out of the bench's own output, which may be JSON.
  const run = spawnSync(process.execPath, [...flags, '-e', script], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: serverEnv,
  });
  if (run.status !== 0) throw new Error(`making the code cache of ${entry.file} exited ${run.status}`);
}

/** Whether a start of the entry compiles it from its cache (`used`) or not. */
function cacheStatus(entry: { file: string; serves: boolean }): string {
  const script = `${entry.serves ? closeOnceListening : ''}require(${JSON.stringify(entry.file)});
process.stdout.write(globalThis[Symbol.for(${JSON.stringify(LOADED_CODE.description)})].status)`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: serverEnv }).stdout;
}

/** The function's folder, copied beside itself as `<name>-<variant>` (each start's files differ only in the cache). */
function variantOf(
  entry: { file: string; bundleFile: string; serves: boolean },
  variant: string,
): { file: string; bundleFile: string; serves: boolean } {
  const dir = dirname(entry.file);
  const copy = `${dir}-${variant}`;
  cpSync(dir, copy, { recursive: true });
  return {
    ...entry,
    file: join(copy, basename(entry.file)),
    bundleFile: join(copy, basename(entry.bundleFile)),
  };
}

/** The public Node built-ins loading the bundle loads (what it requires, and what those require in turn). */
function builtinsOf(file: string, serves: boolean): string[] {
  const script = `const before = new Set(process.moduleLoadList); ${serves ? closeOnceListening : ''}
require(${JSON.stringify(file)});
process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))))`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: serverEnv });
  if (run.status !== 0) throw new Error(`loading ${file} exited ${run.status}`);
  // Public modules only: `http`, `tls` and the like load their `_http_*`, `_tls_*` parts themselves.
  const isPublic = (name: string) =>
    isBuiltin(name) && !name.startsWith('internal/') && !name.startsWith('_');
  return (JSON.parse(run.stdout) as string[])
    .filter((m) => m.startsWith('NativeModule '))
    .map((m) => m.slice('NativeModule '.length))
    .filter(isPublic)
    .sort();
}

export async function runLoadBench(options: { pairs: number }): Promise<LoadBenchResult> {
  const out = mkdtempSync(join(tmpdir(), 'mf-load-'));
  const bundles = await bundleFunctions({ functionsDir: 'functions', outDir: out });
  const functions = bundles.map((bundle) => {
    const entry = entryOf(bundle);
    const { file, serves } = entry;
    const cached = variantOf(entry, 'cached');
    makeCodeCache(cached, []);
    const refused = variantOf(entry, 'refused');
    makeCodeCache(refused, ['--stack-trace-limit=11']);
    rmSync(cacheFileOf(entry.bundleFile), { force: true });
    for (const [variant, expected] of [
      [cached, 'used'],
      [refused, 'refused'],
      [entry, 'none'],
    ] as const) {
      const status = cacheStatus(variant);
      if (status !== expected)
        throw new Error(`${variant.file} loaded with code cache "${status}", not "${expected}"`);
    }
    const ratios: number[] = [];
    const cachedRatios: number[] = [];
    const bare: number[] = [];
    const loaded: number[] = [];
    const cachedStarts: number[] = [];
    const refusedRatios: number[] = [];
    const refusedStarts: number[] = [];
    const builtinRatios: number[] = [];
    const overBuiltinRatios: number[] = [];
    const builtinStarts: number[] = [];
    const builtins = builtinsOf(file, serves);
    const loadBuiltins = builtins.map((name) => `require(${JSON.stringify(name)})`).join(';') || '0';
    for (let i = 0; i < options.pairs; i++) {
      const b = startMs(['-e', '0']);
      const l = startMs(['-e', `${serves ? closeOnceListening : ''}require(${JSON.stringify(file)})`]);
      const c = startMs(['-e', `${serves ? closeOnceListening : ''}require(${JSON.stringify(cached.file)})`]);
      const r = startMs([
        '-e',
        `${serves ? closeOnceListening : ''}require(${JSON.stringify(refused.file)})`,
      ]);
      const n = startMs(['-e', loadBuiltins]);
      bare.push(b);
      loaded.push(l);
      cachedStarts.push(c);
      refusedStarts.push(r);
      builtinStarts.push(n);
      ratios.push(l / b);
      cachedRatios.push(c / b);
      refusedRatios.push(r / b);
      builtinRatios.push(n / b);
      overBuiltinRatios.push(l / n);
    }
    const twoPlaces = (n: number) => Math.round(n * 100) / 100;
    return {
      name: bundle.name,
      entry: basename(file),
      bytes: statSync(entry.bundleFile).size,
      codeCacheBytes: statSync(cacheFileOf(cached.bundleFile)).size,
      shippedBytes: bundle.shippedBytes,
      bareMs: Math.round(median(bare)),
      loadMs: Math.round(median(loaded)),
      ratio: twoPlaces(median(ratios)),
      builtins,
      builtinsMs: Math.round(median(builtinStarts)),
      builtinsRatio: twoPlaces(median(builtinRatios)),
      overBuiltinsRatio: twoPlaces(median(overBuiltinRatios)),
      cachedMs: Math.round(median(cachedStarts)),
      cachedRatio: twoPlaces(median(cachedRatios)),
      refusedMs: Math.round(median(refusedStarts)),
      refusedRatio: twoPlaces(median(refusedRatios)),
    };
  });
  return {
    scenario: 'load',
    pairs: options.pairs,
    functions,
    budget: { ratio: 1.3, bytes: BUNDLE_BUDGET_BYTES },
  };
}

export function formatLoadBench(r: LoadBenchResult): string {
  const kb = (bytes: number) => Math.round(bytes / 1000);
  return [
    `module load: node starting with the function vs bare \`node -e 0\`, median of ${r.pairs} alternating rounds (budget ${r.budget.ratio}×, as deployed with its code cache)`,
    ...r.functions.map((f) =>
      [
        `  ${`${f.name} (${f.entry})`.padEnd(26)} bare ${f.bareMs} ms; with its code cache ${f.cachedMs} ms: ${f.cachedRatio}×`,
        `before \`mirrorflow code-cache\` ${f.loadMs} ms: ${f.ratio}×`,
        `with a refused cache ${f.refusedMs} ms: ${f.refusedRatio}×`,
        `its Node built-ins alone ${f.builtinsMs} ms: ${f.builtinsRatio}× (the function over them: ${f.overBuiltinsRatio}×)`,
        `bundle ${kb(f.bytes)} KB, ${kb(f.shippedBytes)} KB of JavaScript shipped (budget ${kb(r.budget.bytes)}), code cache ${kb(f.codeCacheBytes)} KB`,
      ].join('; '),
    ),
    `Node built-ins: those loading the functions loads (${[...new Set(r.functions.flatMap((f) => f.builtins))].sort().join(', ')}), loaded alone, with no code of mirrorflow's or its packages'; "the function over them": the load over a Node that has loaded them already, as FC's own runtime (an HTTP server) may have — a reference, not the budget`,
    "code cache: made by the function in a Node that loaded it, as `mirrorflow code-cache` has the deployed function make it (here with this machine's Node, which the starts then use; on FC, with FC's own build and flags); a refused cache was made under another V8 flag, as when FC's runtime changes after the cache was made",
  ].join('\n');
}
