/**
 * check-status: the loop body of workflows/session-ready.yaml. Gets the flow's `job`, looks at the sessions
 * at the tick it was sent for (List calls of up to 100 ids, shared with the other flows' looks the instance
 * runs at that moment; without waiting for them when it knows of no other flow in the region), and returns the
 * next job: pending with a delay, events to emit, or done. s.yaml runs it on a custom runtime (server.ts) so
 * that one instance takes many looks at once.
 */

import type { Job } from '../lib/contract/flowJob.js';
import { localTimeScale } from '../lib/runtime/clock.js';
import { answersCodeCacheRequests } from '../lib/runtime/codeCache.js';
import { createLogger, invocationLogger } from '../lib/runtime/logger.js';
import { type FcContext, type Runtime, runtimeFrom } from '../lib/runtime/runtime.js';
import { type CheckStatusDeps, checkStatusRounds, LOOKS_WITHIN_MS } from '../lib/steps/checkStatus.js';
import { LookRoster } from '../lib/steps/lookRoster.js';
import { IDS_PER_LIST, SHARED_LOOK_WINDOW_MS, SharedLookups } from '../lib/steps/sharedLookups.js';

const logger = createLogger('check-status');
/** One per instance: the invocations it runs at once (a custom runtime's instance concurrency) share List calls. */
const lookups = new SharedLookups();
/** One per instance: the flows it expects to look, by region, so that a flow alone need not keep to the grid. */
const roster = new LookRoster();

/** Looks that wait for their tick and share this instance's List calls (steps/pollSchedule.ts). */
function sharedLooks(runtime: Runtime): Pick<CheckStatusDeps, 'sleep' | 'lookUp' | 'roster'> {
  return {
    sleep: runtime.sleep,
    roster,
    lookUp: (regionId, ids, { alone }) =>
      lookups.lookUp(
        regionId,
        ids,
        async (region, chunk) =>
          (
            await runtime.vpcFor(region).listTrafficMirrorSessions({
              RegionId: region,
              TrafficMirrorSessionIds: chunk,
              MaxResults: IDS_PER_LIST,
            })
          ).TrafficMirrorSessions,
        runtime.sleep,
        alone ? 0 : SHARED_LOOK_WINDOW_MS,
      ),
  };
}

/**
 * How long one invocation may keep looking, in the cloud's time. FC's timeout is real time: on a local cloud
 * that runs slower than real time (`--time-scale` below 1) the same budget is fewer virtual seconds.
 */
const lookingBudgetMs = () => LOOKS_WITHIN_MS * Math.min(1, localTimeScale());

const handle = async (event: Buffer, context: FcContext): Promise<Job> => {
  const job = JSON.parse(event.toString('utf8')) as Job;
  if (job?.version !== 1 || !Array.isArray(job.items))
    throw new Error('check-status expects the session-ready job (version 1)');
  const log = invocationLogger(logger, { requestId: context.requestId, executionName: job.executionName });
  const runtime = runtimeFrom(context);
  const next = await checkStatusRounds(
    job,
    {
      vpcFor: runtime.vpcFor,
      config: runtime.config,
      now: runtime.now,
      ...(runtime.config.pollShared ? sharedLooks(runtime) : {}),
      ...(runtime.retryHooks ? { retryHooks: runtime.retryHooks } : {}),
      log: (message, details) => log.warn(message, details),
    },
    lookingBudgetMs(),
  );
  const count = (state: string) => next.items.filter((i) => i.state === state).length;
  log.info('checked', {
    phase: next.phase,
    attempt: next.attempt,
    pending: count('pending'),
    ready: count('ready'),
    failed: count('failed'),
    nextDelaySeconds: next.phase === 'pending' ? next.nextDelaySeconds : undefined,
    emitting: next.events.length || undefined,
  });
  return next;
};

/** FC's `index.handler`; it also answers `mirrorflow code-cache` (functions/lib/runtime/codeCache.ts). */
export const handler = answersCodeCacheRequests(handle, logger);
