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

/** A key's candidates in [range.min, range.max], distinct, in its order (until the range is exhausted). */
function* hashedCandidates(key: string, range: PriorityRange): Generator<number> {
  const size = range.max - range.min + 1;
  const seen = new Set<number>();
  for (let i = 0; seen.size < size; i++) {
    const digest = createHash('sha256').update(`${key}\u0000${i}`).digest();
    const candidate = range.min + (digest.readUInt32BE(0) % size);
    if (!seen.has(candidate)) {
      seen.add(candidate);
      yield candidate;
    }
  }
}

/** The first `count` distinct candidates for a key, each in [range.min, range.max]. */
export function priorityCandidates(key: string, range: PriorityRange, count: number): number[] {
  const out: number[] = [];
  if (count <= 0) return out;
  for (const candidate of hashedCandidates(key, range)) {
    out.push(candidate);
    if (out.length >= count) break;
  }
  return out;
}

/**
 * How far reconcile follows a key's candidates before it walks on from the first one: further than any
 * request's walk (MIRRORFLOW_PRIORITY_ATTEMPTS, at most 64), so the two agree wherever a request finds one.
 */
export const LISTED_CANDIDATES = 64;

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
 * the key's first free candidate — the one a request's walk through the same region would end at — or, past
 * LISTED_CANDIDATES, the first free one after its first candidate, and marks it used. So the entries of one
 * run never collide with each other or with anything listed — no Create is wasted unless someone else creates
 * at once — and a request for the same traffic through a trigger picks the same priority.
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
    let first: number | undefined;
    let priority: number | undefined;
    let followed = 0;
    for (const candidate of hashedCandidates(key, this.range)) {
      first ??= candidate;
      if (!this.used.has(candidate)) priority = candidate;
      if (priority !== undefined || ++followed >= LISTED_CANDIDATES) break;
    }
    if (priority === undefined) {
      const size = this.range.max - this.range.min + 1;
      let offset = first! - this.range.min;
      while (this.used.has(this.range.min + offset)) offset = (offset + 1) % size;
      priority = this.range.min + offset;
    }
    this.used.add(priority);
    this.free--;
    return priority;
  }
}
