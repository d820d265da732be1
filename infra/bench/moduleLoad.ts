/**
 * The module-load benchmark: how much longer a Node process takes to start and load a function's bundle than
 * to start bare (`node -e 0`), measured in rounds — a bare start, one with the bundle, one with the bundle and
 * a V8 code cache, alternately — so a machine busy for a moment slows every start of a round alike. The
 * budget: ≤ 1.3× a bare start. Printed. A function is measured as FC starts it: check-status, a custom runtime,
 * by its `server.js` until the port listens; the others by their handler module.
 *
 * Beside them, a start that loads only the Node built-ins loading the bundle loads (its SDK's `http`, `https`,
 * `crypto`…): the part of the load no change to mirrorflow's own code can remove.
 *
 * The code cache is measured, not shipped: V8 takes a cache only from its own version and flags, and FC's
 * runtime is documented only as "Node.js 20.x", so a cache built where the product is deployed from would
 * most likely be refused there. The figure says what a runtime with a known Node build (or Node 22's
 * `module.enableCompileCache`) would gain.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BUNDLE_BUDGET_BYTES, bundleFunctions } from '../build/bundleFunctions.js';

export interface LoadBenchResult {
  scenario: 'load';
  pairs: number;
  functions: {
    name: string;
    /** The file FC starts with: `index.js`, or a custom runtime's `server.js` (timed until it listens). */
    entry: string;
    /** The entry file's size. */
    bytes: number;
    /** All the JavaScript the function ships (entry, bundle, on-demand files): what the size budget holds. */
    shippedBytes: number;
    bareMs: number;
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
    /** With a V8 code cache of the bundle made on this machine (see above). */
    cachedMs: number;
    cachedRatio: number;
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
function entryOf(bundle: { file: string }): { file: string; serves: boolean } {
  const server = join(dirname(bundle.file), 'server.js');
  return existsSync(server) ? { file: server, serves: true } : { file: bundle.file, serves: false };
}

/** Before a server's entry loads: its server closes once it listens, so the start ends there. */
const closeOnceListening = `{const net=require('node:net'),listen=net.Server.prototype.listen;
net.Server.prototype.listen=function(...a){this.once('listening',()=>this.close());return listen.apply(this,a)}}`;

/**
 * A `node -e` script that loads the bundle as `require` would (the CommonJS wrapper, its own module object and
 * `require`, in the module cache), compiled with the code cache beside it — or, with `make`, compiles it
 * without one and writes the cache after running it, so the cache holds the functions the load compiled.
 */
function cachedLoad(file: string, mode: 'make' | 'use', serves: boolean): string {
  return `${serves ? closeOnceListening : ''}const fs=require('node:fs'),vm=require('node:vm'),path=require('node:path'),Module=require('node:module');
const f=${JSON.stringify(file)},c=f+'.v8cache';
const s=new vm.Script(Module.wrap(fs.readFileSync(f,'utf8')),{filename:f${mode === 'use' ? ',cachedData:fs.readFileSync(c)' : ''}});
${mode === 'use' ? "if(s.cachedDataRejected)throw new Error('code cache refused');" : ''}
const m=new Module(f,null);m.filename=f;m.paths=Module._nodeModulePaths(path.dirname(f));Module._cache[f]=m;
s.runInThisContext().call(m.exports,m.exports,Module.createRequire(f),m,f,path.dirname(f));m.loaded=true;
${mode === 'make' ? 'fs.writeFileSync(c,s.createCachedData());' : ''}`;
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
    const { file, serves } = entryOf(bundle);
    startMs(['-e', cachedLoad(file, 'make', serves)]);
    if (!existsSync(`${file}.v8cache`)) throw new Error(`no code cache was written for ${bundle.name}`);
    const ratios: number[] = [];
    const cachedRatios: number[] = [];
    const bare: number[] = [];
    const loaded: number[] = [];
    const cached: number[] = [];
    const builtinRatios: number[] = [];
    const overBuiltinRatios: number[] = [];
    const builtinStarts: number[] = [];
    const builtins = builtinsOf(file, serves);
    const loadBuiltins = builtins.map((name) => `require(${JSON.stringify(name)})`).join(';') || '0';
    for (let i = 0; i < options.pairs; i++) {
      const b = startMs(['-e', '0']);
      const l = startMs(['-e', `${serves ? closeOnceListening : ''}require(${JSON.stringify(file)})`]);
      const c = startMs(['-e', cachedLoad(file, 'use', serves)]);
      const n = startMs(['-e', loadBuiltins]);
      bare.push(b);
      loaded.push(l);
      cached.push(c);
      builtinStarts.push(n);
      ratios.push(l / b);
      cachedRatios.push(c / b);
      builtinRatios.push(n / b);
      overBuiltinRatios.push(l / n);
    }
    const twoPlaces = (n: number) => Math.round(n * 100) / 100;
    return {
      name: bundle.name,
      entry: basename(file),
      bytes: statSync(file).size,
      shippedBytes: bundle.shippedBytes,
      bareMs: Math.round(median(bare)),
      loadMs: Math.round(median(loaded)),
      ratio: twoPlaces(median(ratios)),
      builtins,
      builtinsMs: Math.round(median(builtinStarts)),
      builtinsRatio: twoPlaces(median(builtinRatios)),
      overBuiltinsRatio: twoPlaces(median(overBuiltinRatios)),
      cachedMs: Math.round(median(cached)),
      cachedRatio: twoPlaces(median(cachedRatios)),
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
  return [
    `module load: node starting with the bundle vs bare \`node -e 0\`, median of ${r.pairs} alternating rounds`,
    ...r.functions.map(
      (f) =>
        `  ${`${f.name} (${f.entry})`.padEnd(26)} ${String(Math.round(f.bytes / 1000)).padStart(4)} KB, ${Math.round(f.shippedBytes / 1000)} KB shipped (budget ${r.budget.bytes / 1000})   bare ${f.bareMs} ms, with bundle ${f.loadMs} ms: ${f.ratio}× (budget ${r.budget.ratio}×); with a code cache ${f.cachedMs} ms: ${f.cachedRatio}×; its Node built-ins alone ${f.builtinsMs} ms: ${f.builtinsRatio}× (the bundle over them: ${f.overBuiltinsRatio}×)`,
    ),
    `Node built-ins: those loading the bundles loads (${[...new Set(r.functions.flatMap((f) => f.builtins))].sort().join(', ')}), loaded alone, with no code of mirrorflow's or its packages'; "the bundle over them": the load over a Node that has loaded them already, as FC's own runtime (an HTTP server) may have — a reference, not the budget`,
    'code cache: V8 code made on this machine, measured and not shipped (V8 takes it only from its own version and flags; FC documents "Node.js 20.x")',
  ].join('\n');
}
