/**
 * What a long reconcile run's first listing found, carried to its later invocations (reconcileProgress.ts) so
 * they need not list the region again: which entries were to be created, which need the listing (anything
 * but create and unchanged), and each region's taken priorities — bitmaps, so 20,000 entries and a full
 * priority range take ~10 KB of the flow's state. An invocation that gets it applies from it; a retried one
 * re-sends its Creates with the same tokens and priorities (the same input gives the same choices), which the
 * cloud answers with the sessions its failed attempt made.
 */
import { createHash } from 'node:crypto';

export interface CarriedPlan {
  /** The desired state the plan was made from: its entries' names, digested. */
  names: string;
  /** Bit i: entry i of the plan (entries in name order) was to be created. */
  creates: string;
  /** Bit i: entry i needs the listing (to update, drifted, invalid, or this firing's own session). */
  others: string;
  /** Per region, bit p: priority p is taken. */
  taken: Record<string, string>;
}

/** The carried plan stays within this many bytes of JSON, or is not carried (the next invocation lists). */
export const CARRIED_PLAN_BYTES = 24 * 1024;

/** The desired state's entry names, in the plan's order (by name: reconcilePlan.ts), digested. */
export function namesDigest(names: readonly string[]): string {
  const ordered = [...names].sort((a, b) => a.localeCompare(b));
  return createHash('sha256').update(ordered.join('\n')).digest('hex').slice(0, 32);
}

export function encodeBits(size: number, set: Iterable<number>): string {
  const bytes = new Uint8Array(Math.ceil(size / 8));
  for (const i of set) if (i >= 0 && i < size) bytes[i >> 3]! |= 1 << (i & 7);
  return Buffer.from(bytes).toString('base64');
}

export function decodeBits(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  const set: number[] = [];
  for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (1 << (i & 7))) set.push(i);
  return set;
}

/** The plan to carry, or undefined when it would not fit the flow's state. */
export function carriedPlan(
  names: readonly string[],
  creates: Iterable<number>,
  others: Iterable<number>,
  taken: Map<string, number[]>,
): CarriedPlan | undefined {
  const plan: CarriedPlan = {
    names: namesDigest(names),
    creates: encodeBits(names.length, creates),
    others: encodeBits(names.length, others),
    taken: Object.fromEntries(
      [...taken].map(([region, priorities]) => [region, encodeBits(32_767, priorities)]),
    ),
  };
  return Buffer.byteLength(JSON.stringify(plan)) <= CARRIED_PLAN_BYTES ? plan : undefined;
}
