/**
 * A session the scheduled run deletes on its own: pruned (reconcile made it for an entry that is gone) or
 * expired (its request's time has come). The delete is sent with a token of this run, so a refusal (the
 * session busy changing) is not replayed by the next run, which simply tries again; the hand-off is named
 * after the session alone, so each session gets one Deleted event however many runs it takes — and a run
 * that died between the delete and the hand-off is healed by the next, which finds the session Deleting
 * (withdraw() sends no second delete) and hands it off under the same name.
 */
import { CloudApiError } from '../cloud/cloudError.js';
import { clientToken, executionName } from '../contract/clientToken.js';
import { namedSessionJobItem } from '../contract/flowJob.js';
import type { Runtime } from '../runtime/runtime.js';
import { jobFor, startJob } from './startJob.js';
import { withdraw } from './withdraw.js';

export type ScheduledReason = 'prune' | 'expire';

export interface ScheduledWithdrawal {
  /** `Deleting`: handed to the flow (one Deleted event); `Gone`: nothing left to do; `RetryLater`: the next run. */
  outcome: 'Deleting' | 'Gone' | 'RetryLater';
  error?: unknown;
}

export async function withdrawScheduled(
  runtime: Runtime,
  target: { RegionId: string; TrafficMirrorSessionId: string },
  why: { reason: ScheduledReason; triggerTime: string; correlation: Record<string, string> },
  log: (message: string, details: Record<string, unknown>) => void,
): Promise<ScheduledWithdrawal> {
  const sessionId = target.TrafficMirrorSessionId;
  try {
    const result = await withdraw(
      {
        request: { ...target, Correlation: why.correlation },
        kind: 'reconcile',
        key: JSON.stringify([why.reason, sessionId, why.triggerTime]),
      },
      {
        vpcFor: runtime.vpcFor,
        config: runtime.config,
        log,
        ...(runtime.retryHooks ? { retryHooks: runtime.retryHooks } : {}),
      },
    );
    if (result.outcome === 'Deleting') {
      const item = namedSessionJobItem('withdraw', result, 'reconcile', runtime.accountId);
      const name = executionName(clientToken('reconcile', `${why.reason}:${sessionId}`));
      await startJob(jobFor(name, [item], runtime), runtime);
      return { outcome: 'Deleting' };
    }
    if (result.outcome === 'Rejected' && result.error.code === 'Mirror.SessionNotFound')
      return { outcome: 'Gone' };
    return { outcome: 'RetryLater', error: result.outcome === 'Rejected' ? result.error : result.problems };
  } catch (error) {
    // Throttling or a server error that outlived the retries: the next run tries again.
    if (!(error instanceof CloudApiError && error.retryable)) throw error;
    return { outcome: 'RetryLater', error: error.toJSON() };
  }
}
