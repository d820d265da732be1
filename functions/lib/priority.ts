/**
 * Allocated priorities (DESIGN §3). Priorities are unique per region and account; listing every session to
 * find a free one costs up to 200 calls and can change between retries, and a retry with the same ClientToken
 * but another Priority is an `IdempotentParameterMismatch`. So the candidates are a pure function of the
 * ClientToken: every delivery of one request walks the same sequence.
 */
import { createHash } from 'node:crypto';

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
