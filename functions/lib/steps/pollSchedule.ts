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
import { SHARED_LOOK_WINDOW_MS } from './sharedLookups.js';

export interface PollScheduleOptions {
  /** Seconds since the job was handed off (its sessions are at least that old: the safe side of their age). */
  elapsedSeconds: number;
  /** The shortest creation time: no session is Created sooner, so the first look is due after it (0: none). */
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
  const first = options.firstDelaySeconds;
  // Before the shortest creation time nothing can be Created: the first look is due when one Created then is.
  let delay =
    elapsed < first
      ? Math.ceil(first - elapsed + Math.min(cap, LAG_SHARE * first + LAG_SLACK_SECONDS))
      : Math.min(cap, Math.ceil(LAG_SHARE * elapsed + LAG_SLACK_SECONDS));
  if (options.throttled) {
    const random = options.random ?? Math.random;
    const ceiling = Math.min(WAIT_RANGE.max, Math.max(delay * 2, 10));
    delay = Math.ceil(ceiling / 2 + random() * (ceiling / 2));
  }
  const bounded = Math.min(delay, Math.max(WAIT_RANGE.min, Math.floor(options.remainingSeconds)));
  return Math.max(WAIT_RANGE.min, Math.min(WAIT_RANGE.max, bounded));
}

/*
 * Shared looks. Every look at a session falls on a grid of whole seconds common to the region: its spacing is
 * the largest 2^k or 3·2^k seconds within the interval allowed at that point, so the sessions at one stage
 * meet at every tick and those at neighbouring stages at every other (an 8-s tick is also a 4-s one, a 6-s
 * tick a 3-s one), and the check-status invocations of many flows arrive together. (Powers of two alone
 * would meet as often but look ~10 % more often; every whole number would meet less often.) On a custom
 * runtime with instance concurrency they share one List call of up to 100 ids (steps/sharedLookups.ts). A
 * Wait is whole seconds from whenever its state starts, so the flow is sent a little early and check-status
 * sleeps the rest of the way to the tick.
 *
 * The grid costs looks: a tick is often sooner than the bound requires. A flow that its instance knows to be
 * alone in its regions (steps/lookRoster.ts) has no one to meet, so it looks as late as the bound allows
 * instead, and without waiting for others to join its call.
 */

/** Of the lag bound's slack, what is left for the look's own List call and the Ready event after it. */
export const EMIT_ALLOWANCE_SECONDS = 0.35;
/** …and, on the grid, for the shared call's window as well (steps/sharedLookups.ts). */
export const LOOK_MARGIN_SECONDS = EMIT_ALLOWANCE_SECONDS + SHARED_LOOK_WINDOW_MS / 1000;
/** A look arriving up to this long before its tick sleeps to it; an earlier one looks at once. */
export const ALIGN_MAX_SLEEP_MS = 2_000;
/** A look without a plan (the first, or after a throttled one) takes a grid tick up to this long past. */
export const ALIGN_LATE_MS = 500;

/**
 * Seconds allowed between two looks once the sessions have taken `elapsedSeconds`: the lag bound, less a
 * margin (LOOK_MARGIN_SECONDS on the grid, EMIT_ALLOWANCE_SECONDS for a flow looking alone).
 */
export function lookIntervalSeconds(
  elapsedSeconds: number,
  maxDelaySeconds: number,
  marginSeconds = LOOK_MARGIN_SECONDS,
): number {
  const bound = LAG_SHARE * Math.max(0, elapsedSeconds) + LAG_SLACK_SECONDS + 1 - marginSeconds;
  return Math.max(1, Math.min(bound, maxDelaySeconds, WAIT_RANGE.max));
}

/** The grid's spacing for an interval: the largest 2^k or 3·2^k seconds within it. */
export function gridSeconds(intervalSeconds: number): number {
  const power = 2 ** Math.floor(Math.log2(Math.max(1, intervalSeconds)));
  return power >= 2 && intervalSeconds >= 1.5 * power ? 1.5 * power : power;
}

export interface NextLookOptions {
  /** When the last look was (epoch ms), or now if there was none yet. */
  lastLookMs: number;
  startedAtMs: number;
  deadlineMs: number;
  /** The shortest creation time (0 when the sessions may already be settled, or older than the job). */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** No other flow is known to look in these regions: the look is the latest the bound allows, off the grid. */
  alone?: boolean;
}

/**
 * When to look next (epoch ms): the latest moment that still sees, within the bound, a session Created just
 * after the last look — or, before the first look, one Created at the shortest creation time, since none can
 * be Created sooner. On the grid, the last tick before that moment. Never past the deadline.
 */
export function nextLookAt(o: NextLookOptions): number {
  const margin = o.alone ? EMIT_ALLOWANCE_SECONDS : LOOK_MARGIN_SECONDS;
  const earliest = o.startedAtMs + o.firstDelaySeconds * 1000;
  // Sessions are certainly still Creating before `earliest`: the bound runs from then, for one Created then.
  const firstLook = o.lastLookMs < earliest;
  const from = firstLook ? earliest : o.lastLookMs;
  const elapsedSeconds = firstLook ? o.firstDelaySeconds : (from - o.startedAtMs) / 1000;
  const intervalSeconds = lookIntervalSeconds(elapsedSeconds, o.maxDelaySeconds, margin);
  const latest = from + intervalSeconds * 1000;
  const gridMs = gridSeconds(intervalSeconds) * 1000;
  // The interval is at least one spacing long, so it holds a tick after `from`.
  const look = o.alone ? Math.floor(latest) : Math.floor(latest / gridMs) * gridMs;
  return Math.min(look, Math.max(o.deadlineMs, o.lastLookMs));
}

/** The Wait before a look at `lookAtMs`: whole seconds that end at most a second early (`earlyBy` more). */
export function waitSecondsUntil(lookAtMs: number, nowMs: number, earlyBySeconds = 0): number {
  const seconds = Math.floor((lookAtMs - nowMs) / 1000) - earlyBySeconds;
  return Math.max(WAIT_RANGE.min, Math.min(WAIT_RANGE.max, seconds));
}

/**
 * When an arriving check-status looks: at the moment it was sent for if that is at most ALIGN_MAX_SLEEP_MS
 * ahead (at once if it has passed); without a plan (a first look, or after a throttled one), at the tick of the
 * grid for its stage at most ALIGN_MAX_SLEEP_MS ahead or ALIGN_LATE_MS behind; else at once.
 */
export function lookTimeOnArrival(o: {
  nowMs: number;
  plannedMs?: number;
  startedAtMs: number;
  maxDelaySeconds: number;
}): number {
  // The moment it was sent for — at once if that has passed: the plan was already as late as the bound
  // allows (an alone one has no slack at all), so a late look does not wait for the next tick.
  if (o.plannedMs !== undefined && o.plannedMs <= o.nowMs + ALIGN_MAX_SLEEP_MS)
    return Math.max(o.nowMs, o.plannedMs);
  const within = (t: number) => t >= o.nowMs - ALIGN_LATE_MS && t <= o.nowMs + ALIGN_MAX_SLEEP_MS;
  const gridMs = gridSeconds(lookIntervalSeconds((o.nowMs - o.startedAtMs) / 1000, o.maxDelaySeconds)) * 1000;
  const tick = Math.ceil((o.nowMs - ALIGN_LATE_MS) / gridMs) * gridMs;
  return within(tick) ? Math.max(o.nowMs, tick) : o.nowMs;
}
