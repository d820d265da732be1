/**
 * The contract between the intake functions, check-status and workflows/session-ready.yaml: the `job` the
 * flow carries from step to step. One item per logical request (a single trigger carries one; a reconcile
 * batch up to 100). It must stay well under CloudFlow's 64 KiB state limit, so items hold a compact request.
 */

import type { ErrorSummary } from '../cloud/cloudError.js';
import type { ModifyResult } from '../steps/modify.js';
import type { ProvisionResult } from '../steps/provision.js';
import type { WithdrawResult } from '../steps/withdraw.js';
import type { TicketWithdrawResult } from '../steps/withdrawTicket.js';
import type { TriggerKind } from './clientToken.js';
import type { Problem } from './problems.js';
import type { MirrorRequest, ModifyRequest, WithdrawRequest } from './request.js';
import { CORRELATION_KEY, LIMITS } from './requestLimits.js';

export const JOB_VERSION = 1;
/** CloudFlow state data is at most 64 KiB. */
export const STATE_BYTES_LIMIT = 64 * 1024;
/**
 * A job never starts above this, leaving room for what check-status adds as the items settle (a session
 * snapshot and a reason each) and for a chunk of events.
 */
export const JOB_BYTES_LIMIT = 36 * 1024;
/** Events per `emit` round of the flow at most (less when the job itself leaves less room). */
export const EMIT_CHUNK_BYTES = 12 * 1024;

/** The request as the completion event reports it: everything but Correlation, ClientToken and DryRun. */
export type RequestSummary = Omit<MirrorRequest, 'Correlation' | 'ClientToken' | 'DryRun'>;

export interface SessionSnapshot {
  id: string;
  status: string;
  businessStatus: string | null;
  enabled: boolean;
  priority: number;
  virtualNetworkId: number | null;
  packetLength: number | null;
}

export type ItemState = 'pending' | 'ready' | 'failed';

/** What a withdraw's or a modify's completion event reports of its request. */
export type WithdrawSummary = Omit<WithdrawRequest, 'Correlation'>;
export type ModifySummary = Omit<ModifyRequest, 'Correlation'>;

export interface JobItem {
  clientToken: string;
  trigger: TriggerKind;
  /**
   * `create`: a submitted request (the flow waits for its session to be Created); `withdraw`: for the session
   * to be gone; `modify`: for it to be Created with every change in place.
   */
  operation: 'create' | 'withdraw' | 'modify';
  provisioning: ProvisionResult['outcome'] | WithdrawResult['outcome'] | ModifyResult['outcome'];
  regionId: string | null;
  sessionId: string | null;
  /** The CloudEvent subject: the session's ARN, or the request's token when no session exists. */
  subject: string;
  request: RequestSummary | WithdrawSummary | ModifySummary | null;
  correlation: Record<string, string>;
  /** Why the request already failed before the flow (cloud refused it, or it was invalid). */
  failure: ErrorSummary | null;
  state: ItemState;
  /** Why it is failed (an error code), or how it became ready. */
  reason: string | null;
  error: ErrorSummary | null;
  session: SessionSnapshot | null;
  settledAt: string | null;
  emitted: boolean;
  /**
   * The digest of the request as the trigger carried it (payloadDigest), on items of the intake functions:
   * a later delivery of the same key with another payload is told apart from a redelivery by it.
   */
  payload?: string;
  /** Its session was created by an earlier delivery of the request, not by the trigger that started the job. */
  createdEarlier?: true;
}

export type JobPhase = 'pending' | 'emit' | 'ready' | 'failed' | 'timeout';

/** The parameters of one EventBridge:PutEvents call: a CloudEvent and its bus. */
export interface CompletionEventParams {
  eventBusName: string;
  id: string;
  source: 'mirrorflow';
  type:
    | 'mirrorflow:TrafficMirrorSession:Ready'
    | 'mirrorflow:TrafficMirrorSession:Updated'
    | 'mirrorflow:TrafficMirrorSession:Deleted'
    | 'mirrorflow:TrafficMirrorSession:Failed'
    | 'mirrorflow:Reconcile:Completed';
  subject: string;
  data: Record<string, unknown>;
}

export interface Job {
  version: typeof JOB_VERSION;
  executionName: string;
  eventBusName: string;
  accountId: string;
  startedAt: string;
  deadlineAt: string;
  attempt: number;
  listCalls: number;
  phase: JobPhase;
  /** Phase `pending`: the wait before the next look. Phase `emit`: more than 1, the wait after the events are put. */
  nextDelaySeconds: number;
  /**
   * The tick of the region-wide grid the next look is for (steps/pollSchedule.ts): the flow's whole-second
   * Wait ends a little before it, and check-status sleeps the rest. Absent after a throttled look.
   */
  nextLookAt?: string;
  /**
   * The next look was planned off the grid, for a flow its instance knew to be alone in its regions
   * (steps/lookRoster.ts): no other look will join its List call, so the call goes out without waiting.
   */
  nextLookAlone?: boolean;
  /**
   * For executions started under session-ready's previous definition, whose AfterEmit Choice reads it once
   * the events are put: `look` again, or — they were the job's last — end `ready` or `failed`. The current
   * definition goes straight back to CheckStatus and does not read it. Set by every round.
   */
  afterEmit: 'look' | 'ready' | 'failed';
  /** The events to put on the bus now (phase `emit`). */
  events: CompletionEventParams[];
  items: JobItem[];
  /**
   * Events built before the flow started (a reconcile run's Completed event): put after the items' events,
   * and by the Catch path too. Always present (empty for most jobs): FDL reads it by path.
   */
  notices: Notice[];
}

export interface Notice {
  event: CompletionEventParams;
  emitted: boolean;
}

/**
 * A session the trigger that starts the job created just before: it cannot be Created sooner than the
 * shortest creation time after the job's start. A reconcile chunk's were created over the chunk, up to its
 * pace earlier (or by a run that died, long before); a redelivery's, by the delivery before it.
 */
export const createdJustBefore = (item: JobItem): boolean =>
  item.provisioning === 'Created' && !item.createdEarlier && item.trigger !== 'reconcile';

export function sessionArn(regionId: string, accountId: string, sessionId: string): string {
  return `acs:vpc:${regionId}:${accountId}:trafficmirrorsession/${sessionId}`;
}

export function summariseRequest(request: MirrorRequest): RequestSummary {
  const { Correlation: _c, ClientToken: _t, DryRun: _d, ...rest } = request;
  return rest;
}

/** What every new item starts with: pending, nothing seen of its session yet, no event sent. */
function pendingItem(
  clientToken: string,
  trigger: TriggerKind,
  provisioning: JobItem['provisioning'],
  operation: JobItem['operation'],
) {
  return {
    clientToken,
    trigger,
    operation,
    provisioning,
    state: 'pending' as ItemState,
    reason: null,
    error: null,
    session: null,
    settledAt: null,
    emitted: false,
  };
}

/** The raw request an invalid item carries at most, so a job of them still fits CloudFlow's state. */
export const RAW_REQUEST_BYTES = 4 * 1024;
/** Problems named in an invalid item's message at most (all of them are in the trigger's log). */
export const PROBLEMS_IN_MESSAGE = 20;

/**
 * What an invalid request's Failed event can still carry of it: the request as received when it is an object
 * small enough, and those of its Correlation entries that are valid — so the sender can match the answer.
 */
export function readableParts(raw: unknown): {
  request: Record<string, unknown> | null;
  correlation: Record<string, string>;
} {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { request: null, correlation: {} };
  const { Correlation, ...request } = raw as Record<string, unknown>;
  const correlation: Record<string, string> = {};
  if (Correlation !== null && typeof Correlation === 'object' && !Array.isArray(Correlation)) {
    for (const [key, value] of Object.entries(Correlation)) {
      if (Object.keys(correlation).length >= LIMITS.correlationEntries) break;
      if (
        typeof value === 'string' &&
        value.length <= LIMITS.correlationValueLength &&
        key.length <= LIMITS.correlationKeyLength &&
        CORRELATION_KEY.test(key)
      )
        correlation[key] = value;
    }
  }
  const small = Buffer.byteLength(JSON.stringify(request)) <= RAW_REQUEST_BYTES;
  return { request: small ? request : null, correlation };
}

function problemsMessage(problems: Problem[]): string {
  const named = problems.slice(0, PROBLEMS_IN_MESSAGE).map((p) => `${p.path}: ${p.rule}`);
  const more = problems.length - named.length;
  return `${named.join('; ')}${more > 0 ? `; and ${more} more (see the trigger's log)` : ''}`;
}

/** The item of a request refused before any session: the flow answers it with one Failed event saying why. */
function refusedItem(
  base: ReturnType<typeof pendingItem>,
  failure: ErrorSummary,
  raw: unknown,
  correlation: Record<string, string>,
): JobItem {
  const readable = readableParts(raw);
  return {
    ...base,
    regionId: null,
    sessionId: null,
    subject: `mirrorflow:request/${base.clientToken}`,
    request: readable.request as JobItem['request'],
    correlation: { ...readable.correlation, ...correlation },
    failure,
  };
}

/** The item of a request that broke its contract: the flow answers it with one Failed event naming the problems. */
function invalidItem(
  base: ReturnType<typeof pendingItem>,
  problems: Problem[],
  raw: unknown,
  correlation: Record<string, string>,
  hint: string,
): JobItem {
  const failure = {
    code: 'Mirror.InvalidRequest',
    message: problemsMessage(problems),
    hint,
    retryable: false,
  };
  return refusedItem(base, failure, raw, correlation);
}

/** The item of a request its trigger could never take (its retries spent): answered Failed with the cause. */
export function undeliveredItem(
  request: { clientToken: string; trigger: TriggerKind; operation: JobItem['operation']; raw: unknown },
  failure: ErrorSummary,
): JobItem {
  const base = pendingItem(request.clientToken, request.trigger, 'Rejected', request.operation);
  return refusedItem(base, failure, request.raw, {});
}

/** An item's event subject: the session's ARN once there is a session, the request's token before. */
function itemSubject(regionId: string, accountId: string, sessionId: string | null, clientToken: string) {
  return sessionId ? sessionArn(regionId, accountId, sessionId) : `mirrorflow:request/${clientToken}`;
}

/** The job item for one provisioned (or refused) request. */
export function jobItem(
  result: ProvisionResult,
  trigger: TriggerKind,
  accountId: string,
  correlation: Record<string, string> = {},
): JobItem {
  // A submit that changed this deployment's session in place is then waited for as a modify.
  const base = pendingItem(
    result.clientToken,
    trigger,
    result.outcome,
    result.outcome === 'Updated' ? 'modify' : 'create',
  );
  if (result.outcome === 'Invalid')
    return invalidItem(
      base,
      result.problems,
      result.raw,
      correlation,
      'Fix the request (run `mirrorflow validate` on it) and send it as a new request.',
    );
  const request = summariseRequest(result.request);
  const merged = { ...(result.request.Correlation ?? {}), ...correlation };
  const sessionId = 'sessionId' in result ? result.sessionId : null;
  return {
    ...base,
    regionId: result.request.RegionId,
    sessionId,
    subject: itemSubject(result.request.RegionId, accountId, sessionId, result.clientToken),
    request:
      result.outcome === 'Updated'
        ? {
            RegionId: result.request.RegionId,
            TrafficMirrorSessionId: result.sessionId,
            changes: result.changes,
          }
        : request,
    correlation: merged,
    failure: result.outcome === 'Rejected' ? result.error : null,
    // Only where it changes the first look: a reconcile chunk's sessions are looked at from the start anyway.
    ...('createdEarlier' in result && result.createdEarlier && trigger !== 'reconcile'
      ? { createdEarlier: true as const }
      : {}),
  };
}

/** The job item of a withdraw or a modify: the session it changes, or why it could not. */
export function namedSessionJobItem(
  operation: 'withdraw' | 'modify',
  result: WithdrawResult | ModifyResult,
  trigger: TriggerKind,
  accountId: string,
): JobItem {
  const base = pendingItem(result.clientToken, trigger, result.outcome, operation);
  if (result.outcome === 'Invalid')
    return invalidItem(
      base,
      result.problems,
      result.raw,
      {},
      operation === 'modify'
        ? 'Fix the modify (RegionId, and ClientToken or TrafficMirrorSessionId, and changes) and send it as a new request.'
        : 'Fix the withdraw (RegionId, and one of ClientToken, TrafficMirrorSessionId or Ticket) and send it as a new request.',
    );
  const { Correlation, ...request } = result.request;
  return {
    ...base,
    regionId: result.request.RegionId,
    sessionId: result.sessionId,
    subject: itemSubject(result.request.RegionId, accountId, result.sessionId, result.clientToken),
    request,
    correlation: Correlation ?? {},
    failure: result.outcome === 'Rejected' ? result.error : null,
  };
}

/**
 * The job items of a withdraw by ticket: one per session, under that session's own token (so each gets its own
 * Deleted or Failed event), or — no session, too many — the one refusal under the withdraw's token.
 */
export function ticketJobItems(
  result: TicketWithdrawResult,
  trigger: TriggerKind,
  accountId: string,
): JobItem[] {
  if (result.outcome === 'Rejected') return [namedSessionJobItem('withdraw', result, trigger, accountId)];
  const { request } = result;
  return result.sessions.map(({ sessionId, clientToken, error }) =>
    namedSessionJobItem(
      'withdraw',
      error
        ? { outcome: 'Rejected', clientToken, request, sessionId, error }
        : { outcome: 'Deleting', clientToken, request, sessionId },
      trigger,
      accountId,
    ),
  );
}

export function newJob(options: {
  executionName: string;
  eventBusName: string;
  accountId: string;
  now: number;
  deadlineSeconds: number;
  items: JobItem[];
  notices?: CompletionEventParams[];
}): Job {
  return {
    version: JOB_VERSION,
    executionName: options.executionName,
    eventBusName: options.eventBusName,
    accountId: options.accountId,
    startedAt: new Date(options.now).toISOString(),
    deadlineAt: new Date(options.now + options.deadlineSeconds * 1000).toISOString(),
    attempt: 0,
    listCalls: 0,
    phase: 'pending',
    nextDelaySeconds: 1,
    afterEmit: 'look',
    events: [],
    items: options.items,
    notices: (options.notices ?? []).map((event) => ({ event, emitted: false })),
  };
}

export const jobBytes = (job: Job) => Buffer.byteLength(JSON.stringify({ job }));
