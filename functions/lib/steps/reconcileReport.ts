/**
 * What a reconcile run says: the report it returns and logs (lists, counts, one line per entry), the
 * scheduled run's expiry sweep folded in, and the one `mirrorflow:Reconcile:Completed` event per run.
 */
import { cloudCallPolicy } from '../cloud/retry.js';
import { type HandOffResult, handOff } from '../cloud/workflowClient.js';
import type { CarriedPlan } from '../contract/carriedPlan.js';
import { runExecutionName } from '../contract/clientToken.js';
import { newJob } from '../contract/flowJob.js';
import {
  buildReconcileCompletedEvent,
  type ReconcileCounts,
  type ReconcileLists,
  type ReconcileRun,
  type RunAbandonment,
} from '../contract/reconcileEvent.js';
import type { RunPosition } from '../contract/reconcileProgress.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ExpiredSession } from './expiry.js';
import type { ProvisionResult } from './provision.js';
import { originEntry, type Plan, type PlannedEntry, type RegionalSession } from './reconcilePlan.js';

export interface ReportEntry {
  name: string;
  status: PlannedEntry['status'];
  result?: ProvisionResult['outcome'] | 'RetryLater';
  sessionId: string | null;
  foreign?: boolean;
  differences?: string[];
  problems?: PlannedEntry['problems'];
  error?: unknown;
}

export interface ReconcileReport {
  triggerTime: string;
  mode: 'apply' | 'plan';
  owner: string;
  regions: string[];
  prune: boolean;
  counts: ReconcileCounts;
  lists: ReconcileLists;
  entries: ReportEntry[];
  handOffs: { executionName: string; sessions: number; handOff: string }[];
  /** Where the next invocation takes the run up, when this one stopped before the end (reconcile.ts). */
  next?: RunPosition;
  /** What the next invocation can apply from without listing (carriedPlan.ts). */
  carry?: CarriedPlan;
  text: string;
}

export const emptyLists = (): ReconcileLists => ({
  created: [],
  updated: [],
  deleted: [],
  unchanged: [],
  invalid: [],
  failed: [],
  drifted: [],
  foreign: [],
  orphaned: [],
  wouldCreate: [],
  wouldUpdate: [],
  wouldDelete: [],
  retryLater: [],
});

/** What the plan alone says: the lists nothing in apply mode changes, and in plan mode what would happen. */
export function listsFromPlan(plan: Plan, mode: 'apply' | 'plan', prune: boolean): ReconcileLists {
  const lists = emptyLists();
  for (const e of plan.entries) {
    if (e.status === 'unchanged') lists.unchanged.push(e.name);
    if (e.status === 'drifted')
      lists.drifted.push({ name: e.name, sessionId: e.sessionId!, differences: e.differences });
    if (e.status === 'invalid') lists.invalid.push({ name: e.name, problems: e.problems });
    if (mode === 'plan' && e.status === 'create') lists.wouldCreate.push(e.name);
    if (mode === 'plan' && e.status === 'update')
      lists.wouldUpdate.push({ name: e.name, sessionId: e.sessionId!, changed: Object.keys(e.changes!) });
  }
  lists.foreign = plan.foreign;
  lists.orphaned = plan.orphaned;
  if (mode === 'plan' || !prune)
    lists.wouldDelete = plan.prune
      .filter((s) => s.TrafficMirrorSessionStatus !== 'Deleting')
      .map((s) => ({
        sessionId: s.TrafficMirrorSessionId,
        regionId: s.RegionId,
        reason: 'pruned' as const,
        entry: entryOf(s),
      }));
  return lists;
}

export const entryOf = (s: RegionalSession) => originEntry(s) ?? '';

export function describeReport(report: Omit<ReconcileReport, 'text'>): string {
  const c = report.counts;
  const lines = [
    `reconcile ${report.triggerTime} (${report.mode}, owner ${report.owner}, prune ${report.prune ? 'on' : 'off'}): ${c.desired} desired in ${report.regions.join(', ')}`,
    report.mode === 'plan'
      ? `  would create ${c.wouldCreate} · would update ${c.wouldUpdate} · would delete ${c.wouldDelete} · unchanged ${c.unchanged} · drifted ${c.drifted} · invalid ${c.invalid}`
      : `  created ${c.created} · updated ${c.updated} · deleted ${c.deleted} · unchanged ${c.unchanged} · failed ${c.failed} · retry later ${c.retryLater} · drifted ${c.drifted} · invalid ${c.invalid}${c.wouldDelete ? ` · ${c.wouldDelete} to delete (pruning off)` : ''}`,
    `  sessions no entry wants: ${c.foreign} not ours (left alone), ${c.orphaned} ours from requests (left alone)`,
  ];
  for (const e of report.entries) {
    const detail = e.differences?.length
      ? `: ${e.differences.join('; ')}`
      : e.problems?.length
        ? `: ${e.problems.map((p) => `${p.path} ${p.rule}`).join('; ')}`
        : e.error
          ? `: ${JSON.stringify(e.error)}`
          : '';
    lines.push(
      `  - ${e.name}: ${e.status}${e.result ? ` → ${e.result}` : ''}${e.sessionId ? ` (${e.sessionId})` : ''}${e.foreign ? ' [not created by mirrorflow]' : ''}${detail}`,
    );
  }
  for (const d of report.lists.deleted)
    lines.push(`  - ${d.sessionId}: deleted (${d.reason}${d.entry ? `, entry ${d.entry}` : ''})`);
  for (const d of report.lists.wouldDelete)
    lines.push(
      `  - ${d.sessionId}: would delete (${d.reason === 'expired' ? 'expired' : `entry ${d.entry} is gone`})`,
    );
  for (const h of report.handOffs)
    lines.push(`  handed ${h.sessions} session(s) to ${h.executionName} (${h.handOff})`);
  if (report.next)
    lines.push(
      report.next.pruneAfter === null
        ? `  the next invocation goes on from entry ${report.next.cursor + 1} of ${c.desired}`
        : `  the next invocation goes on pruning after ${report.next.pruneAfter || 'the start'}`,
    );
  return lines.join('\n');
}

/** What the expiry sweep adds to a run's lists and counts (the counts by addition: lists may be cut). */
export function withExpired<T extends { lists: ReconcileLists; counts: ReconcileCounts }>(
  run: T,
  expired: ExpiredSession[],
): T {
  const lists = {
    ...run.lists,
    deleted: [...run.lists.deleted],
    wouldDelete: [...run.lists.wouldDelete],
    retryLater: [...run.lists.retryLater],
  };
  const counts = { ...run.counts };
  for (const e of expired) {
    const listed = { sessionId: e.sessionId, regionId: e.regionId, reason: 'expired' as const };
    const list = e.outcome === 'Deleting' ? 'deleted' : e.outcome === 'planned' ? 'wouldDelete' : undefined;
    if (list) {
      lists[list].push(listed);
      counts[list] += 1;
    }
    if (e.outcome === 'RetryLater') {
      lists.retryLater.push(e.sessionId);
      counts.retryLater += 1;
    }
  }
  return { ...run, lists, counts };
}

/**
 * Puts the run's `mirrorflow:Reconcile:Completed` event through the flow (functions put events only that
 * way): a job with no session and the event as its notice, under a name derived from the scheduled time, so
 * the same run fired twice announces once.
 */
export async function announceRun(
  run: ReconcileRun & { counts: ReconcileCounts; truncated?: string[]; abandoned?: RunAbandonment },
  runtime: Runtime,
): Promise<HandOffResult> {
  const { config } = runtime;
  const executionName = runExecutionName(run.triggerTime);
  const event = buildReconcileCompletedEvent(run, run.counts, {
    eventBusName: config.eventBusName,
    executionName,
  });
  const job = newJob({
    executionName,
    eventBusName: config.eventBusName,
    accountId: runtime.accountId,
    now: runtime.now(),
    deadlineSeconds: config.pollDeadlineSeconds,
    items: [],
    notices: [event],
  });
  return handOff(runtime.workflow, { flowName: config.flowName, job, policy: cloudCallPolicy(config) });
}
