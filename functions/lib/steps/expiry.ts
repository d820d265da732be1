/**
 * Expiring sessions: a Submitted request with ExpiresAt or DurationSeconds carries a `mirrorflow-expiry` tag
 * (`at:<time>` or `after:<seconds from creation>`), and the scheduled run withdraws every session this
 * deployment owns whose time has come, through the same withdraw as a person's (scheduledWithdrawal.ts), so
 * each ends in one Deleted event however many runs it takes.
 */

import { retryingPages } from '../cloud/retry.js';
import { listAllSessions, type TrafficMirrorSession } from '../cloud/vpcClient.js';
import { EXPIRY_TAG_KEY, OWNERSHIP_TAG_KEY, TOKEN_TAG_KEY } from '../contract/sessionTags.js';
import type { Runtime } from '../runtime/runtime.js';
import { pacedCalls } from './pacing.js';
import { type ScheduledWithdrawal, withdrawScheduled } from './scheduledWithdrawal.js';

/** When a session's tag says it expires (epoch ms), or undefined when it does not. */
export function expiresAt(session: TrafficMirrorSession): number | undefined {
  const tag = session.Tags.find((t) => t.Key === EXPIRY_TAG_KEY)?.Value;
  if (!tag) return undefined;
  if (tag.startsWith('at:')) {
    const at = Date.parse(tag.slice(3));
    return Number.isNaN(at) ? undefined : at;
  }
  if (tag.startsWith('after:')) {
    const seconds = Number(tag.slice(6));
    // CreationTime is at minute precision (`2026-11-29T10:15Z`): never withdraw early, so round up.
    const created = Date.parse(session.CreationTime ?? '');
    return Number.isFinite(seconds) && !Number.isNaN(created) ? created + 60_000 + seconds * 1000 : undefined;
  }
  return undefined;
}

export interface ExpiredSession {
  sessionId: string;
  regionId: string;
  expiredAt: string;
  outcome: ScheduledWithdrawal['outcome'] | 'planned';
}

/**
 * How an apply run's sweep deletes: paced like the run's own calls (DeleteTrafficMirrorSession has the API's
 * flow control too), at most so many per run — a slice's worth at that pace — and only while the invocation
 * has time left (`timeIsUp`), so that a mass expiry cannot carry the invocation that ends the run towards its
 * timeout; the rest expire at the next run.
 */
export interface SweepLimits {
  pace: () => Promise<void>;
  maxDeletes: number;
  timeIsUp: () => boolean;
}

/** A run's sweep limits from its settings: its create rate, one slice's worth of deletes, and `timeIsUp`. */
export function sweepLimits(runtime: Runtime, timeIsUp: () => boolean = () => false): SweepLimits {
  const { reconcileCreatesPerSecond: perSecond, reconcileSliceSeconds } = runtime.config;
  return {
    pace: pacedCalls(perSecond, () => runtime.now(), runtime.sleep),
    maxDeletes: perSecond * reconcileSliceSeconds,
    timeIsUp,
  };
}

export async function sweepExpired(
  regions: string[],
  run: { mode: 'apply' | 'plan'; triggerTime: string },
  runtime: Runtime,
  log: (message: string, details: Record<string, unknown>) => void = () => {},
  limits: SweepLimits = sweepLimits(runtime),
): Promise<ExpiredSession[]> {
  const now = runtime.now();
  const swept: ExpiredSession[] = [];
  let deletes = 0;
  for (const regionId of regions) {
    const owned = listAllSessions(
      runtime.vpcFor(regionId),
      { RegionId: regionId, Tags: [{ Key: OWNERSHIP_TAG_KEY, Value: runtime.config.owner }] },
      retryingPages(runtime),
    );
    for await (const session of owned) {
      const at = expiresAt(session);
      if (at === undefined || at > now) continue;
      const sessionId = session.TrafficMirrorSessionId;
      const expiredAt = new Date(at).toISOString();
      // Already Deleting: handed to the flow again under the same name (a no-op unless an earlier run died
      // before its hand-off), not counted again.
      const deleting = session.TrafficMirrorSessionStatus === 'Deleting';
      if (run.mode === 'plan') {
        if (!deleting) swept.push({ sessionId, regionId, expiredAt, outcome: 'planned' });
        continue;
      }
      if (!deleting) {
        if (deletes >= limits.maxDeletes || limits.timeIsUp()) {
          log('expiry sweep stopped at its share of deletes or time; the rest expire at the next run', {
            deletes,
            regionId,
          });
          return swept;
        }
        deletes += 1;
        await limits.pace();
      }
      const token = session.Tags.find((t) => t.Key === TOKEN_TAG_KEY)?.Value;
      const done = await withdrawScheduled(
        runtime,
        { RegionId: regionId, TrafficMirrorSessionId: sessionId },
        {
          reason: 'expire',
          triggerTime: run.triggerTime,
          correlation: { expired: expiredAt, ...(token ? { request: token } : {}) },
        },
        log,
      );
      log('expired session withdrawn', { sessionId, outcome: done.outcome, error: done.error });
      if (!deleting) swept.push({ sessionId, regionId, expiredAt, outcome: done.outcome });
    }
  }
  return swept;
}
