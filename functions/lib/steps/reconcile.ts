/**
 * One reconcile run: list every session of the regions the desired state names (with paging), plan
 * (reconcilePlan.ts), and in apply mode converge (reconcileApply.ts) — create what is missing, update drifted
 * sessions of this deployment in place, delete the sessions reconcile created for entries that are gone
 * (when pruning is on). The same run fired twice (same triggerTime) gives the same tokens, sessions and
 * execution names: one session and one completion event per entry. The report: reconcileReport.ts.
 */
import { retryingPages } from '../cloud/retry.js';
import { listAllSessions } from '../cloud/vpcClient.js';
import type { DesiredState } from '../contract/desiredState.js';
import { reconcileCounts } from '../contract/reconcileEvent.js';
import type { Runtime } from '../runtime/runtime.js';
import { FreePriorities, type PriorityRange } from './priority.js';
import type { ProvisionDeps } from './provision.js';
import { applyEntry, entryToken, handOffChunk, pruneSession, type Run } from './reconcileApply.js';
import { type Plan, planReconcile, type RegionalSession } from './reconcilePlan.js';
import { handOffParts, recoverHandOffs } from './reconcileRecovery.js';
import {
  describeReport,
  entryOf,
  listsFromPlan,
  type ReconcileReport,
  type ReportEntry,
} from './reconcileReport.js';

export interface ReconcileHooks {
  sleep?: (ms: number) => Promise<void>;
  log?: ProvisionDeps['log'];
}

/**
 * Each region's free priorities, from the listing the plan was made from: every listed session's priority
 * (a Deleting one still holds its own) and every explicit Priority of an entry about to be created is taken.
 */
function freePriorities(
  plan: Plan,
  existing: readonly RegionalSession[],
  range: PriorityRange,
): Map<string, FreePriorities> {
  const taken = new Map<string, number[]>();
  const hold = (regionId: string, priority: number) =>
    taken.set(regionId, [...(taken.get(regionId) ?? []), priority]);
  for (const s of existing) hold(s.RegionId, s.Priority);
  for (const e of plan.entries)
    if (e.status === 'create' && e.request?.Priority !== undefined)
      hold(e.request.RegionId, e.request.Priority);
  const regions = new Set([
    ...taken.keys(),
    ...plan.entries.flatMap((e) => (e.request ? [e.request.RegionId] : [])),
  ]);
  return new Map([...regions].map((r) => [r, new FreePriorities(range, taken.get(r) ?? [])]));
}

async function listRegions(regions: string[], runtime: Runtime): Promise<RegionalSession[]> {
  const existing: RegionalSession[] = [];
  for (const regionId of regions) {
    for await (const s of listAllSessions(
      runtime.vpcFor(regionId),
      { RegionId: regionId },
      retryingPages(runtime),
    ))
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
      ...config.regions,
      ...options.desired.sessions
        .map((s) => s.request.RegionId)
        .filter((r): r is string => typeof r === 'string'),
    ]),
  ].sort();
  const existing = await listRegions(regions, runtime);
  const plan = planReconcile(options.desired, existing, config.owner);
  const lists = listsFromPlan(plan, options.mode, config.reconcilePrune);
  const entries: ReportEntry[] = plan.entries.map((e) => ({
    name: e.name,
    status: e.status,
    sessionId: e.sessionId,
    ...(e.foreign ? { foreign: true } : {}),
    ...(e.differences.length ? { differences: e.differences } : {}),
    ...(e.problems.length ? { problems: e.problems } : {}),
  }));
  const handOffs: ReconcileReport['handOffs'] = [];

  if (options.mode === 'apply') {
    const interval = 1000 / config.reconcileCreatesPerSecond;
    let calls = 0;
    let startedAt = 0;
    const run: Run = {
      runtime,
      triggerTime: options.triggerTime,
      requests: new Map(options.desired.sessions.map((s) => [s.name, s.request])),
      lists,
      items: new Map(),
      free: freePriorities(plan, existing, config.priorityRange),
      log: hooks.log ?? (() => {}),
      // Stay under the API's flow control: call k is due `k × interval` after the first, on the cloud's
      // clock, so the rate holds whatever each call's round trip (a slow call is not followed by a full wait).
      pace: async () => {
        if (calls === 0) startedAt = runtime.now();
        const due = startedAt + calls * interval;
        calls += 1;
        const wait = due - runtime.now();
        if (wait > 0) await sleep(wait);
      },
      handOffOf: new Map(),
      tokenOf: (name) => entryToken(options.triggerTime, name),
    };
    // Sessions a run that died had created, never handed off: answered now (reconcileRecovery.ts).
    handOffs.push(...(await recoverHandOffs(run, plan)));
    const names = plan.entries.map((e) => e.name);
    const size = config.reconcileBatchSize;
    for (const [index, planned] of plan.entries.entries()) {
      if (index % size === 0)
        for (const [name, execution] of handOffParts(run, plan.entries.slice(index, index + size), index))
          run.handOffOf.set(name, execution);
      await applyEntry(run, planned, entries[index]!);
      const chunkEnds = (index + 1) % size === 0 || index === names.length - 1;
      if (chunkEnds) {
        const start = index - (index % size);
        handOffs.push(...(await handOffChunk(run, names, start)));
      }
    }
    // Created sessions are in the flow's hands before anything is deleted.
    if (config.reconcilePrune) for (const s of plan.prune) await pruneSession(run, s, entryOf(s));
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
  return { ...report, text: describeReport(report) };
}
