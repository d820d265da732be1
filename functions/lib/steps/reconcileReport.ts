/**
 * What a reconcile run says: the report it returns and logs (lists, counts, one line per entry), the
 * scheduled run's expiry sweep folded in, and the one `mirrorflow:Reconcile:Completed` event per run.
 */
import { cloudCallPolicy } from '../cloud/retry.js';
import { type HandOffResult, handOff } from '../cloud/workflowClient.js';
import { runExecutionName } from '../contract/clientToken.js';
import { newJob } from '../contract/flowJob.js';
import {
  buildReconcileCompletedEvent,
  type ReconcileCounts,
  type ReconcileLists,
  reconcileCounts,
} from '../contract/reconcileEvent.js';
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
  return lines.join('\n');
}

/** The run's report with the scheduled run's expiry sweep (expiry.ts) added to its deleted sessions. */
export function withExpired(report: ReconcileReport, expired: ExpiredSession[]): ReconcileReport {
  const lists = {
    ...report.lists,
    deleted: [...report.lists.deleted],
    wouldDelete: [...report.lists.wouldDelete],
    retryLater: [...report.lists.retryLater],
  };
  for (const e of expired) {
    const listed = { sessionId: e.sessionId, regionId: e.regionId, reason: 'expired' as const };
    if (e.outcome === 'Deleting') lists.deleted.push(listed);
    if (e.outcome === 'planned') lists.wouldDelete.push(listed);
    if (e.outcome === 'RetryLater') lists.retryLater.push(e.sessionId);
  }
  const merged = { ...report, lists, counts: reconcileCounts(lists, report.entries.length) };
  return { ...merged, text: describeReport(merged) };
}

/**
 * Puts the run's `mirrorflow:Reconcile:Completed` event through the flow (functions put events only that
 * way): a job with no session and the event as its notice, under a name derived from the scheduled time, so
 * the same run fired twice announces once.
 */
export async function announceRun(report: ReconcileReport, runtime: Runtime): Promise<HandOffResult> {
  const { config } = runtime;
  const executionName = runExecutionName(report.triggerTime);
  const event = buildReconcileCompletedEvent({ ...report, lists: report.lists }, report.counts.desired, {
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
