/**
 * `npm run chaos`: the reliability suite. Each row drives the product on a fresh in-process local cloud with
 * one kind of trouble — duplicate deliveries, twin triggers, fault storms, replays, fuzzed input, a crash —
 * and counts what must never happen: a request accepted and not answered exactly once, a duplicate session or
 * event, a 5xx, a VPC call caused by invalid input. Prints one table (or `--json`); exits 1 if a goal is missed.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runChaos } from './run.js';
import { chaosRows } from './scenarios/index.js';
import { productBundles, removeBundles } from './stack.js';
import { formatReport, reportJson } from './table.js';

const whole = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return n;
};

/** Fuzz rows send this many malformed items per logical request of the other rows (≥ 1,000 by default). */
export const FUZZ_PER_REQUEST = 20;

export async function main(argv: string[]): Promise<number> {
  const program = new Command('chaos')
    .description('mirrorflow reliability suite on the local cloud: one table, exit 1 if a goal is missed')
    .option(
      '--requests <n>',
      'logical requests per row (fuzz rows: 20× as many items, at least 1,000); scales every row',
      whole(1, 5_000),
      50,
    )
    .option('--seed <s>', 'seed of faults, fuzzing and the cloud’s draws', whole(0, 2 ** 31), 42)
    .option('--time-scale <x>', 'virtual seconds per real second', whole(1, 2_000), 250)
    .option('--rows <ids>', 'comma-separated row ids to run (default: all)')
    .option('--settle-seconds <s>', 'real seconds a row may take to settle', whole(5, 3_600), 120)
    .option('--json', 'print one JSON object of the rows instead of the table')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    // --help exits 0; every other parse error is a usage error.
    return error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
  }
  const o = program.opts<{
    requests: number;
    seed: number;
    timeScale: number;
    rows?: string;
    settleSeconds: number;
    json?: boolean;
  }>();
  const wanted = o.rows?.split(',').map((s) => s.trim());
  let rows = chaosRows();
  if (wanted) {
    const unknown = wanted.filter((id) => !rows.some((r) => r.id === id));
    if (unknown.length > 0) {
      process.stderr.write(
        `unknown rows: ${unknown.join(', ')} (rows: ${rows.map((r) => r.id).join(', ')})\n`,
      );
      return 2;
    }
    rows = rows.filter((r) => wanted.includes(r.id));
  }
  process.stderr.write('bundling the functions (esbuild)…\n');
  const report = await runChaos(
    {
      requests: o.requests,
      fuzzCount: Math.max(1_000, FUZZ_PER_REQUEST * o.requests),
      seed: o.seed,
      timeScale: o.timeScale,
      functionsDir: await productBundles(),
      settleTimeoutMs: o.settleSeconds * 1000,
      senderAttempts: 8,
      progress: (line) => process.stderr.write(`${line}\n`),
    },
    rows,
  );
  removeBundles();
  process.stdout.write(`${o.json ? reportJson(report) : formatReport(report)}\n`);
  return report.goalsMet ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main(process.argv.slice(2));
