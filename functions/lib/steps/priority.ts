/**
 * Allocated priorities. Priorities are unique per region and account; listing every session to
 * find a free one costs up to 200 calls and can change between retries. So the candidates are a pure function
 * of the request's ClientToken: every delivery of one request walks the same sequence. Each candidate is sent
 * with a ClientToken of its own (candidateToken), because the cloud remembers a token with its first answer,
 * failures included: one token tried with a second priority would be an `IdempotentParameterMismatch`.
 */
import { createHash } from 'node:crypto';
import { candidateToken } from '../contract/clientToken.js';

export interface PriorityRange {
  min: number;
  max: number;
}

/** The first `count` distinct candidates for a token, each in [range.min, range.max]. */
export function priorityCandidates(token: string, range: PriorityRange, count: number): number[] {
  const size = range.max - range.min + 1;
  const wanted = Math.min(count, size);
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < wanted; i++) {
    const digest = createHash('sha256').update(`${token}\u0000${i}`).digest();
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

/** The walk for a request: its candidates in order, each with its own deterministic ClientToken. */
export function priorityWalk(token: string, range: PriorityRange, count: number): PriorityCandidate[] {
  return priorityCandidates(token, range, count).map((priority, index) => ({
    priority,
    clientToken: candidateToken(token, index),
  }));
}
