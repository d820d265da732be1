/**
 * The module-load benchmark: how much longer a Node process takes to start and load a function's bundle than
 * to start bare (`node -e 0`), measured in pairs — one bare start, one with the bundle, alternately — so a
 * machine busy for a moment slows both halves of a pair alike. The budget: ≤ 1.3× a bare start. Printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_BUDGET_BYTES, bundleFunctions } from '../build/bundleFunctions.js';

export interface LoadBenchResult {
  scenario: 'load';
  pairs: number;
  functions: { name: string; bytes: number; bareMs: number; loadMs: number; ratio: number }[];
  budget: { ratio: number; bytes: number };
}

function startMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runLoadBench(options: { pairs: number }): Promise<LoadBenchResult> {
  const out = mkdtempSync(join(tmpdir(), 'mf-load-'));
  const bundles = await bundleFunctions({ functionsDir: 'functions', outDir: out });
  const functions = bundles.map((bundle) => {
    const ratios: number[] = [];
    const bare: number[] = [];
    const loaded: number[] = [];
    for (let i = 0; i < options.pairs; i++) {
      const b = startMs(['-e', '0']);
      const l = startMs(['-e', `require(${JSON.stringify(bundle.file)})`]);
      bare.push(b);
      loaded.push(l);
      ratios.push(l / b);
    }
    return {
      name: bundle.name,
      bytes: bundle.bytes,
      bareMs: Math.round(median(bare)),
      loadMs: Math.round(median(loaded)),
      ratio: Math.round(median(ratios) * 100) / 100,
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
    `module load: node starting with the bundle vs bare \`node -e 0\`, median of ${r.pairs} alternating pairs`,
    ...r.functions.map(
      (f) =>
        `  ${f.name.padEnd(15)} ${String(Math.round(f.bytes / 1000)).padStart(4)} KB (budget ${r.budget.bytes / 1000})   bare ${f.bareMs} ms, with bundle ${f.loadMs} ms: ${f.ratio}× (budget ${r.budget.ratio}×)`,
    ),
  ].join('\n');
}
