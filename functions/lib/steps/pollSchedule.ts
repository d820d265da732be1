/**
 * When to look again. A session that has taken e seconds so far is looked at again within 0.15 × e + 2
 * seconds, so its Ready event comes at most that long after it is really Created: early looks are close
 * together, where a short creation would make a fixed wait a large share of it, and later ones spread out,
 * where a few seconds more are nothing against a long creation. In whole seconds within CloudFlow's Wait range
 * (1–300), never past the deadline. No jitter on this path: executions started apart stay apart by themselves.
 *
 * After a throttled or failed look the wait doubles (at least 10 s) with "equal jitter" (half fixed, half
 * random), which spreads the executions that a throttled API pushed back together.
 */
import type { Random } from '../cloud/backoff.js';

export interface PollScheduleOptions {
  /** Seconds since the job was handed off (its sessions were created just before). */
  elapsedSeconds: number;
  /** The shortest creation time: no look before it. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** Seconds left until the deadline. */
  remainingSeconds: number;
  /** The last look was throttled or failed transiently: back off harder. */
  throttled?: boolean;
  random?: Random;
}

/** The detection lag allowed: this share of the time a session has taken so far… */
export const LAG_SHARE = 0.15;
/** …plus this much, of which one second goes to rounding the wait up to whole seconds. */
export const LAG_SLACK_SECONDS = 1;
export const WAIT_RANGE = { min: 1, max: 300 } as const;

export function nextDelaySeconds(options: PollScheduleOptions): number {
  const elapsed = Math.max(0, options.elapsedSeconds);
  const cap = Math.min(options.maxDelaySeconds, WAIT_RANGE.max);
  let delay =
    elapsed < options.firstDelaySeconds
      ? Math.ceil(options.firstDelaySeconds - elapsed)
      : Math.min(cap, Math.ceil(LAG_SHARE * elapsed + LAG_SLACK_SECONDS));
  if (options.throttled) {
    const random = options.random ?? Math.random;
    const ceiling = Math.min(WAIT_RANGE.max, Math.max(delay * 2, 10));
    delay = Math.ceil(ceiling / 2 + random() * (ceiling / 2));
  }
  const bounded = Math.min(delay, Math.max(WAIT_RANGE.min, Math.floor(options.remainingSeconds)));
  return Math.max(WAIT_RANGE.min, Math.min(WAIT_RANGE.max, bounded));
}
