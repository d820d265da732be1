/**
 * Expiring sessions: a Submitted request with ExpiresAt or DurationSeconds carries a `mirrorflow-expiry` tag
 * (`at:<time>` or `after:<seconds from creation>`), and the scheduled run withdraws every session this
 * deployment owns whose time has come — through the same withdraw as a person's, so each ends in one Deleted
 * event. The key of that withdraw is the session's id: the next run, finding it Deleting or gone, adds nothing.
 */

import { listAllSessions, type TrafficMirrorSession } from '../cloud/vpcClient.js';
import { EXPIRY_TAG_KEY, OWNERSHIP_TAG_KEY, TOKEN_TAG_KEY } from '../contract/request.js';
import type { Runtime } from '../runtime/runtime.js';
import { intakeWithdraw } from './intake.js';
import type { WithdrawResult } from './withdraw.js';

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
  outcome: WithdrawResult['outcome'] | 'planned';
}

export async function sweepExpired(
  regions: string[],
  mode: 'apply' | 'plan',
  runtime: Runtime,
  log: (message: string, details: Record<string, unknown>) => void = () => {},
): Promise<ExpiredSession[]> {
  const now = runtime.now();
  const swept: ExpiredSession[] = [];
  for (const regionId of regions) {
    const owned = listAllSessions(runtime.vpcFor(regionId), {
      RegionId: regionId,
      Tags: [{ Key: OWNERSHIP_TAG_KEY, Value: runtime.config.owner }],
    });
    for await (const session of owned) {
      const at = expiresAt(session);
      if (at === undefined || at > now || session.TrafficMirrorSessionStatus === 'Deleting') continue;
      const expiredAt = new Date(at).toISOString();
      if (mode === 'plan') {
        swept.push({ sessionId: session.TrafficMirrorSessionId, regionId, expiredAt, outcome: 'planned' });
        continue;
      }
      const token = session.Tags.find((t) => t.Key === TOKEN_TAG_KEY)?.Value;
      const done = await intakeWithdraw(
        {
          request: {
            RegionId: regionId,
            TrafficMirrorSessionId: session.TrafficMirrorSessionId,
            Correlation: { expired: expiredAt, ...(token ? { request: token } : {}) },
          },
          kind: 'reconcile',
          key: `expire:${session.TrafficMirrorSessionId}`,
          handOffInvalid: false,
        },
        runtime,
        { log },
      );
      log('expired session withdrawn', {
        sessionId: session.TrafficMirrorSessionId,
        outcome: done.result.outcome,
      });
      swept.push({
        sessionId: session.TrafficMirrorSessionId,
        regionId,
        expiredAt,
        outcome: done.result.outcome,
      });
    }
  }
  return swept;
}
