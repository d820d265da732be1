/**
 * EventBridge's data plane. `POST /openapi/putEvents` is PutEvents as the EventBridge SDK sends it: a
 * CloudEvents batch, signed (`signature.ts`: the body's MD5, the date within 15 minutes, a nonce used once),
 * `eventbridge:PutEvents` checked by RAM against each bus the batch names, one entry per event in the answer;
 * errors in the data plane's own shape (lower-case `code`, `message`, `requestId`). `POST /events` (loopback
 * only) is the local stand-in for the account's own PutEvents, in any CloudEvents HTTP binding; `GET /events`
 * reads what was accepted (`?since=N&wait=S` follows).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudEvent, CloudEvent as CloudEventClass, HTTP } from 'cloudevents';
import type { FaultInjector } from '../faults.js';
import { isLoopback, readBody, sendJson } from '../http.js';
import { check, type ServiceAccess } from '../ram/access.js';
import { NonceMemory, sameText, withinClockSkew } from '../signing.js';
import { type EventBridgeErrorCode, sendDataPlaneError } from './errors.js';
import { DEFAULT_BUS, type StoredEvent } from './model.js';
import type { EventRouter } from './router.js';
import { eventBridgeSignature, eventBridgeStringToSign } from './signature.js';

const MAX_BATCH_BYTES = 1024 * 1024;

/** The bus an event names with its `aliyuneventbusname` extension (else `default`). */
export const busOf = (e: StoredEvent) =>
  typeof e.aliyuneventbusname === 'string' && e.aliyuneventbusname ? e.aliyuneventbusname : DEFAULT_BUS;

type Failure = { code: EventBridgeErrorCode; message: string };

/** The caller's AccessKey ID, or why the request is refused. */
function authenticate(
  headers: Record<string, string | undefined>,
  body: Buffer,
  access: ServiceAccess,
  nonces: NonceMemory,
): { accessKeyId: string } | Failure {
  const match = /^acs:([^:]+):(.+)$/.exec(headers.authorization ?? '');
  if (!match)
    return { code: 'InvalidAuthorization', message: 'the authorization header is missing or malformed' };
  const credential = access.authority.credentials(match[1]!);
  if (!credential) return { code: 'InvalidAccessKeyId', message: 'Specified access key is not found.' };
  if (
    credential.securityToken !== undefined &&
    !sameText(headers['x-acs-security-token'] ?? '', credential.securityToken)
  )
    return { code: 'InvalidSecurityToken', message: 'the security token does not match the access key' };
  // The signature covers the body only through Content-MD5, so the MD5 must be the body's.
  if (headers['content-md5'] !== createHash('md5').update(body).digest('base64'))
    return { code: 'InvalidContentMD5', message: 'content-md5 does not match the body' };
  if (!withinClockSkew(Date.parse(headers.date ?? '')))
    return { code: 'RequestTimeTooSkewed', message: 'the date header is more than 15 minutes off' };
  const expected = eventBridgeSignature(
    eventBridgeStringToSign('POST', '/openapi/putEvents', headers),
    credential.accessKeySecret,
  );
  if (!sameText(expected, match[2]!))
    return { code: 'SignatureDoesNotMatch', message: 'the request signature does not match' };
  const nonce = headers['x-acs-signature-nonce'] ?? '';
  if (!nonce || !nonces.remember(nonce, Date.now()))
    return { code: 'SignatureNonceUsed', message: 'the signature nonce is missing or was used already' };
  return { accessKeyId: match[1]! };
}

function parseBatch(body: Buffer): StoredEvent[] {
  const raw = JSON.parse(body.toString('utf8')) as unknown;
  if (!Array.isArray(raw) || raw.length === 0)
    throw new Error('the body must be a JSON array of CloudEvents');
  return raw.map(
    (e) => JSON.parse(JSON.stringify(new CloudEventClass(e as Record<string, unknown>, true))) as StoredEvent,
  );
}

export function dataPlane(router: EventRouter, access: ServiceAccess, faults: FaultInjector) {
  const nonces = new NonceMemory();

  const putEvents = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req, MAX_BATCH_BYTES);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]),
    );
    const caller = authenticate(headers, body, access, nonces);
    if ('code' in caller) return sendDataPlaneError(res, caller.code, caller.message);
    let batch: StoredEvent[];
    try {
      batch = parseBatch(body);
    } catch (error) {
      return sendDataPlaneError(
        res,
        'InvalidArgument',
        `not a batch of valid CloudEvents: ${(error as Error).message}`,
      );
    }
    for (const bus of new Set(batch.map(busOf))) {
      const denial = check(access, caller.accessKeyId, 'eventbridge:PutEvents', { EventBusName: bus });
      // EventBridge error codes: 403 AccessDenied (https://www.alibabacloud.com/help/en/eventbridge/error-codes).
      if (denial)
        return sendDataPlaneError(
          res,
          'AccessDenied',
          `The OwnerId that your Access Key Id associated to is forbidden for this operation. (${denial.action} on ${denial.resource})`,
        );
    }
    // A call's identity for the seeded draws: its events' ids (a retry of the same events is a repeat).
    const fault = await faults.serviceFault('PutEvents', { Ids: batch.map((e) => e.id).join(',') });
    if (fault === 'throttled')
      return sendDataPlaneError(
        res,
        'TooManyRequests',
        'The request is denied by flow limiter for too many requests.',
      );
    if (fault === 'serverError')
      return sendDataPlaneError(res, 'InternalError', 'The request processing has failed: try again.');
    const entries = router.accept(batch, busOf);
    return sendJson(res, 200, {
      RequestId: randomUUID().toUpperCase(),
      FailedEntryCount: entries.filter((e) => e.ErrorCode).length,
      EntryList: entries,
    });
  };

  const localPut = async (req: IncomingMessage, res: ServerResponse) => {
    if (!isLoopback(req))
      return sendJson(res, 403, { code: 'Forbidden', message: 'POST /events answers loopback callers only' });
    const body = (await readBody(req, MAX_BATCH_BYTES)).toString('utf8');
    let parsed: CloudEvent<unknown> | CloudEvent<unknown>[];
    try {
      parsed = HTTP.toEvent({ headers: req.headers as Record<string, string>, body }) as
        | CloudEvent<unknown>
        | CloudEvent<unknown>[];
      // The SDK deserialises leniently; EventBridge requires valid CloudEvents 1.0 (an id above all).
      for (const e of Array.isArray(parsed) ? parsed : [parsed]) e.validate();
    } catch (error) {
      return sendJson(res, 400, {
        code: 'InvalidArgument',
        message: `not a valid CloudEvent: ${(error as Error).message}`,
      });
    }
    const list = (Array.isArray(parsed) ? parsed : [parsed]).map(
      (e) => JSON.parse(JSON.stringify(e)) as StoredEvent,
    );
    // The account's own key: RAM allows it everything, so there is nothing to check.
    const entries = router.accept(list, busOf);
    const failed = entries.filter((e) => e.ErrorCode);
    if (failed.length === entries.length)
      return sendJson(res, 400, { code: failed[0]!.ErrorCode, message: failed[0]!.ErrorMessage, entries });
    return sendJson(res, 200, {
      accepted: entries.length - failed.length,
      ids: entries.map((e) => e.EventId),
      entries,
    });
  };

  const readEvents = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // Before a restarted bus has its journal back, positions would count from 0.
    router.assertServing();
    const since = Number(url.searchParams.get('since') ?? 0);
    const waitSeconds = Math.min(60, Number(url.searchParams.get('wait') ?? 0));
    if (!(Number.isInteger(since) && since >= 0) || !(waitSeconds >= 0))
      return sendJson(res, 400, {
        code: 'InvalidArgument',
        message: 'since must be a whole number ≥ 0 and wait 0–60 seconds',
      });
    await router.waitForMore(since, waitSeconds * 1000, (wake) => req.once('close', wake));
    // The next `since` to ask for, counted over every event accepted (the oldest may no longer be kept).
    const events = router.eventsSince(since);
    return sendJson(res, 200, events, { 'x-mirrorflow-next': String(router.accepted) });
  };

  return { putEvents, localPut, readEvents };
}
