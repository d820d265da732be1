/**
 * check-status, the loop body of the session-ready flow. Each call: one ListTrafficMirrorSessions
 * per region per 100 pending sessions, each request's item classified, then either another look
 * (`pending`, with nextDelaySeconds), a chunk of completion events to put on the bus (`emit`: a settled
 * item's event goes out at once, whatever the rest of the job is doing), or the end (`ready`, `failed`,
 * `timeout`). Throttling or 5xx on List keeps the items pending with a longer delay.
 * Safe to run twice: the job it returns depends only on the job it got and on what the cloud says.
 */
import type { Random } from '../cloud/backoff.js';
import { CloudApiError, summarise } from '../cloud/cloudError.js';
import { type RetryHooks, STATUS_LOOK_POLICY, withRetry } from '../cloud/retry.js';
import type { TrafficMirrorSession, VpcApi } from '../cloud/vpcClient.js';
import { buildCompletionEvent } from '../contract/completionEvent.js';
import {
  type CompletionEventParams,
  createdJustBefore,
  EMIT_CHUNK_BYTES,
  type Job,
  type JobItem,
  jobBytes,
  type ModifySummary,
  STATE_BYTES_LIMIT,
} from '../contract/flowJob.js';
import type { MirrorflowConfig } from '../runtime/config.js';
import type { LookRoster } from './lookRoster.js';
import {
  ALIGN_MAX_SLEEP_MS,
  lookTimeOnArrival,
  nextDelaySeconds,
  nextLookAt,
  waitSecondsUntil,
} from './pollSchedule.js';
import { classifyModification, classifySession, classifyWithdrawal } from './sessionPhase.js';

/** What the flow adds around the job (the `{job}` wrapper, FC's `{Body}`), with a margin. */
const STATE_MARGIN_BYTES = 2 * 1024;
export const LIST_BATCH = 100;

/**
 * The sessions among `ids` that exist, by id (steps/sharedLookups.ts shares them between invocations). `alone`:
 * the look was planned off the grid, so no other flow's look will join it and it need not wait for one.
 */
export type LookUpSessions = (
  regionId: string,
  ids: string[],
  options: { alone: boolean },
) => Promise<Map<string, TrafficMirrorSession>>;

export interface CheckStatusDeps {
  vpcFor: (regionId: string) => VpcApi;
  config: Pick<MirrorflowConfig, 'pollFirstDelaySeconds' | 'pollMaxDelaySeconds'>;
  now: () => number;
  /** Sleeps in the time of `now`: with it, a look waits for its tick (steps/pollSchedule.ts); without, it looks at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Without it, each look is a List call of its own. */
  lookUp?: LookUpSessions;
  /** The flows this instance expects to look, by region: without it every look is on the grid. */
  roster?: LookRoster;
  random?: Random;
  retryHooks?: RetryHooks;
  log?: (message: string, details: Record<string, unknown>) => void;
}

const TIMEOUT_ERROR = {
  code: 'Mirror.Timeout',
  message: 'the session was still not Created at the deadline',
  hint: 'The cloud is slow or the session is stuck in Creating; check it in the console, then send the request again.',
  retryable: false,
};

const MODIFY_TIMEOUT_ERROR = {
  code: 'Mirror.Timeout',
  message: 'the session was not Created with every change in place at the deadline',
  hint: 'Check the session in the console (mirrorflow sessions); send the modify again once it has settled.',
  retryable: false,
};

const WITHDRAW_TIMEOUT_ERROR = {
  code: 'Mirror.Timeout',
  message: 'the session was still listed at the deadline: its delete has not finished',
  hint: 'Check the session in the console; send the withdraw again once it is no longer changing.',
  retryable: false,
};

function settle(
  item: JobItem,
  state: 'ready' | 'failed',
  reason: string,
  error: JobItem['error'],
  now: number,
): void {
  item.state = state;
  item.reason = reason;
  item.error = error;
  item.settledAt = new Date(now).toISOString();
}

function snapshot(session: TrafficMirrorSession): NonNullable<JobItem['session']> {
  return {
    id: session.TrafficMirrorSessionId,
    status: session.TrafficMirrorSessionStatus,
    businessStatus: session.TrafficMirrorSessionBusinessStatus ?? null,
    enabled: session.Enabled,
    priority: session.Priority,
    virtualNetworkId: session.VirtualNetworkId ?? null,
    packetLength: session.PacketLength ?? null,
  };
}

/**
 * With shared looks, one invocation keeps looking, tick after tick, while the sessions stay pending and the
 * next look is due within this long of its start: CloudFlow bills each state, FC an instance's time, and on a
 * custom runtime many flows' invocations share an instance, so a wait spent in the function costs less than
 * a Wait state and a Task each time. check-status's 60-s timeout (s.yaml) leaves room for the last look,
 * started at 20 s, to take its two attempts.
 */
export const LOOKS_WITHIN_MS = 20_000;

/**
 * check-status's rounds for one invocation: a look, then (with shared looks) more looks at their ticks until
 * something is settled, the job wants a throttled back-off, or the next look is further away than `withinMs`
 * (LOOKS_WITHIN_MS) from the start. The job returned says what the flow does next, as one round's would.
 */
export async function checkStatusRounds(
  input: Job,
  deps: CheckStatusDeps,
  withinMs = LOOKS_WITHIN_MS,
): Promise<Job> {
  const started = deps.now();
  // Sent straight back after its events were put (or at the start of the flow): wait here for the tick.
  await sleepUntilNearly(input.nextLookAt, started, withinMs, deps);
  let job = await checkStatus(input, deps);
  while (deps.sleep && job.phase === 'pending' && job.nextLookAt) {
    const before = { at: deps.now(), calls: job.listCalls };
    if (!(await sleepUntilNearly(job.nextLookAt, started, withinMs, deps))) break;
    job = await checkStatus(job, deps);
    // A round that neither waited nor looked would only repeat itself: the flow waits instead.
    if (deps.now() === before.at && job.listCalls === before.calls) break;
  }
  return job;
}

/**
 * Sleeps until a second before the look at `nextLookAt` (the round sleeps the rest, untilTick, and meets the
 * other looks there) if it is due within `withinMs` of `started`; false if it is not.
 */
async function sleepUntilNearly(
  nextLookAt: string | undefined,
  started: number,
  withinMs: number,
  deps: CheckStatusDeps,
): Promise<boolean> {
  if (!deps.sleep || !nextLookAt) return false;
  const lookAt = Date.parse(nextLookAt);
  if (lookAt - started > withinMs) return false;
  const early = lookAt - deps.now() - 1000;
  if (early > 0) await deps.sleep(early);
  return true;
}

/** One List call by ids, unshared. */
function listEach(vpcFor: CheckStatusDeps['vpcFor']): LookUpSessions {
  return async (regionId, ids) => {
    const page = await vpcFor(regionId).listTrafficMirrorSessions({
      RegionId: regionId,
      TrafficMirrorSessionIds: ids,
      MaxResults: LIST_BATCH,
    });
    return new Map(page.TrafficMirrorSessions.map((s) => [s.TrafficMirrorSessionId, s]));
  };
}

/** With shared looks: the job's next look is planned for a tick too far away to wait for here. */
function lookNotDue(job: Job, deps: CheckStatusDeps, now: number): boolean {
  return Boolean(deps.sleep && job.nextLookAt && Date.parse(job.nextLookAt) - now > ALIGN_MAX_SLEEP_MS);
}

/** Waits for the tick this look was sent for, so that it meets the other flows' looks there. */
async function untilTick(job: Job, deps: CheckStatusDeps): Promise<void> {
  // Only a session still to be looked at waits for a tick (a refused request is answered at once).
  if (!deps.sleep || !job.items.some((i) => i.state === 'pending' && i.sessionId && !i.failure)) return;
  const arrival = deps.now();
  if (lookNotDue(job, deps, arrival)) return;
  const lookAt = lookTimeOnArrival({
    nowMs: arrival,
    ...(job.nextLookAt ? { plannedMs: Date.parse(job.nextLookAt) } : {}),
    startedAtMs: Date.parse(job.startedAt),
    maxDelaySeconds: deps.config.pollMaxDelaySeconds,
  });
  // Before the first delay there is nothing to look at yet (the round only plans the first look) — unless the
  // deadline comes first, when the look at it is the one that tells.
  const firstLook = Date.parse(job.startedAt) + creationWaitSeconds(job, deps) * 1000;
  const due = Math.min(firstLook, Date.parse(job.deadlineAt));
  if (lookAt > arrival && lookAt >= due) await deps.sleep(lookAt - arrival);
}

/**
 * How long after the job's start none of its sessions can be Created: the shortest creation time, when every
 * session it waits for was created just before (createdJustBefore). A modify or a withdraw may settle at once,
 * a reconcile chunk's sessions and a redelivery's (created by the delivery before it) are older than the job:
 * those are looked at from the start (0). An item the cloud already refused needs no look at all.
 */
function creationWaitSeconds(job: Job, deps: CheckStatusDeps): number {
  const waited = job.items.filter((i) => i.state === 'pending' && i.sessionId && !i.failure);
  return waited.length > 0 && waited.every(createdJustBefore) ? deps.config.pollFirstDelaySeconds : 0;
}

/**
 * Looks at the pending items: one List call per region per 100 sessions, all at once (so a look takes one
 * call's time, however many regions), each item classified. Says how many calls it made and whether one was
 * throttled or failed transiently (its items stay pending, and the next look waits longer).
 */
async function lookAtPending(
  pending: JobItem[],
  deps: CheckStatusDeps,
  now: number,
  alone: boolean,
): Promise<{ throttled: boolean; calls: number }> {
  const lookUp = deps.lookUp ?? listEach(deps.vpcFor);
  const log = deps.log ?? (() => {});
  const byRegion = new Map<string, JobItem[]>();
  for (const item of pending) byRegion.set(item.regionId!, [...(byRegion.get(item.regionId!) ?? []), item]);
  const batches = [...byRegion].flatMap(([regionId, items]) =>
    Array.from({ length: Math.ceil(items.length / LIST_BATCH) }, (_, k) => ({
      regionId,
      batch: items.slice(k * LIST_BATCH, (k + 1) * LIST_BATCH),
    })),
  );
  let throttled = false;
  await Promise.all(
    batches.map(async ({ regionId, batch }) => {
      try {
        const found = await withRetry(
          () =>
            lookUp(
              regionId,
              batch.map((i) => i.sessionId!),
              { alone },
            ),
          STATUS_LOOK_POLICY,
          deps.retryHooks,
        );
        for (const item of batch) classify(item, found.get(item.sessionId!), now);
      } catch (error) {
        if (!(error instanceof CloudApiError)) throw error;
        if (error.retryable) {
          // Throttling or a server error: look again later, with a longer delay.
          throttled = true;
          log('list failed transiently; will look again', { regionId, code: error.code });
        } else {
          for (const item of batch) settle(item, 'failed', error.code, summarise(error), now);
        }
      }
    }),
  );
  return { throttled, calls: batches.length };
}

/** Settles an item by what the look found, or notes why it is still pending. */
function classify(item: JobItem, session: TrafficMirrorSession | undefined, now: number): void {
  if (session) item.session = snapshot(session);
  const verdict =
    item.operation === 'withdraw'
      ? classifyWithdrawal(session)
      : item.operation === 'modify'
        ? classifyModification(session, (item.request as ModifySummary).changes)
        : classifySession(session, (item.request as { Enabled?: boolean } | null)?.Enabled ?? true);
  if (verdict.state !== 'pending') settle(item, verdict.state, verdict.reason, verdict.error, now);
  else item.reason = verdict.reason;
}

export async function checkStatus(input: Job, deps: CheckStatusDeps): Promise<Job> {
  const job: Job = structuredClone(input);
  await untilTick(job, deps);
  const now = deps.now();
  job.attempt += 1;

  // The events of the last round are on the bus now.
  const emitted = new Set(job.events.map((e) => e.id));
  job.events = [];
  for (const item of job.items) {
    if (emitted.has(buildCompletionEvent(job, item, now).id)) item.emitted = true;
  }
  // `?? []`: a job started before notices existed has none.
  for (const notice of job.notices ?? []) if (emitted.has(notice.event.id)) notice.emitted = true;

  for (const item of job.items) {
    if (item.state !== 'pending') continue;
    if (item.failure) settle(item, 'failed', item.failure.code, item.failure, now);
    else if (item.provisioning === 'DryRunPassed') settle(item, 'ready', 'DryRunPassed', null, now);
  }

  // Before the shortest creation time has passed, a session this request has just created is certainly still
  // Creating: wait for it rather than spend a call — unless the deadline has come (a round that ran late), when
  // only a look can tell a Created session from a timeout.
  const deadline = Date.parse(job.deadlineAt);
  const skipFreshCreates =
    now - Date.parse(job.startedAt) < creationWaitSeconds(job, deps) * 1000 && now < deadline;
  // Back after its events were put, with its tick still far off: no look this round.
  const notYet = lookNotDue(job, deps, now);
  const pending = job.items.filter(
    (i) =>
      !notYet &&
      i.state === 'pending' &&
      i.sessionId &&
      i.regionId &&
      !(skipFreshCreates && i.provisioning === 'Created'),
  );
  const { throttled, calls } = await lookAtPending(pending, deps, now, job.nextLookAlone === true);
  job.listCalls += calls;

  if (now >= deadline) {
    for (const item of job.items)
      if (item.state === 'pending')
        settle(
          item,
          'failed',
          'Mirror.Timeout',
          item.operation === 'withdraw'
            ? WITHDRAW_TIMEOUT_ERROR
            : item.operation === 'modify'
              ? MODIFY_TIMEOUT_ERROR
              : TIMEOUT_ERROR,
          now,
        );
  }

  const pendingLeft = job.items.some((i) => i.state === 'pending');
  if (notYet) {
    job.nextDelaySeconds = waitSecondsUntil(Date.parse(job.nextLookAt!), deps.now());
    // It may have come back to another instance: this one expects it too now.
    deps.roster?.expect(job.executionName, pendingRegions(job), Date.parse(job.nextLookAt!), now);
  } else planNextLook(job, deps, { now, deadline, pendingLeft, throttled });

  // A settled item's event goes out now, even while others of the job are still pending. Once the chunk is
  // put the flow comes straight back: the next round puts what is left, waits for the next tick (or, too far
  // away, says how long the flow should wait), or ends the job.
  const chunk = nextChunk(job, now, pendingLeft);
  job.afterEmit = 'look';
  if (chunk.length > 0) {
    job.phase = 'emit';
    job.events = chunk;
    if (!pendingLeft && !job.items.some((i) => !i.emitted) && !(job.notices ?? []).some((n) => !n.emitted))
      job.afterEmit = finalPhase(job) === 'ready' ? 'ready' : 'failed';
    return job;
  }
  job.phase = pendingLeft ? 'pending' : finalPhase(job);
  return job;
}

/**
 * The wait before the next look. With shared looks the next tick of the grid (`nextLookAt`) — or, for a flow
 * the roster knows to be alone, the latest moment the bound allows — which the flow reaches a little early;
 * after a throttled look, or without shared looks, the whole-second schedule (a throttled look's a longer,
 * jittered back-off). The roster learns when the flow will look again, or that it is done.
 */
function planNextLook(
  job: Job,
  deps: CheckStatusDeps,
  o: { now: number; deadline: number; pendingLeft: boolean; throttled: boolean },
): void {
  delete job.nextLookAt;
  delete job.nextLookAlone;
  const regions = pendingRegions(job);
  const firstDelaySeconds = creationWaitSeconds(job, deps);
  if (!o.pendingLeft) {
    deps.roster?.leave(job.executionName);
    job.nextDelaySeconds = 1;
    return;
  }
  if (o.throttled || !deps.sleep) {
    job.nextDelaySeconds = nextDelaySeconds({
      elapsedSeconds: (o.now - Date.parse(job.startedAt)) / 1000,
      firstDelaySeconds,
      maxDelaySeconds: deps.config.pollMaxDelaySeconds,
      remainingSeconds: (o.deadline - o.now) / 1000,
      throttled: o.throttled,
      ...(deps.random ? { random: deps.random } : {}),
    });
    deps.roster?.expect(job.executionName, regions, o.now + job.nextDelaySeconds * 1000, o.now);
    return;
  }
  // Alone in its regions, as far as this instance knows: no one to meet on the grid.
  const alone = deps.roster?.alone(job.executionName, regions, o.now) ?? false;
  const lookAt = nextLookAt({
    lastLookMs: o.now,
    startedAtMs: Date.parse(job.startedAt),
    deadlineMs: o.deadline,
    firstDelaySeconds,
    maxDelaySeconds: deps.config.pollMaxDelaySeconds,
    alone,
  });
  deps.roster?.expect(job.executionName, regions, lookAt, o.now);
  job.nextLookAt = new Date(lookAt).toISOString();
  if (alone) job.nextLookAlone = true;
  job.nextDelaySeconds = waitSecondsUntil(lookAt, deps.now());
}

/**
 * The events to put now, within the room the job leaves: settled items not yet answered, then (once every item
 * is settled and answered) the notices. Each item (and notice) is marked emitted as it joins the chunk: the
 * flow puts the chunk next, and if check-status then fails, the Catch path must not answer with a Failed
 * event what already got its answer.
 */
function nextChunk(job: Job, now: number, pendingLeft: boolean): CompletionEventParams[] {
  const room = Math.min(EMIT_CHUNK_BYTES, STATE_BYTES_LIMIT - STATE_MARGIN_BYTES - jobBytes(job));
  const chunk: CompletionEventParams[] = [];
  let bytes = 0;
  for (const item of job.items) {
    if (item.emitted || item.state === 'pending') continue;
    const event = buildCompletionEvent(job, item, now);
    const size = Buffer.byteLength(JSON.stringify(event));
    if (chunk.length > 0 && bytes + size > room) break;
    chunk.push(event);
    item.emitted = true;
    bytes += size;
  }
  if (chunk.length === 0 && !pendingLeft) {
    const notice = job.notices?.find((n) => !n.emitted);
    if (notice) {
      chunk.push(notice.event);
      notice.emitted = true;
    }
  }
  return chunk;
}

/** The regions of the sessions the job still waits for. */
function pendingRegions(job: Job): Set<string> {
  return new Set(
    job.items.filter((i) => i.state === 'pending' && i.sessionId && i.regionId).map((i) => i.regionId!),
  );
}

function finalPhase(job: Job): 'ready' | 'failed' | 'timeout' {
  return job.items.every((i) => i.state === 'ready')
    ? 'ready'
    : job.items.some((i) => i.reason === 'Mirror.Timeout')
      ? 'timeout'
      : 'failed';
}
