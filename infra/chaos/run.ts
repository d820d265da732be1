/**
 * Runs the rows, one fresh cloud each, one after the other (so each row has the machine to itself and its
 * counts are its own), and reports them: counts, the goals each misses, wall seconds, notes.
 */
import type { Scenario } from './scenario.js';
import type { ChaosContext } from './stack.js';
import { type Column, missedGoals, type RowCounts, tally } from './tally.js';

export interface RowReport {
  id: string;
  title: string;
  /** null: the row did not run (skipped) or broke before it could count. */
  counts: RowCounts | null;
  missed: Column[];
  wallSeconds: number;
  settled: boolean;
  notes: string[];
  skipped?: string;
  error?: string;
}

export interface ChaosReport {
  options: { requests: number; fuzzCount: number; seed: number; timeScale: number; senderAttempts: number };
  rows: RowReport[];
  wallSeconds: number;
  goalsMet: boolean;
}

/** A row that is listed but not run, with the reason. */
export interface SkippedRow {
  id: string;
  title: string;
  skipped: string;
}

export async function runChaos(
  ctx: ChaosContext,
  scenarios: readonly (Scenario | SkippedRow)[],
): Promise<ChaosReport> {
  const started = Date.now();
  const rows: RowReport[] = [];
  for (const scenario of scenarios) {
    if ('skipped' in scenario) {
      rows.push({ ...scenario, counts: null, missed: [], wallSeconds: 0, settled: true, notes: [] });
      continue;
    }
    ctx.progress(`${scenario.id}: running…`);
    const t0 = Date.now();
    try {
      const outcome = await scenario.run(ctx);
      const counts = tally(outcome.observation);
      const row: RowReport = {
        id: scenario.id,
        title: scenario.title,
        counts,
        missed: missedGoals(counts),
        wallSeconds: (Date.now() - t0) / 1000,
        settled: outcome.settled,
        notes: [
          ...(outcome.settled
            ? []
            : [`not settled within ${ctx.settleTimeoutMs / 1000} s: what had no answer counts as lost`]),
          ...outcome.notes,
          ...detailNotes(counts),
        ],
      };
      rows.push(row);
      ctx.progress(
        `${scenario.id}: ${row.wallSeconds.toFixed(1)} s, ${row.missed.length === 0 ? 'goals met' : `missed ${row.missed.join(', ')}`}`,
      );
    } catch (error) {
      rows.push({
        id: scenario.id,
        title: scenario.title,
        counts: null,
        missed: ['answeredOnce'],
        wallSeconds: (Date.now() - t0) / 1000,
        settled: false,
        notes: [],
        error: error instanceof Error ? error.message : String(error),
      });
      ctx.progress(`${scenario.id}: broke: ${String((error as Error)?.message ?? error)}`);
    }
  }
  return {
    options: {
      requests: ctx.requests,
      fuzzCount: ctx.fuzzCount,
      seed: ctx.seed,
      timeScale: ctx.timeScale,
      senderAttempts: ctx.senderAttempts,
    },
    rows,
    wallSeconds: (Date.now() - started) / 1000,
    goalsMet: rows.every((r) => r.missed.length === 0),
  };
}

/** What the duplicates and the shortfall of "answered once" are made of, when they are not zero. */
function detailNotes(counts: RowCounts): string[] {
  const d = counts.detail;
  const parts = [
    d.extraSessions && `${d.extraSessions} extra sessions`,
    d.extraEvents && `${d.extraEvents} extra completion events`,
    d.strayEvents && `${d.strayEvents} completion events for no request sent`,
    d.replaysAnsweredAsNew && `${d.replaysAnsweredAsNew} answers naming another request`,
    d.failedAfterReady && `${d.failedAfterReady} Failed after a Ready`,
    d.wrongOutcome && `${d.wrongOutcome} answered with an outcome the row does not expect`,
    d.answeredUnaccepted && `${d.answeredUnaccepted} requests not accepted but answered`,
  ].filter(Boolean);
  const outcomes = Object.entries(d.outcomes)
    .map(([o, n]) => `${o} ${n}`)
    .join(', ');
  return [`answered once: ${outcomes || 'none'}${parts.length ? `; ${parts.join('; ')}` : ''}`];
}
