/**
 * intake-webhook: the HTTP trigger for ticketing systems. Verifies the sender (HMAC with the shared secret),
 * limits the body, maps the payload to a mirror request with JMESPath, and provisions it. Replies
 * 202 {operation, clientToken, trafficMirrorSessionId (trafficMirrorSessionIds for a withdraw by ticket),
 * executionName, outcome} — the same answer to a resend of the same delivery — or 400/401/405/413/422 with a body that says what to fix, or 503 when the cloud is still
 * throttling after the retries. A bad request never reaches the cloud and never gets a 5xx.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CloudApiError } from '../lib/cloud/cloudError.js';
import { webhookKey } from '../lib/contract/clientToken.js';
import { answersCodeCacheRequests } from '../lib/runtime/codeCache.js';
import { ConfigError } from '../lib/runtime/config.js';
import { beginInvocation, createLogger } from '../lib/runtime/logger.js';
import { type FcContext, runtimeFrom } from '../lib/runtime/runtime.js';
import { intake, intakeModify, intakeWithdraw } from '../lib/steps/intake.js';
import { SHIPPED_MAPPINGS } from '../lib/triggers/shippedMappings.js';
import {
  applyMapping,
  MappingError,
  mappingSchema,
  signedDeliveryId,
  type WebhookMapping,
} from '../lib/triggers/webhookMapping.js';
import { verifyWebhookSignature } from '../lib/triggers/webhookSignature.js';

const logger = createLogger('intake-webhook');

interface HttpEvent {
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  requestContext?: { http?: { method?: string } };
}

interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const reply = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function loadMapping(name: string): WebhookMapping {
  const shipped = SHIPPED_MAPPINGS[name];
  if (shipped) return shipped;
  const path = isAbsolute(name) ? name : join(process.env.FC_FUNC_CODE_PATH ?? process.cwd(), name);
  const parsed = mappingSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`the webhook mapping ${name} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

const handle = async (event: Buffer, context: FcContext): Promise<HttpResponse> => {
  beginInvocation(logger, { requestId: context.requestId });
  let http: HttpEvent;
  try {
    http = JSON.parse(event.toString('utf8')) as HttpEvent;
  } catch {
    return reply(400, { error: 'not an HTTP trigger event' });
  }
  const method = http.requestContext?.http?.method ?? 'POST';
  if (method !== 'POST') return reply(405, { error: `use POST (got ${method})` }, { allow: 'POST' });

  let runtime: ReturnType<typeof runtimeFrom>;
  try {
    runtime = runtimeFrom(context);
  } catch (error) {
    logger.error('the function is misconfigured', { error: (error as Error).message });
    return reply(500, {
      error:
        error instanceof ConfigError
          ? 'the webhook is misconfigured; see the function logs'
          : 'the webhook cannot run',
    });
  }
  const { config } = runtime;
  if (!config.webhookSecret) {
    logger.error('MIRRORFLOW_WEBHOOK_SECRET is not set: every request is refused');
    return reply(500, { error: 'the webhook is not configured (no signing secret); see the function logs' });
  }

  const raw = Buffer.from(http.body ?? '', http.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > config.webhookMaxBytes) {
    return reply(413, { error: `the body is ${raw.length} bytes; the limit is ${config.webhookMaxBytes}` });
  }
  const headers = Object.fromEntries(
    Object.entries(http.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const signature = verifyWebhookSignature({
    headers,
    body: raw,
    secret: config.webhookSecret,
    nowMs: Date.now(),
    toleranceSeconds: config.webhookToleranceSeconds,
  });
  if (!signature.ok) {
    logger.warn('refused an unsigned or badly signed request', { reason: signature.reason });
    return reply(401, { error: `signature check failed: ${signature.reason}` });
  }

  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return reply(400, { error: 'the body is not valid JSON' });
  }
  let mapped: ReturnType<typeof applyMapping>;
  const mapping = loadMapping(config.webhookMapping);
  try {
    mapped = applyMapping(mapping, body, headers);
  } catch (error) {
    if (error instanceof MappingError)
      return reply(422, { error: error.message, mapping: config.webhookMapping });
    throw error;
  }
  // The ticket's correlation wins over nothing, but never over what the request itself carries.
  const request = { ...(mapped.request as Record<string, unknown>) };
  if (Object.keys(mapped.correlation).length > 0) {
    request.Correlation = {
      ...mapped.correlation,
      ...((request.Correlation as Record<string, string>) ?? {}),
    };
  }

  try {
    const step = { submit: intake, modify: intakeModify, withdraw: intakeWithdraw }[mapped.operation];
    const outcome = await step(
      {
        request,
        kind: 'webhook',
        // The delivery id names the request only when the signature covers it (v2, or an id read from the
        // body); otherwise the body does, so a captured body sent again under new ids is the same request.
        key: webhookKey(
          signature.signsDelivery ? mapped.deliveryId : signedDeliveryId(mapping, body, mapped),
          raw,
        ),
        handOffInvalid: false,
        // A resend after the delete finished gets the first answer again (README, the webhook's replies).
        recallExecution: true,
      },
      runtime,
      { log: (message, details) => logger.info(message, details) },
    );
    const { result } = outcome;
    logger.appendKeys({ clientToken: result.clientToken, correlation: mapped.correlation });
    if (result.outcome === 'Invalid') {
      return reply(422, {
        error: 'the mapped request breaks the contract',
        problems: result.problems,
        clientToken: result.clientToken,
      });
    }
    const answer = {
      operation: mapped.operation,
      clientToken: result.clientToken,
      trafficMirrorSessionId: 'sessionId' in result ? result.sessionId : null,
      // A withdraw by ticket: every session it withdraws (steps/withdrawTicket.ts).
      ...('sessions' in result ? { trafficMirrorSessionIds: result.sessions.map((s) => s.sessionId) } : {}),
      executionName: outcome.executionName,
      outcome: result.outcome,
    };
    if (result.outcome === 'Rejected') {
      logger.error('the cloud refused the request', { error: result.error });
      return reply(422, { ...answer, error: result.error });
    }
    logger.info('accepted', answer);
    return reply(202, answer);
  } catch (error) {
    if (error instanceof CloudApiError && error.retryable) {
      logger.warn('the cloud is still throttling or failing after the retries', { error: error.toJSON() });
      return reply(
        503,
        { error: 'the cloud is busy; send the same delivery again later', code: error.code },
        { 'retry-after': '30' },
      );
    }
    if (error instanceof CloudApiError) {
      // Refused for good after the session was looked up or created (e.g. the hand-off denied by RAM): the
      // sender learns why; once the cause is fixed, the same delivery finds the session and hands it off.
      logger.error('the request could not be handed to the workflow', { error: error.toJSON() });
      return reply(502, {
        error:
          'the request could not be handed to the session-ready flow; fix the cause, then send the same delivery again',
        code: error.code,
        hint: error.hint,
      });
    }
    throw error;
  }
};

/** FC's `index.handler`; it also answers `mirrorflow code-cache` (functions/lib/runtime/codeCache.ts). */
export const handler = answersCodeCacheRequests(handle, logger);
