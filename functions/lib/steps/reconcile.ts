/**
 * One reconcile run: list every session of the regions the desired state names (with paging), plan, and in
 * apply mode create what is missing — rate-limited under the API's flow control — then hand the new
 * sessions to the flow in batches of at most 100. The same run fired twice (same triggerTime) gives the same
 * tokens, the same sessions and the same execution names: one session and one completion event per entry.
 */

import { CloudApiError } from '../cloud/cloudError.js';
import { cloudCallPolicy } from '../cloud/retry.js';
import { listAllSessions } from '../cloud/vpcClient.js';
import { handOff } from '../cloud/workflowClient.js';
import { batchExecutionName, reconcileKey } from '../contract/clientToken.js';
import type { DesiredState } from '../contract/desiredState.js';
import { JOB_BYTES_LIMIT, type Job, type JobItem, jobBytes, jobItem, newJob } from '../contract/flowJob.js';
import type { Runtime } from '../runtime/runtime.js';
import { type ProvisionDeps, type ProvisionResult, provision } from './provision.js';
import { type Plan, type PlannedEntry, planReconcile, type RegionalSession } from './reconcilePlan.js';

export interface ReconcileReport {
  triggerTime: string;
  mode: 'apply' | 'plan';
  owner: string;
  regions: string[];
  counts: Record<
    | 'desired'
    | 'create'
    | 'created'
    | 'unchanged'
    | 'drifted'
    | 'invalid'
    | 'failed'
    | 'retryLater'
    | 'notOurs'
    | 'orphaned',
    number
  >;
  entries: {
    name: string;
    status: PlannedEntry['status'];
    result?: ProvisionResult['outcome'] | 'RetryLater';
    sessionId: string | null;
    foreign?: boolean;
    differences?: string[];
    problems?: PlannedEntry['problems'];
    error?: unknown;
  }[];
  notOurs: string[];
  orphaned: string[];
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

function describe(report: Omit<ReconcileReport, 'text'>): string {
  const c = report.counts;
  const lines = [
    `reconcile ${report.triggerTime} (${report.mode}, owner ${report.owner}): ${c.desired} desired in ${report.regions.join(', ') || 'no region'}`,
    `  create ${c.create} (created ${c.created}, failed ${c.failed}, retry later ${c.retryLater}) · unchanged ${c.unchanged} · drifted ${c.drifted} · invalid ${c.invalid}`,
    `  existing sessions not in the desired state: ${c.notOurs} not ours (left alone), ${c.orphaned} ours but no longer desired (left alone, delete them by hand)`,
  ];
  for (const e of report.entries) {
    const detail =
      e.status === 'drifted'
        ? `: ${e.differences?.join('; ')}`
        : e.status === 'invalid'
          ? `: ${e.problems?.map((p) => `${p.path} ${p.rule}`).join('; ')}`
          : e.error
            ? `: ${JSON.stringify(e.error)}`
            : '';
    lines.push(
      `  - ${e.name}: ${e.status}${e.result ? ` → ${e.result}` : ''}${e.sessionId ? ` (${e.sessionId})` : ''}${e.foreign ? ' [not created by mirrorflow]' : ''}${detail}`,
    );
  }
  for (const h of report.handOffs)
    lines.push(`  handed ${h.sessions} session(s) to ${h.executionName} (${h.handOff})`);
  return lines.join('\n');
}

export async function reconcile(
  options: { triggerTime: string; mode: 'apply' | 'plan'; desired: DesiredState },
  runtime: Runtime,
  hooks: ReconcileHooks = {},
): Promise<ReconcileReport> {
  const { config } = runtime;
  const sleep = hooks.sleep ?? runtime.sleep;
  const regions = [
    ...new Set(
      options.desired.sessions
        .map((s) => s.request.RegionId)
        .filter((r): r is string => typeof r === 'string'),
    ),
  ].sort();
  const existing: RegionalSession[] = [];
  for (const regionId of regions) {
    for await (const s of listAllSessions(runtime.vpcFor(regionId), { RegionId: regionId }))
      existing.push({ ...s, RegionId: regionId });
  }
  const plan: Plan = planReconcile(options.desired, existing, config.owner);
  const entries: ReconcileReport['entries'] = plan.entries.map((e) => ({
    name: e.name,
    status: e.status,
    sessionId: e.sessionId,
    ...(e.foreign ? { foreign: true } : {}),
    ...(e.differences.length ? { differences: e.differences } : {}),
    ...(e.problems.length ? { problems: e.problems } : {}),
  }));
  const handOffs: ReconcileReport['handOffs'] = [];

  if (options.mode === 'apply') {
    const raw = new Map(options.desired.sessions.map((s) => [s.name, s.request]));
    const items = new Map<string, JobItem>();
    const interval = 1000 / config.reconcileCreatesPerSecond;
    let first = true;
    for (const [index, planned] of plan.entries.entries()) {
      if (planned.status !== 'create') continue;
      if (!first) await sleep(interval); // stay under the API's flow control (600 creates a minute)
      first = false;
      const request = raw.get(planned.name)!;
      const correlation = { reconcileEntry: planned.name, reconcileRun: options.triggerTime };
      try {
        const result = await provision(
          {
            request: {
              ...request,
              Correlation: { ...correlation, ...((request.Correlation as Record<string, string>) ?? {}) },
            },
            kind: 'reconcile',
            key: reconcileKey(planned.name, options.triggerTime),
          },
          { vpcFor: runtime.vpcFor, config, ...(hooks.log ? { log: hooks.log } : {}) },
        );
        const entry = entries[index]!;
        entry.result = result.outcome;
        if ('sessionId' in result) entry.sessionId = result.sessionId;
        if (result.outcome === 'Rejected') entry.error = result.error;
        items.set(planned.name, jobItem(result, 'reconcile', runtime.accountId));
      } catch (error) {
        if (!(error instanceof CloudApiError && error.retryable)) throw error;
        // The next run retries it; its token differs, but the look-up finds any session this one made.
        entries[index]!.result = 'RetryLater';
        entries[index]!.error = error.toJSON();
      }
    }
    // Batches follow the desired state's own order, so the same run fired twice names them the same.
    const names = plan.entries.map((e) => e.name);
    for (let start = 0; start < names.length; start += config.reconcileBatchSize) {
      const chunk = names.slice(start, start + config.reconcileBatchSize);
      const chunkItems = chunk.map((n) => items.get(n)).filter((i): i is JobItem => i !== undefined);
      if (chunkItems.length === 0) continue;
      const base = batchExecutionName([`reconcile:${options.triggerTime}:${start}`, ...chunk]);
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
  }

  const count = (f: (e: ReconcileReport['entries'][number]) => boolean) => entries.filter(f).length;
  const report: Omit<ReconcileReport, 'text'> = {
    triggerTime: options.triggerTime,
    mode: options.mode,
    owner: config.owner,
    regions,
    counts: {
      desired: entries.length,
      create: count((e) => e.status === 'create'),
      created: count((e) => e.result === 'Created' || e.result === 'AlreadyExists'),
      unchanged: count((e) => e.status === 'unchanged'),
      drifted: count((e) => e.status === 'drifted'),
      invalid: count((e) => e.status === 'invalid'),
      failed: count((e) => e.result === 'Rejected'),
      retryLater: count((e) => e.result === 'RetryLater'),
      notOurs: plan.notOurs.length,
      orphaned: plan.orphaned.length,
    },
    entries,
    notOurs: plan.notOurs,
    orphaned: plan.orphaned,
    handOffs,
  };
  return { ...report, text: describe(report) };
}
