/**
 * Applying a reconcile plan, entry by entry, paced under the API's flow control: create what is missing,
 * bring this deployment's drifted sessions back in place, answer a failing or invalid entry once per change
 * of its error (announceFailure), prune the sessions of entries that are gone; then hand the created and
 * updated sessions to the flow in batches of at most 100, named so the same run fired twice names them the same.
 */
import { CloudApiError, type ErrorSummary, summarise } from '../cloud/cloudError.js';
import { retryingFor } from '../cloud/retry.js';
import {
  announcementExecutionName,
  batchExecutionName,
  clientToken,
  listedPriorityToken,
  reconcileKey,
} from '../contract/clientToken.js';
import { JOB_BYTES_LIMIT, type Job, type JobItem, jobBytes, jobItem } from '../contract/flowJob.js';
import type { ReconcileLists } from '../contract/reconcileEvent.js';
import type { MirrorRequest } from '../contract/request.js';
import type { Runtime } from '../runtime/runtime.js';
import { applySessionChanges } from './modify.js';
import { type FreePriorities, type PriorityCandidate, priorityKey } from './priority.js';
import { type ProvisionDeps, provision } from './provision.js';
import { entryOrigin, type PlannedEntry, type RegionalSession } from './reconcilePlan.js';
import { ownFiringSession } from './reconcileRecovery.js';
import type { ReconcileReport, ReportEntry } from './reconcileReport.js';
import { withdrawScheduled } from './scheduledWithdrawal.js';
import { jobFor, startJob } from './startJob.js';

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

/** What one run works with: the runtime, the run's identity, its lists, and the items to hand off. */
export interface Run {
  runtime: Runtime;
  triggerTime: string;
  /** Each entry's request as the desired state gives it. */
  requests: Map<string, Record<string, unknown>>;
  lists: ReconcileLists;
  items: Map<string, JobItem>;
  /** Each region's free priorities, from the plan's listing: no Create wasted on a taken one. */
  free: Map<string, FreePriorities>;
  log: NonNullable<ProvisionDeps['log']>;
  /** Waits so mutating calls stay under the flow-control rate. */
  pace: () => Promise<void>;
  /** The execution each entry about to be created will be handed to (reconcileRecovery.ts: handOffParts). */
  handOffOf: Map<string, string>;
  /** An entry's ClientToken in this run. */
  tokenOf: (name: string) => string;
}

/** An entry's ClientToken in the run fired at `triggerTime`. */
export const entryToken = (triggerTime: string, name: string) =>
  clientToken('reconcile', reconcileKey(name, triggerTime));
const tokenOf = (run: Run, name: string) => run.tokenOf(name);
const correlationOf = (run: Run, name: string) => ({ reconcileEntry: name, reconcileRun: run.triggerTime });

/** An entry's request as reconcile hands it to the flow: the run's correlation, then the entry's own. */
export function handedOffRequest(run: Run, planned: PlannedEntry): MirrorRequest {
  const request = planned.request!;
  return { ...request, Correlation: { ...correlationOf(run, planned.name), ...request.Correlation } };
}

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
  const execution = announcementExecutionName(name, JSON.stringify(run.requests.get(name) ?? {}), code);
  const started = await startJob(jobFor(execution, [item], run.runtime), run.runtime);
  return started.handOff === 'started' ? 'now' : 'earlier';
}

async function createEntry(run: Run, planned: PlannedEntry, report: ReportEntry): Promise<void> {
  const { runtime } = run;
  const request = run.requests.get(planned.name)!;
  const result = await provision(
    {
      request: {
        ...request,
        Correlation: { ...correlationOf(run, planned.name), ...((request.Correlation as object) ?? {}) },
      },
      kind: 'reconcile',
      key: reconcileKey(planned.name, run.triggerTime),
      origin: entryOrigin(planned.name, run.handOffOf.get(planned.name)),
      priorities: listedPriority(run, planned),
      // The plan's listing was the look-up: nothing mirrors this entry yet.
      lookedUp: true,
    },
    {
      vpcFor: runtime.vpcFor,
      config: runtime.config,
      now: runtime.now,
      log: run.log,
      ...(runtime.retryHooks ? { retryHooks: runtime.retryHooks } : {}),
    },
  );
  if (result.outcome === 'Rejected') return failEntry(run, planned, report, result.error);
  report.result = result.outcome;
  if ('sessionId' in result) report.sessionId = result.sessionId;
  run.items.set(planned.name, jobItem(result, 'reconcile', runtime.accountId));
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

/** The priority the plan's listing has free for an entry without an explicit one (none when the range is full). */
function listedPriority(run: Run, planned: PlannedEntry): PriorityCandidate[] {
  const request = planned.request!;
  if (request.Priority !== undefined) return [];
  const priority = run.free.get(request.RegionId)?.take(priorityKey(request));
  return priority === undefined
    ? []
    : [{ priority, clientToken: listedPriorityToken(tokenOf(run, planned.name)) }];
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
    retryingFor({
      config: runtime.config,
      log: run.log,
      ...(runtime.retryHooks ? { retryHooks: runtime.retryHooks } : {}),
    }),
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
        request: handedOffRequest(run, planned),
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

export async function applyEntry(run: Run, planned: PlannedEntry, report: ReportEntry): Promise<void> {
  if (planned.status === 'invalid') {
    const token = tokenOf(run, planned.name);
    const item = jobItem(
      {
        outcome: 'Invalid',
        clientToken: token,
        problems: planned.problems,
        raw: run.requests.get(planned.name),
      },
      'reconcile',
      run.runtime.accountId,
      correlationOf(run, planned.name),
    );
    const announced = await announceFailure(run, planned.name, item, 'Mirror.InvalidRequest');
    const listed = run.lists.invalid.find((i) => i.name === planned.name);
    if (listed) listed.announced = announced;
    return;
  }
  if (ownFiringSession(run, planned)) return rehandOwnCreate(run, planned, report);
  if (planned.status !== 'create' && planned.status !== 'update') return;
  await run.pace();
  try {
    if (planned.status === 'create') await createEntry(run, planned, report);
    else await updateEntry(run, planned, report);
  } catch (error) {
    if (!(error instanceof CloudApiError)) throw error;
    if (!error.retryable) {
      // Refused for good (an update the cloud will not make): answered once, like a refused create.
      await failEntry(run, planned, report, summarise(error));
      return;
    }
    // The next run retries it. A session this Create did make (its answer lost) carries this run's origin tag:
    // the next run's listing finds it unchanged, and a run after the grace answers it (reconcileRecovery.ts).
    report.result = 'RetryLater';
    report.error = error.toJSON();
    run.lists.retryLater.push(planned.name);
  }
}

/**
 * An entry an earlier attempt of this very firing created (it died before its hand-off, or is still running
 * alongside): handed off with the chunk, to the execution its origin tag names — which the flow starts once,
 * whichever attempt gets there first, with the same entries. The run created it, so it is reported created
 * (reconcile.ts takes it off the plan's unchanged list).
 */
function rehandOwnCreate(run: Run, planned: PlannedEntry, report: ReportEntry): void {
  const session = planned.session!;
  report.result = 'Created';
  run.lists.created.push({
    name: planned.name,
    sessionId: session.TrafficMirrorSessionId,
    regionId: session.RegionId,
  });
  run.items.set(
    planned.name,
    jobItem(
      {
        outcome: 'Created',
        sessionId: session.TrafficMirrorSessionId,
        priority: session.Priority,
        clientToken: tokenOf(run, planned.name),
        request: handedOffRequest(run, planned),
      },
      'reconcile',
      run.runtime.accountId,
    ),
  );
}

/** An entry the cloud refused: one Failed event per entry, content and error (announceFailure), and listed. */
async function failEntry(
  run: Run,
  planned: PlannedEntry,
  report: ReportEntry,
  error: ErrorSummary,
): Promise<void> {
  const token = tokenOf(run, planned.name);
  report.result = 'Rejected';
  report.error = error;
  const item = jobItem(
    {
      outcome: 'Rejected',
      clientToken: token,
      request: handedOffRequest(run, planned),
      error,
    },
    'reconcile',
    run.runtime.accountId,
  );
  const announced = await announceFailure(run, planned.name, item, error.code);
  run.lists.failed.push({ name: planned.name, error, announced });
}

/**
 * Deletes a session reconcile created for an entry that is gone (scheduledWithdrawal.ts: one Deleted event
 * however many runs it takes). Refused for now or throttled: listed for the next run, never the end of this one.
 */
export async function pruneSession(run: Run, session: RegionalSession, entry: string): Promise<void> {
  const deleting = session.TrafficMirrorSessionStatus === 'Deleting';
  if (!deleting) await run.pace();
  const done = await withdrawScheduled(
    run.runtime,
    { RegionId: session.RegionId, TrafficMirrorSessionId: session.TrafficMirrorSessionId },
    {
      reason: 'prune',
      triggerTime: run.triggerTime,
      correlation: { reconcileEntry: entry, reconcileRun: run.triggerTime, pruned: 'true' },
    },
    run.log,
  );
  run.log('pruned a session whose entry is gone', {
    sessionId: session.TrafficMirrorSessionId,
    entry,
    outcome: done.outcome,
    error: done.error,
  });
  // A session already Deleting was counted by the run that deleted it; it is only handed off again.
  if (done.outcome === 'Deleting' && !deleting)
    run.lists.deleted.push({
      sessionId: session.TrafficMirrorSessionId,
      regionId: session.RegionId,
      reason: 'pruned',
      entry,
    });
  if (done.outcome === 'RetryLater') run.lists.retryLater.push(session.TrafficMirrorSessionId);
}

/**
 * Hands the created and updated sessions of one chunk of entries to the flow — the chunk of `batchSize`
 * entries starting at `start`, in the desired state's order, called as soon as its last entry is applied, so
 * the first sessions are watched while the run still creates the rest. New sessions go to the executions
 * their origin tag names (handOffParts); the rest (updates in place) to one named after the run, the chunk
 * and those entries. The same firing again names them the same, and the flow starts each once.
 */
export async function handOffChunk(
  run: Run,
  names: readonly string[],
  start: number,
): Promise<ReconcileReport['handOffs']> {
  const { runtime } = run;
  const chunk = names.slice(start, start + runtime.config.reconcileBatchSize);
  const parts = new Map<string, JobItem[]>();
  const others: JobItem[] = [];
  const otherNames: string[] = [];
  for (const name of chunk) {
    const item = run.items.get(name);
    if (!item) continue;
    const part = item.provisioning === 'Created' ? run.handOffOf.get(name) : undefined;
    if (part) parts.set(part, [...(parts.get(part) ?? []), item]);
    else {
      others.push(item);
      otherNames.push(name);
    }
  }
  const jobs = [...parts].map(([name, items]) => jobFor(name, items, runtime));
  if (others.length) {
    const base = batchExecutionName([`reconcile:${run.triggerTime}:${start}`, ...otherNames]);
    jobs.push(
      ...jobsFor(
        others,
        () => base,
        (executionName, part) => jobFor(executionName, part, runtime),
      ),
    );
  }
  const handOffs: ReconcileReport['handOffs'] = [];
  for (const job of jobs) {
    const started = await startJob(job, runtime);
    handOffs.push({ executionName: job.executionName, sessions: job.items.length, handOff: started.handOff });
  }
  return handOffs;
}
