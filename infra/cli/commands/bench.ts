/** `mirrorflow bench`: the benchmarks (polling, reconcile at scale, plan CPU, module load, memory); figures are printed, not asserted. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../../functions/lib/runtime/config.js';
import { formatMemoryBench, runMemoryBench } from '../../bench/memory.js';
import { formatLoadBench, runLoadBench } from '../../bench/moduleLoad.js';
import { formatPlanBench, runPlanBench } from '../../bench/plan.js';
import { formatBench, runPollingBench } from '../../bench/polling.js';
import { formatReconcileScale, runReconcileScale } from '../../bench/reconcileScale.js';
import { bundleFunctions } from '../../build/bundleFunctions.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { parseNumberOption } from './emulator.js';

/** --rate as reconcile reads MIRRORFLOW_RECONCILE_CREATES_PER_SECOND: a value it refuses would fail every run. */
function reconcileRate(value: string): number {
  try {
    return loadConfig({ MIRRORFLOW_RECONCILE_CREATES_PER_SECOND: value }).reconcileCreatesPerSecond;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(`--rate: ${error.problems.map((p) => p.rule).join('; ')}`);
  }
}

/** What every run on a local cloud takes: the seed of its draws, its time scale and its creation times. */
function stackOptions(o: Record<string, string | boolean | undefined>) {
  return {
    seed: parseNumberOption('--seed', String(o.seed), 0, 2 ** 31),
    timeScale: parseNumberOption('--time-scale', String(o.timeScale), 1, 1000),
    createSeconds: {
      min: parseNumberOption('--min-create', String(o.minCreate), 0, 3600),
      max: parseNumberOption('--max-create', String(o.maxCreate), 0, 3600),
    },
  };
}

export function registerBench(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('bench')
    .description(
      'measure List calls per session and detection lag, mirrorflow vs a fixed 5-second poller, on the local cloud',
    )
    .option('--sessions <n>', 'requests in the polling comparison', '60')
    .option('--reconcile-sessions <n>', 'sessions in the reconcile batch', '100')
    .option('--seed <n>', 'seed of the creation-time draws', '42')
    .option(
      '--time-scale <x>',
      'virtual seconds per real second (higher is faster, but magnifies real overheads: at 10×, 50 ms of real work reads as 0.5 s of lag)',
      '4',
    )
    .option('--min-create <s>', 'shortest creation time (virtual seconds)', '5')
    .option('--max-create <s>', 'longest creation time (virtual seconds)', '60')
    .option(
      '--scenario <name>',
      'polling (default), reconcile (a desired state of --sessions N), plan (reconcile plan CPU), load (module load), memory (RSS of a long-running up)',
      'polling',
    )
    .option('--entries <n>', 'plan: desired entries (and as many existing sessions)', '20000')
    .option('--runs <n>', 'plan: runs (the median is printed)', '3')
    .option('--pairs <n>', 'load: bare/with-bundle process start pairs', '15')
    .option('--requests <n>', 'memory: requests in all', '20000')
    .option('--checkpoint <n>', 'memory: requests before the first measurement', '2000')
    .option(
      '--throttle <share>',
      'reconcile: share of every call throttled: VPC, CloudFlow, FC invoke, PutEvents (0–0.9)',
      '0',
    )
    .option('--rate <n>', 'reconcile: creates per second (MIRRORFLOW_RECONCILE_CREATES_PER_SECOND)', '10')
    .option(
      '--kill-at <share>',
      "reconcile: stop reconcile's running instance once this share of the sessions exists (0: never)",
      '0',
    )
    .option('--json', 'machine-readable figures')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      if (o.scenario === 'plan') {
        const plan = runPlanBench({
          entries: parseNumberOption('--entries', String(o.entries), 1, 100_000),
          runs: parseNumberOption('--runs', String(o.runs), 1, 20),
        });
        io.out(o.json ? JSON.stringify(plan) : formatPlanBench(plan));
        return setExit(EXIT.ok);
      }
      if (o.scenario === 'load') {
        const load = await runLoadBench({ pairs: parseNumberOption('--pairs', String(o.pairs), 1, 200) });
        io.out(o.json ? JSON.stringify(load) : formatLoadBench(load));
        return setExit(EXIT.ok);
      }
      if (o.scenario === 'memory') {
        const requests = parseNumberOption('--requests', String(o.requests), 2, 1_000_000);
        const memory = await runMemoryBench({
          requests,
          checkpoint: parseNumberOption('--checkpoint', String(o.checkpoint), 1, requests - 1),
          timeScale: 1000,
          progress: (line) => io.err(line),
        });
        io.out(o.json ? JSON.stringify(memory) : formatMemoryBench(memory));
        return setExit(EXIT.ok);
      }
      if (o.scenario === 'reconcile') {
        // Every option checked before the bundles are built.
        const options = {
          sessions: parseNumberOption('--sessions', String(o.sessions), 1, 20_000),
          throttle: parseNumberOption('--throttle', String(o.throttle), 0, 0.9),
          ratePerSecond: reconcileRate(String(o.rate)),
          killAt: parseNumberOption('--kill-at', String(o.killAt), 0, 0.99),
          ...stackOptions(o),
        };
        const functionsDir = mkdtempSync(join(tmpdir(), 'mf-bench-dist-'));
        await bundleFunctions({ functionsDir: 'functions', outDir: functionsDir });
        const scale = await runReconcileScale({
          ...options,
          functionsDir,
          progress: (line) => io.err(line),
        });
        io.out(o.json ? JSON.stringify(scale) : formatReconcileScale(scale));
        return setExit(EXIT.ok);
      }
      if (o.scenario !== 'polling') {
        io.err(`--scenario must be polling, reconcile, plan, load or memory (got "${String(o.scenario)}")`);
        return setExit(EXIT.usage);
      }
      const result = await runPollingBench({
        sessions: parseNumberOption('--sessions', String(o.sessions), 1, 500),
        reconcileSessions: parseNumberOption('--reconcile-sessions', String(o.reconcileSessions), 1, 1000),
        ...stackOptions(o),
        progress: (line) => io.err(line),
      });
      io.out(o.json ? JSON.stringify(result) : formatBench(result));
      setExit(EXIT.ok);
    });
}
