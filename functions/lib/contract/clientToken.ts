/**
 * Idempotency keys. A ClientToken is a pure function of (trigger kind, idempotency key): never of
 * time, randomness or the payload, so every redelivery of one logical request carries the same token, and a
 * replay of the key with other parameters reaches the API as `IdempotentParameterMismatch` instead of
 * silently creating a second session.
 */
import { createHash } from 'node:crypto';

export type TriggerKind = 'event' | 'webhook' | 'reconcile';

const KIND_TAG: Record<TriggerKind, string> = { event: 'ev', webhook: 'wh', reconcile: 'rc' };

/** 40 hex digits = 160 bits: collisions are out of reach, and the token stays far under 64 characters. */
const DIGEST_HEX = 40;

function digest(...parts: string[]): string {
  const hash = createHash('sha256');
  // Length-prefixed parts: ("ab","c") and ("a","bc") must not hash alike.
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part};`);
  return hash.digest('hex');
}

/** `mf-<kind>-<40 hex>`: 46 ASCII characters, already a valid CloudFlow execution name. */
export function clientToken(kind: TriggerKind, key: string): string {
  return `mf-${KIND_TAG[kind]}-${digest(kind, key).slice(0, DIGEST_HEX)}`;
}

/**
 * The ClientToken of allocated-priority candidate `index` of a request whose token is `token`.
 * The cloud remembers a token with the first answer it gave, a failure included, so one token cannot be
 * tried with several priorities: each candidate gets its own, a pure function of (token, index). Every
 * delivery of the request walks the same (priority, token) pairs: a candidate that failed before fails the
 * same way again, and the one that created the session returns that session. `mfp-<index>-<40 hex>`: at most
 * 50 ASCII characters for any index below 10^5, within the 64 the API allows.
 */
export function candidateToken(token: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError('a candidate index is a whole number ≥ 0');
  return `mfp-${index}-${digest('candidate', token, String(index)).slice(0, DIGEST_HEX)}`;
}

/**
 * The ClientToken of a Create at the priority reconcile found free in its listing: `mfq-<40 hex>`. One per
 * request, whatever the priority: a second firing of the same run that listed the region otherwise and picked
 * another priority is refused IdempotentParameterMismatch by the cloud — and finds the first's session by its
 * token tag — instead of making a second session.
 */
export function listedPriorityToken(token: string): string {
  return `mfq-${digest('listed', token).slice(0, DIGEST_HEX)}`;
}

/**
 * The ClientToken of the `attempt`-th Create after the cloud refused `sendToken` because a resource was busy
 * or changing state (`IncorrectStatus.*`, `OperationConflict`). Such a refusal is a definite answer, and the
 * cloud may remember it with the token: retrying the same token could only replay it. A refusal created
 * nothing, so a fresh token cannot duplicate a session; and as a pure function of (token, attempt) every
 * delivery retries through the same tokens, so the one that created the session returns it again.
 * `mfr-<attempt>-<40 hex>`: at most 50 ASCII characters.
 */
export function refusalToken(sendToken: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError('a refusal attempt is a whole number ≥ 1');
  return `mfr-${attempt}-${digest('refusal', sendToken, String(attempt)).slice(0, DIGEST_HEX)}`;
}

/**
 * The ClientToken of one call of a multi-call operation (a modify's Update, Add and Remove each get their
 * own, since the cloud remembers a token per set of parameters): `mfs-<step>-<40 hex>`.
 */
export function stepToken(token: string, step: 'update' | 'add' | 'remove'): string {
  return `mfs-${step}-${digest('step', token, step).slice(0, DIGEST_HEX)}`;
}

/**
 * The ClientToken of one session's delete in a withdraw by ticket (steps/withdrawTicket.ts), a pure function
 * of (the withdraw's token, the session id): a withdraw that deletes several sessions sends each its own, and
 * the same one on every delivery. It is also that session's item token in the flow's job, so each session's
 * event has its own id. `mfs-delete-<40 hex>`: 51 ASCII characters.
 */
export function sessionDeleteToken(token: string, sessionId: string): string {
  return `mfs-delete-${digest('step', token, 'delete', sessionId).slice(0, DIGEST_HEX)}`;
}

/** The idempotency key of an EventBridge delivery: its CloudEvent `source` + `id`, stable across redeliveries. */
export function eventKey(source: string, id: string): string {
  return JSON.stringify([source, id]);
}

/** The key of a webhook delivery: the sender's delivery id when it has one, else a hash of the raw body. */
export function webhookKey(deliveryId: string | undefined, rawBody: Buffer | string): string {
  if (deliveryId !== undefined && deliveryId !== '') return JSON.stringify(['delivery', deliveryId]);
  return JSON.stringify(['body', createHash('sha256').update(rawBody).digest('hex')]);
}

/** The key of one desired entry in one scheduled reconcile run. */
export function reconcileKey(entryIdentity: string, triggerTime: string): string {
  return JSON.stringify([entryIdentity, triggerTime]);
}

/** CloudFlow execution names: 1–128 of `[A-Za-z0-9_-]`, starting with a letter or `_`. */
export const EXECUTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/** Prefixes of names mirrorflow hashes itself; a caller's token with one of them is hashed too. */
const RESERVED_NAME_PREFIX = /^mf[xbacm]-/;

/**
 * The execution name for a ClientToken. Tokens mirrorflow derives are already valid names and are used as
 * they are (readable in the console). A caller-supplied token with other characters is hashed under a
 * prefix that derived tokens never carry, so two distinct tokens never share an execution.
 */
export function executionName(token: string): string {
  if (EXECUTION_NAME.test(token) && !RESERVED_NAME_PREFIX.test(token)) return token;
  return `mfx-${digest('token', token).slice(0, DIGEST_HEX)}`;
}

/** One execution for a batch of tokens (reconcile hands up to 100 sessions to one flow run). */
export function batchExecutionName(tokens: readonly string[]): string {
  return `mfb-${digest('batch', ...[...tokens].sort()).slice(0, DIGEST_HEX)}`;
}

/**
 * The execution that answers one failing reconcile entry with a Failed event: the same entry, content and
 * error give the same name, and CloudFlow refuses a second execution of a name, so each failure is announced
 * once — again only when the entry or its error changes.
 */
export function announcementExecutionName(entryName: string, content: string, errorCode: string): string {
  return `mfa-${digest('announce', entryName, content, errorCode).slice(0, DIGEST_HEX)}`;
}

/** The execution that puts one reconcile run's Completed event: one per scheduled time. */
export function runExecutionName(triggerTime: string): string {
  return `mfc-${digest('run', triggerTime).slice(0, DIGEST_HEX)}`;
}

/**
 * The reconcile-run execution that carries one scheduled run on past its first invocation: one per scheduled
 * time, so a repeated firing cannot start a second one.
 */
export function continuationExecutionName(triggerTime: string): string {
  return `mfr-${digest('continue', triggerTime).slice(0, DIGEST_HEX)}`;
}

/**
 * The token and execution name of the answer to a request whose key was used before with another payload
 * (steps/reusedKey.ts). The key's own execution belongs to the first request, so this answer gets a name of
 * its own, from the key and this payload's digest: each differing payload is answered once, however often it
 * is delivered.
 */
export function mismatchExecutionName(token: string, payloadDigest: string): string {
  return `mfm-${digest('mismatch', token, payloadDigest).slice(0, DIGEST_HEX)}`;
}

/**
 * A digest of a request as its trigger carried it, which a later delivery of the same key compares with its
 * own: canonical (keys sorted, so a resend serialised otherwise is the same request) and without the
 * Correlation (a resend whose ticket fields were updated is still the same request).
 */
export function payloadDigest(payload: unknown): string {
  const { Correlation: _correlation, ...request } =
    payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : { value: payload };
  return digest('payload', canonicalJson(request)).slice(0, DIGEST_HEX);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
