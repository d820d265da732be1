/**
 * When to look again: capped exponential backoff with jitter, in whole seconds within CloudFlow's
 * Wait range (1–300), never past the deadline. "Equal jitter" (half fixed, half random) keeps delays from
 * collapsing to near zero, which full jitter would do, while still spreading many executions apart.
 */
import type { Random } from '../cloud/backoff.js';

export interface PollScheduleOptions {
  /** 1-based: the delay after the attempt-th look. */
  attempt: number;
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** Seconds left until the deadline. */
  remainingSeconds: number;
  /** The last look was throttled or failed transiently: back off harder. */
  throttled?: boolean;
  random?: Random;
}

export const GROWTH = 1.4;
export const WAIT_RANGE = { min: 1, max: 300 } as const;

export function nextDelaySeconds(options: PollScheduleOptions): number {
  const random = options.random ?? Math.random;
  const cap = Math.min(options.maxDelaySeconds, WAIT_RANGE.max);
  let ceiling = Math.min(cap, options.firstDelaySeconds * GROWTH ** Math.max(0, options.attempt - 1));
  if (options.throttled) ceiling = Math.min(WAIT_RANGE.max, Math.max(ceiling * 2, 10));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const bounded = Math.min(
    Math.ceil(jittered),
    Math.max(WAIT_RANGE.min, Math.floor(options.remainingSeconds)),
  );
  return Math.max(WAIT_RANGE.min, Math.min(WAIT_RANGE.max, bounded));
}
