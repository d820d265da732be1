/**
 * dead-letter: intake-event's failure destination. When FC has retried an EventBridge request as often as
 * intake-event's async settings allow and it still failed (the cloud throttled every attempt, say), FC
 * invokes this function with the failure record, and the request is answered with one Failed event
 * `Mirror.Undeliverable` naming the cause — never left without an answer. It is handed to the execution the
 * request's ClientToken names: a request that was handed off after all is answered by that execution, once.
 */
import { clientToken, eventKey, executionName } from '../lib/contract/clientToken.js';
import { type JobItem, undeliveredItem } from '../lib/contract/flowJob.js';
import { answersCodeCacheRequests } from '../lib/runtime/codeCache.js';
import { beginInvocation, createLogger } from '../lib/runtime/logger.js';
import { type FcContext, runtimeFrom } from '../lib/runtime/runtime.js';
import { jobFor, startJob } from '../lib/steps/startJob.js';

const logger = createLogger('dead-letter');

/** Each request event type and what it asks for. */
const OPERATIONS: Record<string, JobItem['operation']> = {
  'mirrorflow:MirrorRequest:Submitted': 'create',
  'mirrorflow:MirrorRequest:Modified': 'modify',
  'mirrorflow:MirrorRequest:Withdrawn': 'withdraw',
};

const parsed = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/**
 * The failed request's payload and why it failed, from FC's failure record (result callback: requestPayload,
 * requestContext, responseContext, responsePayload). The docs show the record only in part, so any of its
 * spellings is read, and a record without a payload is logged and dropped.
 */
export function readFailureRecord(body: unknown): { payload: unknown; cause: string } | undefined {
  const record = (body ?? {}) as Record<string, unknown>;
  const payload = parsed(record.requestPayload ?? record.request_payload);
  if (payload === undefined || payload === null) return undefined;
  const context = (record.requestContext ?? record.request_context ?? {}) as Record<string, unknown>;
  const response = (record.responseContext ?? record.response_context ?? {}) as Record<string, unknown>;
  const said = record.responsePayload ?? record.response_payload;
  const cause = [context.condition, response.functionError ?? response.function_error, said]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(': ')
    .slice(0, 1000);
  return { payload, cause: cause || 'every attempt failed' };
}

/** The request events of a payload (one CloudEvent, or a batch of them), each with its identity. */
function requestEvents(payload: unknown) {
  const events = Array.isArray(payload) ? payload : [payload];
  return events.flatMap((e) => {
    const event = (e ?? {}) as Record<string, unknown>;
    const operation = OPERATIONS[String(event.type)];
    if (!operation || typeof event.id !== 'string' || typeof event.source !== 'string') return [];
    return [
      { token: clientToken('event', eventKey(event.source, event.id)), operation, raw: parsed(event.data) },
    ];
  });
}

const handle = async (event: Buffer, context: FcContext): Promise<{ answered: string[] }> => {
  beginInvocation(logger, { requestId: context.requestId });
  const record = readFailureRecord(parsed(event.toString('utf8')));
  if (!record) {
    logger.error('a failure record without the request it failed on', {
      record: event.toString('utf8').slice(0, 500),
    });
    return { answered: [] };
  }
  const runtime = runtimeFrom(context);
  const answered: string[] = [];
  for (const request of requestEvents(record.payload)) {
    const item = undeliveredItem(
      { clientToken: request.token, trigger: 'event', operation: request.operation, raw: request.raw },
      {
        code: 'Mirror.Undeliverable',
        message: `intake-event failed on every delivery FC allows (${record.cause})`,
        hint: 'This answer is final: once the cause is fixed, send the request again as a new event (a new id). A session created for it before the failure carries its token in the mirrorflow-token tag (mirrorflow status <token>).',
        retryable: false,
      },
    );
    const started = await startJob(jobFor(executionName(request.token), [item], runtime), runtime);
    logger.warn('answered a request intake-event could never take', {
      clientToken: request.token,
      handOff: started.handOff,
      cause: record.cause,
    });
    answered.push(request.token);
  }
  return { answered };
};

/** FC's `index.handler`; it also answers `mirrorflow code-cache` (functions/lib/runtime/codeCache.ts). */
export const handler = answersCodeCacheRequests(handle, logger);
