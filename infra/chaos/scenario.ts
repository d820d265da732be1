/** What one row of the table is: a name, and a run that answers what the tally counts. */
import type { ChaosContext } from './stack.js';
import type { RowObservation } from './tally.js';
import type { WireCounts } from './wire.js';

export interface RowOutcome {
  observation: RowObservation;
  /** One line each, printed under the table (what the counts are made of, how the row treated its answers). */
  notes: string[];
  /** false: the cloud was still busy at the cap, so what had no answer yet counts as lost. */
  settled: boolean;
}

export interface Scenario {
  /** Short, stable name (the `--rows` option, the JSON output). */
  id: string;
  /** The row's label in the table. */
  title: string;
  run(ctx: ChaosContext): Promise<RowOutcome>;
}

/** The answers by status, e.g. `202×240 503×12 dropped×1 (5xx codes: Throttling.User 12)`. */
export function statusLine(counts: WireCounts): string {
  const statuses = Object.entries(counts.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  const codes = Object.keys(counts.serverErrorCodes).length
    ? ` (5xx codes: ${reasonLine(counts.serverErrorCodes)})`
    : '';
  return statuses + codes;
}

/** `Ready 48, Failed 2 (Mirror.Undeliverable 2)`. */
export function reasonLine(reasons: Record<string, number>): string {
  const entries = Object.entries(reasons).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? 'none' : entries.map(([r, n]) => `${r} ${n}`).join(', ');
}
