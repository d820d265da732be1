/**
 * reconcile: the timer trigger, and each further invocation of a long run. Reads the desired state
 * (MIRRORFLOW_DESIRED_STATE: a path in the code package, or an http(s) URL; JSON or YAML), plans against every
 * session of its regions, and in apply mode converges on it (creates, updates in place, prunes:
 * steps/reconcile.ts) for its share of time; a run with more to do goes on through the reconcile-run flow,
 * which invokes this function again with the run's progress (steps/reconcileRun.ts). The invocation that ends
 * the run sweeps expired sessions and puts the run's one Completed event through the flow. The report is logged
 * and returned. Payload `{"mode":"plan"}` (or MIRRORFLOW_RECONCILE_MODE=plan) plans without changing anything.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { type DesiredState, jsonDesiredState } from '../lib/contract/desiredState.js';
import { runAbandonment } from '../lib/contract/reconcileEvent.js';
import { parseProgress } from '../lib/contract/reconcileProgress.js';
import { answersCodeCacheRequests } from '../lib/runtime/codeCache.js';
import { beginInvocation, createLogger } from '../lib/runtime/logger.js';
import { type FcContext, type Runtime, runtimeFrom } from '../lib/runtime/runtime.js';
import { sweepExpired } from '../lib/steps/expiry.js';
import { reconcile } from '../lib/steps/reconcile.js';
import { announceRun, describeReport, withExpired } from '../lib/steps/reconcileReport.js';
import { abandonRun, continueRun, fireRun, type RunDeps } from '../lib/steps/reconcileRun.js';

const logger = createLogger('reconcile');
const log = (message: string, details?: Record<string, unknown>) => logger.info(message, details ?? {});

interface TimerEvent {
  triggerTime?: string;
  triggerName?: string;
  payload?: string;
  /** Set when the reconcile-run flow invokes the function to go on with a run. */
  progress?: unknown;
  /** Set, with the progress, when the flow gave up on the run (its Catch): `$Context.Current.Error`. */
  abandoned?: { code?: unknown; detail?: unknown };
}

async function loadDesiredState(location: string): Promise<DesiredState> {
  if (/^https?:\/\//.test(location)) {
    const response = await fetch(location, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok)
      throw new Error(`fetching the desired state from ${location} answered HTTP ${response.status}`);
    return parseAnyForm(await response.text());
  }
  const path = isAbsolute(location)
    ? location
    : join(process.env.FC_FUNC_CODE_PATH ?? process.cwd(), location);
  // In the code package: the JSON the build checked and wrote; elsewhere (a NAS mount, `mirrorflow up`'s
  // file) it may be YAML. Read at once: an instance runs one invocation at a time, and `fs/promises` alone
  // would add about 2 ms to the cold start (loading it, and its first read).
  const text = readFileSync(path, 'utf8');
  return jsonDesiredState(text) ?? parseAnyForm(text);
}

/** YAML or JSON, as a user writes it (its reader loaded now, js-yaml from beside the bundle). */
async function parseAnyForm(text: string): Promise<DesiredState> {
  const { parseDesiredState } = await import('../lib/contract/desiredStateText.js');
  return parseDesiredState(text);
}

function modeOf(timer: TimerEvent, runtime: Runtime): 'apply' | 'plan' {
  let payload: { mode?: unknown } = {};
  try {
    payload = timer.payload ? (JSON.parse(timer.payload) as { mode?: unknown }) : {};
  } catch {
    logger.warn('the timer payload is not JSON; ignoring it', { payload: timer.payload });
  }
  return payload.mode === 'plan' || payload.mode === 'apply' ? payload.mode : runtime.config.reconcileMode;
}

/**
 * The invocation's share of time, on the cloud's clock and on this process's (on the local cloud they
 * differ, and FC's timeout is real time there too): whichever runs out first.
 */
function timeIsUpAfter(seconds: number, runtime: Runtime): () => boolean {
  const cloudStart = runtime.now();
  // process.hrtime, not `performance`: the same monotonic clock, without loading perf_hooks on a cold start.
  const realStart = process.hrtime.bigint();
  const budget = seconds * 1000;
  const realElapsedMs = () => Number(process.hrtime.bigint() - realStart) / 1e6;
  return () => runtime.now() - cloudStart >= budget || realElapsedMs() >= budget;
}

/** Plan mode: one invocation that changes nothing, with its would-be expiries and its Completed event. */
async function planRun(triggerTime: string, runtime: Runtime, deps: RunDeps) {
  const report = await reconcile({ triggerTime, mode: 'plan', desired: await deps.loadDesired() }, runtime, {
    log,
  });
  const expired = await sweepExpired(report.regions, { mode: 'plan', triggerTime }, runtime, log);
  const completed = withExpired(report, expired);
  const announced = await announceRun(completed, runtime);
  return { ...completed, text: describeReport(completed), expired, announced };
}

const handle = async (event: Buffer, context: FcContext) => {
  beginInvocation(logger, { requestId: context.requestId });
  const timer = JSON.parse(event.toString('utf8') || '{}') as TimerEvent;
  const runtime = runtimeFrom(context);
  const { desiredState } = runtime.config;
  if (!desiredState)
    throw new Error('MIRRORFLOW_DESIRED_STATE is not set: reconcile has nothing to work from');
  const deps: RunDeps = {
    runtime,
    loadDesired: () => loadDesiredState(desiredState),
    log,
    timeIsUp: timeIsUpAfter(runtime.config.reconcileSliceSeconds, runtime),
    // The sweep after the run's last entries: until twice the slice from this invocation's start (a third of
    // FC's 900 s timeout left at the default slice).
    sweepTimeIsUp: timeIsUpAfter(2 * runtime.config.reconcileSliceSeconds, runtime),
  };

  if (timer.progress !== undefined && timer.abandoned !== undefined) {
    const progress = parseProgress(timer.progress);
    logger.appendKeys({ triggerTime: progress.triggerTime, mode: 'apply', abandoned: true });
    const { accessKeySecret, securityToken } = runtime.credentials;
    const why = runAbandonment(timer.abandoned, [accessKeySecret, securityToken]);
    const outcome = await abandonRun(progress, why, deps);
    logger.info('abandoned run announced', { counts: progress.counts, announced: outcome.announced });
    return outcome.progress;
  }

  if (timer.progress !== undefined) {
    // The reconcile-run flow: the run's progress in, the run's progress out (the flow loops until `done`).
    const progress = parseProgress(timer.progress);
    logger.appendKeys({
      triggerTime: progress.triggerTime,
      mode: 'apply',
      invocation: progress.invocations + 1,
    });
    const outcome = await continueRun(progress, deps);
    logger.info(outcome.report.text, { counts: outcome.progress.counts, done: outcome.progress.done });
    return outcome.progress;
  }

  // The scheduled time, not the time of this attempt: a retried or repeated firing reuses the same tokens.
  const triggerTime = timer.triggerTime ?? new Date(runtime.now()).toISOString();
  const mode = modeOf(timer, runtime);
  logger.appendKeys({ triggerTime, mode });
  if (mode === 'plan') {
    const planned = await planRun(triggerTime, runtime, deps);
    logger.info(planned.text, { counts: planned.counts, announced: planned.announced });
    return planned;
  }
  const outcome = await fireRun(triggerTime, deps);
  if ('skipped' in outcome) return outcome;
  const { report, continuedBy, expired, announced } = outcome;
  logger.info(report.text, { counts: report.counts, handOffs: report.handOffs, continuedBy, announced });
  return { ...report, ...(continuedBy ? { continuedBy } : {}), expired: expired ?? [], announced };
};

/** FC's `index.handler`; it also answers `mirrorflow code-cache` (functions/lib/runtime/codeCache.ts). */
export const handler = answersCodeCacheRequests(handle, logger);
