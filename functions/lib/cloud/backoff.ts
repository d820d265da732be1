/** Capped exponential backoff with full jitter (each delay uniform in [0, min(cap, base·2^attempt)]). */

export type Random = () => number;

/** The upper bound of the delay before retry number `attempt` (0-based): min(cap, base·2^attempt). */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  // 2^attempt overflows to Infinity long after the cap applies; min() keeps it finite.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
}

/** Full jitter: spreads retries of many clients so they do not hit the API in waves. */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: Random = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, baseMs, capMs));
}
