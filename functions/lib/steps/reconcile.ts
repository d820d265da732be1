/**
 * One reconcile run: list every session of the regions the desired state names (with paging), plan
 * (reconcilePlan.ts), and in apply mode converge — create what is missing, update drifted sessions of this
 * deployment in place, delete the sessions reconcile created for entries that are gone (when pruning is on)
 * — paced under the API's flow control; then hand the created and updated sessions to the flow in batches
 * of at most 100. A failing or invalid entry is answered by one Failed event per change of its error
 * (announceFailure). The same run fired twice (same triggerTime) gives the same tokens, sessions and
 * execution names: one session and one completion event per entry.
 */
import { CloudApiError } from '../cloud/cloudError.js';
import { cloudCallPolicy, retryingFor } from '../cloud/retry.js';
import { listAllSessions } from '../cloud/vpcClient.js';
import { type HandOffResult, handOff } from '../cloud/workflowClient.js';
import {
  announcementExecutionName,
  batchExecutionName,
  clientToken,
  reconcileKey,
  runExecutionName,
} from '../contract/clientToken.js';
import type { DesiredState } from '../contract/desiredState.js';
import { JOB_BYTES_LIMIT, type Job, type JobItem, jobBytes, jobItem, newJob } from '../contract/flowJob.js';
import {
  buildReconcileCompletedEvent,
  type ReconcileCounts,
  type ReconcileLists,
  reconcileCounts,
} from '../contract/reconcileEvent.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ExpiredSession } from './expiry.js';
import { intakeWithdraw } from './intake.js';
import { applySessionChanges } from './modify.js';
import { type ProvisionDeps, type ProvisionResult, provision } from './provision.js';
import {
  entryOrigin,
  type Plan,
  type PlannedEntry,
  planReconcile,
  type RegionalSession,
} from './reconcilePlan.js';

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

export interface ReconcileHooks {
  sleep?: (ms: number) => Promise<void>;
  log?: ProvisionDeps['log'];
}

/** Splits items into jobs that fit CloudFlow's state limit, deterministically. */
export function jobsFor(
  items: JobItem[],
  name: (part: number) => string,
  make: (name: string, items: JobItem[]) => Job,
): Job[] {
  const out: Job[] = [];
  const split = (part: JobItem[], id: string) => {
    const job = make(id, part);
    if (jobBytes(job) <= JOB_BYTES_LIMIT || part.length === 1) out.push(job);
    else {
      const half = Math.ceil(part.length / 2);
      split(part.slice(0, half), `${id}a`);
      split(part.slice(half), `${id}b`);
    }
  };
  split(items, name(0));
  return out;
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

/** What one run works with: the runtime, the run's identity, its lists, and the items to hand off. */
interface Run {
  runtime: Runtime;
  triggerTime: string;
  raw: Map<string, Record<string, unknown>>;
  lists: ReconcileLists;
  items: Map<string, JobItem>;
  log: NonNullable<ProvisionDeps['log']>;
  /** Waits so mutating calls stay under the flow-control rate. */
  pace: () => Promise<void>;
}

const tokenOf = (run: Run, name: string) => clientToken('reconcile', reconcileKey(name, run.triggerTime));
const correlationOf = (run: Run, name: string) => ({ reconcileEntry: name, reconcileRun: run.triggerTime });

/**
 * One Failed event per entry, content and error: the execution is named after the three, so a later run
 * failing the same way finds it and adds nothing.
 */
async function announceFailure(
  run: Run,
  name: string,
  item: JobItem,
  code: string,
): Promise<'now' | 'earlier'> {
  const { runtime } = run;
  const job = newJob({
    executionName: announcementExecutionName(name, JSON.stringify(run.raw.get(name) ?? {}), code),
    eventBusName: runtime.config.eventBusName,
    accountId: runtime.accountId,
    now: runtime.now(),
    deadlineSeconds: runtime.config.pollDeadlineSeconds,
    items: [item],
  });
  const started = await handOff(runtime.workflow, {
    flowName: runtime.config.flowName,
    job,
    policy: cloudCallPolicy(runtime.config),
  });
  return started.handOff === 'started' ? 'now' : 'earlier';
}

async function createEntry(run: Run, planned: PlannedEntry, report: ReportEntry): Promise<void> {
  const { runtime } = run;
  const request = run.raw.get(planned.name)!;
  const result = await provision(
    {
      request: {
        ...request,
        Correlation: { ...correlationOf(run, planned.name), ...((request.Correlation as object) ?? {}) },
      },
      kind: 'reconcile',
      key: reconcileKey(planned.name, run.triggerTime),
      origin: entryOrigin(planned.name),
    },
    { vpcFor: runtime.vpcFor, config: runtime.config, now: runtime.now, log: run.log },
  );
  report.result = result.outcome;
  if ('sessionId' in result) report.sessionId = result.sessionId;
  const item = jobItem(result, 'reconcile', runtime.accountId);
  if (result.outcome === 'Rejected') {
    report.error = result.error;
    const announced = await announceFailure(run, planned.name, item, result.error.code);
    run.lists.failed.push({ name: planned.name, error: result.error, announced });
    return;
  }
  run.items.set(planned.name, item);
  if (result.outcome === 'Updated')
    run.lists.updated.push({
      name: planned.name,
      sessionId: result.sessionId,
      regionId: result.request.RegionId,
      changed: Object.keys(result.changes),
    });
  else if ('sessionId' in result)
    run.lists.created.push({
      name: planned.name,
      sessionId: result.sessionId,
      regionId: result.request.RegionId,
    });
}

/** Brings this deployment's session of an entry back to it, in place, and waits for it like a modify. */
async function updateEntry(run: Run, planned: PlannedEntry, report: ReportEntry): Promise<void> {
  const { runtime } = run;
  const request = planned.request!;
  const token = tokenOf(run, planned.name);
  const vpc = runtime.vpcFor(request.RegionId);
  const session = planned.session!;
  await applySessionChanges(
    vpc,
    retryingFor({ config: runtime.config, log: run.log }),
    request.RegionId,
    session,
    planned.changes!,
    token,
  );
  report.result = 'Updated';
  run.items.set(
    planned.name,
    jobItem(
      {
        outcome: 'Updated',
        sessionId: planned.sessionId!,
        priority: planned.changes!.Priority ?? session.Priority,
        clientToken: token,
        request: { ...request, Correlation: { ...correlationOf(run, planned.name), ...request.Correlation } },
        changes: planned.changes!,
      },
      'reconcile',
      runtime.accountId,
    ),
  );
  run.lists.updated.push({
    name: planned.name,
    sessionId: planned.sessionId!,
    regionId: request.RegionId,
    changed: Object.keys(planned.changes!),
  });
}

async function applyEntry(run: Run, planned: PlannedEntry, report: ReportEntry): Promise<void> {
  if (planned.status === 'invalid') {
    const token = tokenOf(run, planned.name);
    const item = jobItem(
      { outcome: 'Invalid', clientToken: token, problems: planned.problems, raw: run.raw.get(planned.name) },
      'reconcile',
      run.runtime.accountId,
      correlationOf(run, planned.name),
    );
    const announced = await announceFailure(run, planned.name, item, 'Mirror.InvalidRequest');
    const listed = run.lists.invalid.find((i) => i.name === planned.name);
    if (listed) listed.announced = announced;
    return;
  }
  if (planned.status !== 'create' && planned.status !== 'update') return;
  await run.pace();
  try {
    if (planned.status === 'create') await createEntry(run, planned, report);
    else await updateEntry(run, planned, report);
  } catch (error) {
    if (!(error instanceof CloudApiError && error.retryable)) throw error;
    // The next run retries it; its token differs, but its look-up finds any session this one made.
    report.result = 'RetryLater';
    report.error = error.toJSON();
    run.lists.retryLater.push(planned.name);
  }
}

/** Deletes a session reconcile created for an entry that is gone: a withdraw, answered by one Deleted event. */
async function pruneSession(run: Run, session: RegionalSession, entry: string): Promise<void> {
  await run.pace();
  const done = await intakeWithdraw(
    {
      request: {
        RegionId: session.RegionId,
        TrafficMirrorSessionId: session.TrafficMirrorSessionId,
        Correlation: { reconcileEntry: entry, reconcileRun: run.triggerTime, pruned: 'true' },
      },
      kind: 'reconcile',
      key: `prune:${session.TrafficMirrorSessionId}`,
      handOffInvalid: false,
    },
    run.runtime,
    { log: run.log },
  );
  run.log('pruned a session whose entry is gone', {
    sessionId: session.TrafficMirrorSessionId,
    entry,
    outcome: done.result.outcome,
  });
  run.lists.deleted.push({
    sessionId: session.TrafficMirrorSessionId,
    regionId: session.RegionId,
    reason: 'pruned',
    entry,
  });
}

/** Hands the created and updated sessions to the flow, in the desired state's order (same run, same names). */
async function handOffBatches(run: Run, plan: Plan): Promise<ReconcileReport['handOffs']> {
  const { runtime } = run;
  const { config } = runtime;
  const handOffs: ReconcileReport['handOffs'] = [];
  const names = plan.entries.map((e) => e.name);
  for (let start = 0; start < names.length; start += config.reconcileBatchSize) {
    const chunk = names.slice(start, start + config.reconcileBatchSize);
    const chunkItems = chunk.map((n) => run.items.get(n)).filter((i): i is JobItem => i !== undefined);
    if (chunkItems.length === 0) continue;
    const base = batchExecutionName([`reconcile:${run.triggerTime}:${start}`, ...chunk]);
    const jobs = jobsFor(
      chunkItems,
      () => base,
      (executionName, part) =>
        newJob({
          executionName,
          eventBusName: config.eventBusName,
          accountId: runtime.accountId,
          now: runtime.now(),
          deadlineSeconds: config.pollDeadlineSeconds,
          items: part,
        }),
    );
    for (const job of jobs) {
      const started = await handOff(runtime.workflow, {
        flowName: config.flowName,
        job,
        policy: cloudCallPolicy(config),
      });
      handOffs.push({
        executionName: job.executionName,
        sessions: job.items.length,
        handOff: started.handOff,
      });
    }
  }
  return handOffs;
}

/** What the plan alone says: the lists nothing in apply mode changes, and in plan mode what would happen. */
function listsFromPlan(plan: Plan, mode: 'apply' | 'plan', prune: boolean): ReconcileLists {
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
    lists.wouldDelete = plan.prune.map((s) => ({
      sessionId: s.TrafficMirrorSessionId,
      regionId: s.RegionId,
      reason: 'pruned' as const,
      entry: entryOf(s),
    }));
  return lists;
}

const entryOf = (s: RegionalSession) =>
  s.Tags.find((t) => t.Key === 'mirrorflow-origin')?.Value.replace(/^reconcile\./, '') ?? '';

async function listRegions(regions: string[], runtime: Runtime): Promise<RegionalSession[]> {
  const existing: RegionalSession[] = [];
  for (const regionId of regions) {
    for await (const s of listAllSessions(runtime.vpcFor(regionId), { RegionId: regionId }))
      existing.push({ ...s, RegionId: regionId });
  }
  return existing;
}

export async function reconcile(
  options: { triggerTime: string; mode: 'apply' | 'plan'; desired: DesiredState },
  runtime: Runtime,
  hooks: ReconcileHooks = {},
): Promise<ReconcileReport> {
  const { config } = runtime;
  const sleep = hooks.sleep ?? runtime.sleep;
  const regions = [
    ...new Set([
      runtime.region,
      ...options.desired.sessions
        .map((s) => s.request.RegionId)
        .filter((r): r is string => typeof r === 'string'),
    ]),
  ].sort();
  const plan = planReconcile(options.desired, await listRegions(regions, runtime), config.owner);
  const lists = listsFromPlan(plan, options.mode, config.reconcilePrune);
  const entries: ReportEntry[] = plan.entries.map((e) => ({
    name: e.name,
    status: e.status,
    sessionId: e.sessionId,
    ...(e.foreign ? { foreign: true } : {}),
    ...(e.differences.length ? { differences: e.differences } : {}),
    ...(e.problems.length ? { problems: e.problems } : {}),
  }));
  let handOffs: ReconcileReport['handOffs'] = [];

  if (options.mode === 'apply') {
    let first = true;
    const interval = 1000 / config.reconcileCreatesPerSecond;
    const run: Run = {
      runtime,
      triggerTime: options.triggerTime,
      raw: new Map(options.desired.sessions.map((s) => [s.name, s.request])),
      lists,
      items: new Map(),
      log: hooks.log ?? (() => {}),
      // Stay under the API's flow control (600 calls a minute per action).
      pace: async () => {
        if (!first) await sleep(interval);
        first = false;
      },
    };
    for (const [index, planned] of plan.entries.entries()) await applyEntry(run, planned, entries[index]!);
    if (config.reconcilePrune) for (const s of plan.prune) await pruneSession(run, s, entryOf(s));
    handOffs = await handOffBatches(run, plan);
  }

  const report: Omit<ReconcileReport, 'text'> = {
    triggerTime: options.triggerTime,
    mode: options.mode,
    owner: config.owner,
    regions,
    prune: config.reconcilePrune,
    counts: reconcileCounts(lists, entries.length),
    lists,
    entries,
    handOffs,
  };
  return { ...report, text: describe(report) };
}

function describe(report: Omit<ReconcileReport, 'text'>): string {
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
  };
  for (const e of expired) {
    const listed = { sessionId: e.sessionId, regionId: e.regionId, reason: 'expired' as const };
    if (e.outcome === 'Deleting') lists.deleted.push(listed);
    if (e.outcome === 'planned') lists.wouldDelete.push(listed);
  }
  const merged = { ...report, lists, counts: reconcileCounts(lists, report.entries.length) };
  return { ...merged, text: describe(merged) };
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
