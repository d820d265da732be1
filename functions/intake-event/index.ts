/**
 * intake-event: the EventBridge trigger. Each CloudEvent of type mirrorflow:MirrorRequest:Submitted carries a
 * mirror request in `data`, one of type mirrorflow:MirrorRequest:Modified a modify (`{RegionId, ClientToken |
 * TrafficMirrorSessionId, changes}`), one of type mirrorflow:MirrorRequest:Withdrawn a withdraw (`{RegionId,
 * ClientToken | TrafficMirrorSessionId | Ticket}`); its `source` + `id` is the idempotency key, stable across redeliveries. A
 * malformed request is answered with a Failed completion event (nobody waits forever) and never retried; a
 * cloud that is still throttling after the retries fails the invocation, so EventBridge delivers it again.
 */
import { createHash } from 'node:crypto';
import { CloudApiError } from '../lib/cloud/cloudError.js';
import { eventKey } from '../lib/contract/clientToken.js';
import { answersCodeCacheRequests } from '../lib/runtime/codeCache.js';
import { beginInvocation, createLogger } from '../lib/runtime/logger.js';
import { type FcContext, runtimeFrom } from '../lib/runtime/runtime.js';
import { intake, intakeModify, intakeWithdraw } from '../lib/steps/intake.js';

export const REQUEST_EVENT_TYPE = 'mirrorflow:MirrorRequest:Submitted';
export const WITHDRAW_EVENT_TYPE = 'mirrorflow:MirrorRequest:Withdrawn';
export const MODIFY_EVENT_TYPE = 'mirrorflow:MirrorRequest:Modified';
/** Each request type and the step that takes it. */
const STEPS = {
  [REQUEST_EVENT_TYPE]: intake,
  [MODIFY_EVENT_TYPE]: intakeModify,
  [WITHDRAW_EVENT_TYPE]: intakeWithdraw,
} as const;
const HANDLED_TYPES: readonly unknown[] = Object.keys(STEPS);
const logger = createLogger('intake-event');

interface Delivered {
  id?: unknown;
  source?: unknown;
  type?: unknown;
  data?: unknown;
}

export interface IntakeEventResult {
  eventId: string | null;
  outcome: string;
  clientToken?: string;
  sessionId?: string | null;
  /** A withdraw by ticket: every session it withdraws. */
  sessionIds?: string[];
  executionName?: string | null;
  problems?: unknown;
  error?: unknown;
}

function requestOf(data: unknown): unknown {
  // EventBridge may carry JSON data as a string.
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

const handle = async (event: Buffer, context: FcContext): Promise<{ results: IntakeEventResult[] }> => {
  beginInvocation(logger, { requestId: context.requestId });
  const runtime = runtimeFrom(context);
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.toString('utf8'));
  } catch {
    parsed = null;
  }
  const deliveries: Delivered[] = Array.isArray(parsed) ? parsed : [parsed as Delivered];
  const results: IntakeEventResult[] = [];
  let retryLater: CloudApiError | undefined;
  for (const delivered of deliveries) {
    const envelope = delivered !== null && typeof delivered === 'object' ? delivered : {};
    const hasIdentity = typeof envelope.id === 'string' && typeof envelope.source === 'string';
    if (hasIdentity && !HANDLED_TYPES.includes(envelope.type)) {
      logger.warn('ignored an event that is not a mirror request', {
        eventId: envelope.id,
        type: envelope.type,
      });
      results.push({ eventId: envelope.id as string, outcome: 'Ignored' });
      continue;
    }
    // Without an id and source there is no stable key: the raw event is its own identity.
    const key = hasIdentity
      ? eventKey(envelope.source as string, envelope.id as string)
      : `malformed:${createHash('sha256')
          .update(JSON.stringify(delivered ?? null))
          .digest('hex')}`;
    const request = hasIdentity
      ? requestOf(envelope.data)
      : { malformed: 'the delivery is not a CloudEvent with id and source' };
    try {
      const step = hasIdentity ? STEPS[envelope.type as keyof typeof STEPS] : intake;
      const outcome = await step(
        { request, kind: 'event', key, handOffInvalid: true, recallExecution: true },
        runtime,
        { log: (message, details) => logger.info(message, details) },
      );
      const { result } = outcome;
      logger.appendKeys({ clientToken: result.clientToken });
      if (result.outcome === 'Invalid')
        logger.error('invalid mirror request', { eventId: envelope.id, problems: result.problems });
      else if (result.outcome === 'Rejected')
        logger.error('the cloud refused the request', { error: result.error });
      else logger.info('handed off', { outcome: result.outcome, executionName: outcome.executionName });
      results.push({
        eventId: hasIdentity ? (envelope.id as string) : null,
        outcome: result.outcome,
        clientToken: result.clientToken,
        executionName: outcome.executionName,
        ...('sessionId' in result ? { sessionId: result.sessionId } : {}),
        ...('sessions' in result ? { sessionIds: result.sessions.map((s) => s.sessionId) } : {}),
        ...(result.outcome === 'Invalid' ? { problems: result.problems } : {}),
        ...(result.outcome === 'Rejected' ? { error: result.error } : {}),
      });
    } catch (error) {
      if (error instanceof CloudApiError && error.retryable) {
        logger.warn('the cloud is still failing after retries; the event will be delivered again', {
          error: error.toJSON(),
        });
        retryLater = error;
        results.push({
          eventId: hasIdentity ? (envelope.id as string) : null,
          outcome: 'RetryLater',
          error: error.toJSON(),
        });
        continue;
      }
      throw error;
    }
  }
  // Every other delivery of a batch is done (and idempotent); failing now makes the platform redeliver.
  if (retryLater) throw new Error(`retry later: ${retryLater.code} (${retryLater.message})`);
  return { results };
};

/** FC's `index.handler`; it also answers `mirrorflow code-cache` (functions/lib/runtime/codeCache.ts). */
export const handler = answersCodeCacheRequests(handle, logger);
