/** `mirrorflow bench`: the polling benchmark; figures are printed, not asserted. */
import type { Command } from 'commander';
import { formatBench, runPollingBench } from '../../bench/polling.js';
import { type CliIo, EXIT } from '../io.js';
import { parseNumberOption } from './emulator.js';

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
      'virtual seconds per real second (higher is faster, but magnifies real overheads)',
      '10',
    )
    .option('--min-create <s>', 'shortest creation time (virtual seconds)', '5')
    .option('--max-create <s>', 'longest creation time (virtual seconds)', '60')
    .option('--json', 'machine-readable figures')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const result = await runPollingBench({
        sessions: parseNumberOption('--sessions', String(o.sessions), 1, 500),
        reconcileSessions: parseNumberOption('--reconcile-sessions', String(o.reconcileSessions), 1, 1000),
        seed: parseNumberOption('--seed', String(o.seed), 0, 2 ** 31),
        timeScale: parseNumberOption('--time-scale', String(o.timeScale), 1, 1000),
        createSeconds: {
          min: parseNumberOption('--min-create', String(o.minCreate), 0, 3600),
          max: parseNumberOption('--max-create', String(o.maxCreate), 0, 3600),
        },
        progress: (line) => io.err(line),
      });
      io.out(o.json ? JSON.stringify(result) : formatBench(result));
      setExit(EXIT.ok);
    });
}
