/**
 * check-status: the loop body of workflows/session-ready.yaml. Gets the flow's `job`, looks at the sessions
 * (one List call per region per 100), and returns the next job: pending with a delay, events to emit, or done.
 */

import type { Job } from '../lib/contract/flowJob.js';
import { beginInvocation, createLogger } from '../lib/runtime/logger.js';
import { type FcContext, runtimeFrom } from '../lib/runtime/runtime.js';
import { checkStatus } from '../lib/steps/checkStatus.js';

const logger = createLogger('check-status');

export const handler = async (event: Buffer, context: FcContext): Promise<Job> => {
  beginInvocation(logger, { requestId: context.requestId });
  const job = JSON.parse(event.toString('utf8')) as Job;
  if (job?.version !== 1 || !Array.isArray(job.items))
    throw new Error('check-status expects the session-ready job (version 1)');
  logger.appendKeys({ executionName: job.executionName });
  const runtime = runtimeFrom(context);
  const next = await checkStatus(job, {
    vpcFor: runtime.vpcFor,
    config: runtime.config,
    now: runtime.now,
    ...(runtime.retryHooks ? { retryHooks: runtime.retryHooks } : {}),
    log: (message, details) => logger.warn(message, details),
  });
  const count = (state: string) => next.items.filter((i) => i.state === state).length;
  logger.info('checked', {
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
