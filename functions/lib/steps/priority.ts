/**
 * Allocated priorities. Priorities are unique per region and account; listing every session to find a free
 * one costs a request up to 200 calls and can change between retries. So a request's candidates are a pure
 * function of what it mirrors — region, sources, target and filter (priorityKey), never of its token: every
 * delivery walks the same sequence, and the same request arriving through two triggers at once collides on
 * the same first candidate, where the loser finds the winner's session instead of making a second one. Each
 * candidate is sent with a ClientToken of its own (candidateToken), because the cloud remembers a token with
 * its first answer, failures included: one token tried with a second priority would be an
 * `IdempotentParameterMismatch`. Reconcile, which has the region's listing, takes free priorities from it
 * instead (FreePriorities).
 */
import { createHash } from 'node:crypto';
import { candidateToken } from '../contract/clientToken.js';
import type { MirrorRequest } from '../contract/request.js';

/** What a request's candidates derive from: what it mirrors, in one region. */
export function priorityKey(
  request: Pick<
    MirrorRequest,
    'RegionId' | 'TrafficMirrorSourceIds' | 'TrafficMirrorTargetId' | 'TrafficMirrorFilterId'
  >,
): string {
  return JSON.stringify([
    request.RegionId,
    [...new Set(request.TrafficMirrorSourceIds)].sort(),
    request.TrafficMirrorTargetId,
    request.TrafficMirrorFilterId,
  ]);
}

export interface PriorityRange {
  min: number;
  max: number;
}

/** The first `count` distinct candidates for a key, each in [range.min, range.max]. */
export function priorityCandidates(key: string, range: PriorityRange, count: number): number[] {
  const size = range.max - range.min + 1;
  const wanted = Math.min(count, size);
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < wanted; i++) {
    const digest = createHash('sha256').update(`${key}\u0000${i}`).digest();
    const candidate = range.min + (digest.readUInt32BE(0) % size);
    if (!seen.has(candidate)) {
      seen.add(candidate);
      out.push(candidate);
    }
  }
  return out;
}

export interface PriorityCandidate {
  priority: number;
  /** The ClientToken this candidate is always sent with. */
  clientToken: string;
}

/** The walk for a request: its candidates in order, each with its own ClientToken derived from the request's. */
export function priorityWalk(
  key: string,
  token: string,
  range: PriorityRange,
  count: number,
): PriorityCandidate[] {
  return priorityCandidates(key, range, count).map((priority, index) => ({
    priority,
    clientToken: candidateToken(token, index),
  }));
}

/**
 * The free priorities of a region, from a listing of all its sessions (reconcile's plan): each take() gives
 * the first free one at or after the key's hash position, and marks it used, so the entries of one run never
 * collide with each other or with anything listed — no Create is wasted unless someone else creates at once.
 */
export class FreePriorities {
  private readonly used = new Set<number>();
  private free: number;

  constructor(
    private readonly range: PriorityRange,
    taken: Iterable<number>,
  ) {
    for (const p of taken) if (p >= range.min && p <= range.max) this.used.add(p);
    this.free = range.max - range.min + 1 - this.used.size;
  }

  /** The priorities of the range that are taken now (what a later invocation of the run starts from). */
  taken(): number[] {
    return [...this.used];
  }

  /** A free priority for this key, or undefined when the range is full. */
  take(key: string): number | undefined {
    if (this.free <= 0) return undefined;
    const size = this.range.max - this.range.min + 1;
    let offset = priorityCandidates(key, this.range, 1)[0]! - this.range.min;
    while (this.used.has(this.range.min + offset)) offset = (offset + 1) % size;
    const priority = this.range.min + offset;
    this.used.add(priority);
    this.free--;
    return priority;
  }
}
