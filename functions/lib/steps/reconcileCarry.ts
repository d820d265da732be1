/**
 * A long run's later invocations apply from what its first listing found (contract/carriedPlan.ts) instead of
 * listing the region again: when that plan still holds, the plan it gives, the free priorities it carries,
 * and the plan to carry on to the next invocation.
 */
import { type CarriedPlan, carriedPlan, decodeBits, namesDigest } from '../contract/carriedPlan.js';
import type { RunPosition } from '../contract/reconcileProgress.js';
import { FreePriorities, type PriorityRange } from './priority.js';
import type { ReconcileOptions } from './reconcile.js';
import type { Run } from './reconcileApply.js';
import { type Plan, planReconcile } from './reconcilePlan.js';
import { ownFiringSession } from './reconcileRecovery.js';

/**
 * The carried plan, when this invocation can apply from it: it goes on with entries (not the start, not the
 * prune walk, which list), the desired state is the one it was made from, and none of the entries left needs
 * what only a listing gives (a session to update, a drifted one, this firing's own).
 */
export function usableCarried(options: ReconcileOptions, from: RunPosition): CarriedPlan | undefined {
  const { carried, desired } = options;
  const total = desired.sessions.length;
  if (!carried || options.mode !== 'apply' || from.pruneAfter !== null) return undefined;
  if (from.cursor === 0 || from.cursor >= total) return undefined;
  if (carried.names !== namesDigest(desired.sessions.map((s) => s.name))) return undefined;
  return decodeBits(carried.others).some((i) => i >= from.cursor) ? undefined : carried;
}

/** The plan as the run's first listing made it: entries to create, the rest unchanged (no listing). */
export function planFromCarried(options: ReconcileOptions, carried: CarriedPlan, owner: string): Plan {
  const plan = planReconcile(options.desired, [], owner);
  const creates = new Set(decodeBits(carried.creates));
  plan.entries.forEach((e, i) => {
    if (!creates.has(i) && e.status === 'create') e.status = 'unchanged';
  });
  return plan;
}

/** What the next invocation can apply from: this plan's statuses (or the carried ones), and the priorities taken now. */
export function carryOn(run: Run, plan: Plan, carried: CarriedPlan | undefined): CarriedPlan | undefined {
  const taken = new Map([...run.free].map(([region, free]) => [region, free.taken()]));
  const names = plan.entries.map((e) => e.name);
  if (carried) return carriedPlan(names, decodeBits(carried.creates), decodeBits(carried.others), taken);
  const creates: number[] = [];
  const others: number[] = [];
  plan.entries.forEach((e, i) => {
    if (e.status === 'create') creates.push(i);
    else if (e.status !== 'unchanged' || ownFiringSession(run, e)) others.push(i);
  });
  return carriedPlan(names, creates, others, taken);
}

/** Each region's free priorities as the carried plan left them. */
export function freeFromCarried(carried: CarriedPlan, range: PriorityRange): Run['free'] {
  return new Map(
    Object.entries(carried.taken).map(([region, taken]) => [
      region,
      new FreePriorities(range, decodeBits(taken)),
    ]),
  );
}
