/**
 * The completion event: a CloudEvent put on the bus by the flow, one per request — Ready when the
 * session is really Created, Updated when a modified one is Created with every change, Deleted when a
 * withdrawn one is gone, Failed with the reason otherwise. Its id is derived from the execution name, the
 * request's ClientToken and the outcome, so a consumer can drop duplicates (steps are at-least-once).
 */
import type { ErrorSummary } from '../cloud/cloudError.js';
import type { CompletionEventParams, Job, JobItem } from './flowJob.js';

export const EVENT_SOURCE = 'mirrorflow';
export const READY_TYPE = 'mirrorflow:TrafficMirrorSession:Ready' as const;
export const FAILED_TYPE = 'mirrorflow:TrafficMirrorSession:Failed' as const;
export const DELETED_TYPE = 'mirrorflow:TrafficMirrorSession:Deleted' as const;
export const UPDATED_TYPE = 'mirrorflow:TrafficMirrorSession:Updated' as const;

type Outcome = 'Ready' | 'Updated' | 'Deleted' | 'Failed';
const TYPES: Record<Outcome, CompletionEventParams['type']> = {
  Ready: READY_TYPE,
  Updated: UPDATED_TYPE,
  Deleted: DELETED_TYPE,
  Failed: FAILED_TYPE,
};
/** What a settled request is called when it succeeded, by operation. */
const SUCCESS: Record<JobItem['operation'], Outcome> = {
  create: 'Ready',
  modify: 'Updated',
  withdraw: 'Deleted',
};

export function completionEventId(executionName: string, clientToken: string, outcome: Outcome): string {
  return `${executionName}:${clientToken}:${outcome}`;
}

export function buildCompletionEvent(job: Job, item: JobItem, now: number): CompletionEventParams {
  const outcome: Outcome = item.state !== 'ready' ? 'Failed' : SUCCESS[item.operation];
  const elapsedSeconds = Math.max(0, Math.round((now - Date.parse(job.startedAt)) / 1000));
  return {
    eventBusName: job.eventBusName,
    id: completionEventId(job.executionName, item.clientToken, outcome),
    source: EVENT_SOURCE,
    type: TYPES[outcome],
    subject: item.subject,
    data: {
      outcome,
      reason: item.reason,
      ...(item.provisioning === 'DryRunPassed' ? { dryRun: true } : {}),
      provisioning: item.provisioning,
      operation: item.operation,
      trigger: item.trigger,
      regionId: item.regionId,
      sessionId: item.sessionId,
      session: item.session,
      request: item.request,
      clientToken: item.clientToken,
      executionName: job.executionName,
      attempts: job.attempt,
      elapsedSeconds,
      ...(outcome === 'Failed' ? { error: item.error } : {}),
      correlation: item.correlation,
    },
  };
}

/** Why the flow's Catch path fails a request: check-status kept failing, so nothing could be checked. */
export const WORKFLOW_ERROR: ErrorSummary = {
  code: 'Mirror.WorkflowError',
  message: 'check-status kept failing, so the session could not be checked',
  hint: "the flow's error is in the execution history; see also the check-status function's logs",
  retryable: false,
};

/**
 * The Failed event the flow's Catch path puts for a request not yet answered. FDL builds it itself
 * (workflows/session-ready.yaml, EmitFailures: no function can be trusted to run there), field by field as
 * this says — test/workflow/sessionReady.test.ts holds the two equal — less what FDL cannot compute: the
 * attempts and the elapsed time.
 */
export function workflowErrorEvent(job: Job, item: JobItem): CompletionEventParams {
  const failed: JobItem = { ...item, state: 'failed', reason: WORKFLOW_ERROR.code, error: WORKFLOW_ERROR };
  const event = buildCompletionEvent(job, failed, Date.parse(job.startedAt));
  const { attempts: _attempts, elapsedSeconds: _elapsed, ...data } = event.data;
  return { ...event, data };
}
