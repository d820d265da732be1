/**
 * Starting one session-ready execution: a new job of these items (and notices) under this name, with the
 * deployment's bus, account and deadline, handed off with the configured retry budget. Every hand-off of
 * mirrorflow goes through here.
 */
import { cloudCallPolicy, type RetryHooks } from '../cloud/retry.js';
import { type HandOffResult, handOff } from '../cloud/workflowClient.js';
import {
  type CompletionEventParams,
  createdJustBefore,
  type Job,
  type JobItem,
  newJob,
} from '../contract/flowJob.js';
import type { Runtime } from '../runtime/runtime.js';

/** The job an execution of this name starts with. */
export function jobFor(
  name: string,
  items: JobItem[],
  runtime: Pick<Runtime, 'config' | 'accountId' | 'now'>,
  notices?: CompletionEventParams[],
): Job {
  const { config } = runtime;
  const job = newJob({
    executionName: name,
    eventBusName: config.eventBusName,
    accountId: runtime.accountId,
    now: runtime.now(),
    deadlineSeconds: config.pollDeadlineSeconds,
    items,
    ...(notices ? { notices } : {}),
  });
  // Not read by session-ready, which starts at CheckStatus (its first round plans the first look); a job
  // still says how long a Wait before its first look would be: sessions just created are certainly Creating
  // until the shortest creation time has passed, anything else is looked at (or answered) at once.
  const onlyFreshCreates =
    items.length > 0 && items.every((i) => createdJustBefore(i) && i.state === 'pending' && !i.failure);
  job.nextDelaySeconds = onlyFreshCreates
    ? Math.min(config.pollFirstDelaySeconds, config.pollDeadlineSeconds)
    : 1;
  return job;
}

/** Hands a job to the flow (an execution of that name that already exists is not started again). */
export function startJob(
  job: Job,
  runtime: Pick<Runtime, 'config' | 'workflow' | 'retryHooks'>,
  hooks: RetryHooks | undefined = runtime.retryHooks,
): Promise<HandOffResult> {
  return handOff(runtime.workflow, {
    flowName: runtime.config.flowName,
    job,
    policy: cloudCallPolicy(runtime.config),
    ...(hooks ? { hooks } : {}),
  });
}
