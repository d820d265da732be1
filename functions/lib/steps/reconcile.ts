/**
 * One invocation's share of a reconcile run: list every session of the regions the desired state names (with
 * paging), plan (reconcilePlan.ts), and in apply mode converge (reconcileApply.ts) from where the run stands —
 * create what is missing, update drifted sessions of this deployment in place, delete the sessions reconcile
 * created for entries that are gone (when pruning is on) — until its time is up; the next invocation goes on
 * from `next` (reconcileRun.ts). The same run fired twice (same triggerTime) gives the same tokens, sessions
 * and execution names: one session and one completion event per entry. The report: reconcileReport.ts.
 */
import { retryingPages } from '../cloud/retry.js';
import { listAllSessions } from '../cloud/vpcClient.js';
import type { CarriedPlan } from '../contract/carriedPlan.js';
import type { DesiredState } from '../contract/desiredState.js';
import { reconcileCounts } from '../contract/reconcileEvent.js';
import { RUN_START, type RunPosition } from '../contract/reconcileProgress.js';
import type { Runtime } from '../runtime/runtime.js';
import { pacedCalls } from './pacing.js';
import { FreePriorities, type PriorityRange } from './priority.js';
import type { ProvisionDeps } from './provision.js';
import { applyEntry, entryToken, handOffChunk, pruneSession, type Run } from './reconcileApply.js';
import { carryOn, freeFromCarried, planFromCarried, usableCarried } from './reconcileCarry.js';
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
export function freePriorities(
  plan: Plan,
  existing: readonly RegionalSession[],
  range: PriorityRange,
): Map<string, FreePriorities> {
  const taken = new Map<string, number[]>();
  const hold = (regionId: string, priority: number) => {
    const held = taken.get(regionId);
    if (held) held.push(priority);
    else taken.set(regionId, [priority]);
  };
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

export interface ReconcileOptions {
  triggerTime: string;
  mode: 'apply' | 'plan';
  desired: DesiredState;
  /** Where this invocation takes the run up (apply mode); the start when absent. */
  from?: RunPosition;
  /**
   * True once this invocation has used its share of time (apply mode): it then stops at the next chunk
   * boundary and says where the next invocation goes on (`next`). Asked only after some work is done.
   */
  timeIsUp?: () => boolean;
  /** What the run's first listing found (carriedPlan.ts): used instead of listing when it still holds. */
  carried?: CarriedPlan;
}

function regionsOf(options: ReconcileOptions, runtime: Runtime): string[] {
  return [
    ...new Set([
      runtime.region,
      ...runtime.config.regions,
      ...options.desired.sessions
        .map((s) => s.request.RegionId)
        .filter((r): r is string => typeof r === 'string'),
    ]),
  ].sort();
}

/** The run's state while it applies: its Run, and the paced clock of its mutating calls. */
function startRun(
  options: ReconcileOptions,
  runtime: Runtime,
  free: Run['free'],
  lists: Run['lists'],
  hooks: ReconcileHooks,
): Run {
  const { config } = runtime;
  return {
    runtime,
    triggerTime: options.triggerTime,
    requests: new Map(options.desired.sessions.map((s) => [s.name, s.request])),
    lists,
    items: new Map(),
    free,
    log: hooks.log ?? (() => {}),
    pace: pacedCalls(config.reconcileCreatesPerSecond, () => runtime.now(), hooks.sleep ?? runtime.sleep),
    handOffOf: new Map(),
    tokenOf: (name) => entryToken(options.triggerTime, name),
  };
}

/**
 * Applies the plan's entries from `cursor` on, chunk by chunk, each chunk handed off as soon as it is
 * applied; stops at a chunk boundary once time is up. Returns the index of the first entry not applied.
 */
async function applyEntries(
  run: Run,
  plan: Plan,
  entries: ReportEntry[],
  cursor: number,
  handOffs: ReconcileReport['handOffs'],
  timeIsUp: () => boolean,
): Promise<number> {
  const names = plan.entries.map((e) => e.name);
  const size = run.runtime.config.reconcileBatchSize;
  for (let index = cursor; index < plan.entries.length; index += 1) {
    if (index % size === 0 || index === cursor) {
      if (index > cursor && timeIsUp()) return index;
      for (const [name, execution] of handOffParts(run, plan.entries.slice(index, index + size), index))
        run.handOffOf.set(name, execution);
    }
    await applyEntry(run, plan.entries[index]!, entries[index]!);
    const chunkEnds = (index + 1) % size === 0 || index === names.length - 1;
    if (chunkEnds) handOffs.push(...(await handOffChunk(run, names, index - (index % size))));
  }
  return plan.entries.length;
}

/**
 * Deletes the sessions of entries that are gone, in session id order after `after`; stops once time is up
 * (having pruned at least one when `mustProgress`). Returns the last id pruned, or null when all are done.
 */
async function pruneSessions(
  run: Run,
  plan: Plan,
  after: string,
  timeIsUp: () => boolean,
  mustProgress: boolean,
): Promise<string | null> {
  const todo = [...plan.prune]
    .sort((a, b) => (a.TrafficMirrorSessionId < b.TrafficMirrorSessionId ? -1 : 1))
    .filter((s) => s.TrafficMirrorSessionId > after);
  let last = after;
  for (const [i, s] of todo.entries()) {
    if ((i > 0 || !mustProgress) && timeIsUp()) return last;
    await pruneSession(run, s, entryOf(s));
    last = s.TrafficMirrorSessionId;
  }
  return null;
}

export async function reconcile(
  options: ReconcileOptions,
  runtime: Runtime,
  hooks: ReconcileHooks = {},
): Promise<ReconcileReport> {
  const { config } = runtime;
  const from = options.mode === 'apply' ? (options.from ?? RUN_START) : RUN_START;
  const timeIsUp = options.timeIsUp ?? (() => false);
  const regions = regionsOf(options, runtime);
  const carried = usableCarried(options, from);
  if (options.carried)
    hooks.log?.(
      carried
        ? "applying from the run's first listing (no listing)"
        : "listing: the run's first listing does not cover what is left",
      { cursor: from.cursor },
    );
  const existing = carried ? [] : await listRegions(regions, runtime);
  const plan = carried
    ? planFromCarried(options, carried, config.owner)
    : planReconcile(options.desired, existing, config.owner);
  // What this invocation reports of the plan: its own entries, and the sessions no entry wants once, when
  // the prune walk begins.
  const pruneBegins = from.pruneAfter === null;
  const shown: Plan = pruneBegins ? plan : { ...plan, prune: [], foreign: [], orphaned: [] };
  const lists = listsFromPlan(
    { ...shown, entries: plan.entries.slice(from.cursor) },
    options.mode,
    config.reconcilePrune,
  );
  const entries: ReportEntry[] = plan.entries.map((e) => ({
    name: e.name,
    status: e.status,
    sessionId: e.sessionId,
    ...(e.foreign ? { foreign: true } : {}),
    ...(e.differences.length ? { differences: e.differences } : {}),
    ...(e.problems.length ? { problems: e.problems } : {}),
  }));
  const handOffs: ReconcileReport['handOffs'] = [];
  let end = plan.entries.length;
  let next: RunPosition | undefined;
  let carry: CarriedPlan | undefined;

  if (options.mode === 'apply') {
    const free = carried
      ? freeFromCarried(carried, config.priorityRange)
      : freePriorities(plan, existing, config.priorityRange);
    const run = startRun(options, runtime, free, lists, hooks);
    // Sessions a run that died had created, never handed off: answered by its next run's first invocation.
    if (from.cursor === 0 && pruneBegins) handOffs.push(...(await recoverHandOffs(run, plan)));
    end = await applyEntries(run, plan, entries, from.cursor, handOffs, timeIsUp);
    if (end < plan.entries.length) next = { cursor: end, pruneAfter: null };
    // Without a listing there is nothing to prune from: the next invocation lists and prunes.
    else if (carried) next = { cursor: end, pruneAfter: null };
    // Created sessions are in the flow's hands before anything is deleted.
    else if (config.reconcilePrune) {
      const pruned = await pruneSessions(run, plan, from.pruneAfter ?? '', timeIsUp, end === from.cursor);
      if (pruned !== null) next = { cursor: end, pruneAfter: pruned };
    }
    // An earlier attempt of this firing created what the plan saw as unchanged (reconcileApply.ts).
    const created = new Set(lists.created.map((c) => c.name));
    lists.unchanged = lists.unchanged.filter((n) => !created.has(n));
    if (end < plan.entries.length) {
      // Entries the next invocation applies are reported by it, and the sessions no entry wants with its prune.
      const later = new Set(plan.entries.slice(end).map((e) => e.name));
      lists.unchanged = lists.unchanged.filter((n) => !later.has(n));
      lists.drifted = lists.drifted.filter((d) => !later.has(d.name));
      lists.invalid = lists.invalid.filter((i) => !later.has(i.name));
      Object.assign(lists, { foreign: [], orphaned: [], wouldDelete: [] });
    }
    if (next && next.cursor < plan.entries.length) carry = carryOn(run, plan, carried);
  }

  const report: Omit<ReconcileReport, 'text'> = {
    triggerTime: options.triggerTime,
    mode: options.mode,
    owner: config.owner,
    regions,
    prune: config.reconcilePrune,
    counts: reconcileCounts(lists, plan.entries.length),
    lists,
    entries: entries.slice(from.cursor, end),
    handOffs,
    ...(next ? { next } : {}),
    ...(carry ? { carry } : {}),
  };
  return { ...report, text: describeReport(report) };
}
