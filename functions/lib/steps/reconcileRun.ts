/**
 * A scheduled reconcile run across as many invocations as it takes. The timer's invocation applies for its
 * share of time (MIRRORFLOW_RECONCILE_SLICE_SECONDS); if entries are left, it hands the run to the
 * reconcile-run flow (workflows/reconcile-run.yaml) under a name derived from the scheduled time, and the
 * flow invokes reconcile again with the run's progress until it is done. The invocation that finishes sweeps
 * expired sessions and puts the run's one Completed event. Every step is safe to run twice: the same firing
 * gives the same tokens and execution names, and an invocation the flow retries redoes its entries as the
 * sessions its failed attempt created (reconcileRecovery.ts: ownFiringSession).
 */
import { CloudApiError } from '../cloud/cloudError.js';
import { cloudCallPolicy, withRetry } from '../cloud/retry.js';
import { type HandOffResult, runningExecution } from '../cloud/workflowClient.js';
import { continuationExecutionName } from '../contract/clientToken.js';
import type { DesiredState } from '../contract/desiredState.js';
import type { RunAbandonment } from '../contract/reconcileEvent.js';
import { foldInvocation, type RunProgress } from '../contract/reconcileProgress.js';
import type { Runtime } from '../runtime/runtime.js';
import { type ExpiredSession, sweepExpired, sweepLimits } from './expiry.js';
import { reconcile } from './reconcile.js';
import { announceRun, describeReport, type ReconcileReport, withExpired } from './reconcileReport.js';

export interface RunDeps {
  runtime: Runtime;
  loadDesired: () => Promise<DesiredState>;
  log: (message: string, details?: Record<string, unknown>) => void;
  /** True once this invocation has used its share of time. */
  timeIsUp: () => boolean;
  /** True once the invocation that ends a run has no time left for its expiry sweep (none: no bound). */
  sweepTimeIsUp?: () => boolean;
}

export interface InvocationOutcome {
  report: ReconcileReport;
  progress: RunProgress;
  /** The reconcile-run execution that goes on with the run (this invocation stopped before its end). */
  continuedBy?: HandOffResult;
  /** The run ended here: what the expiry sweep did (also in `report`), and the Completed event's hand-off. */
  expired?: ExpiredSession[];
  announced?: HandOffResult;
}

/** A firing that found an earlier run still going: it leaves the region to that run. */
export interface SkippedFiring {
  skipped: true;
  triggerTime: string;
  runningExecution: string;
  text: string;
}

/**
 * The timer's invocation. A run of an earlier firing still going (its flow execution is Running) would race
 * this one's creates — two tokens for one entry, a wasted Create and two answers — so this firing leaves it
 * to finish; the next firing picks up whatever the desired state asks by then.
 */
export async function fireRun(
  triggerTime: string,
  deps: RunDeps,
): Promise<InvocationOutcome | SkippedFiring> {
  const { runtime } = deps;
  const running = await runningExecution(runtime.workflow, {
    flowName: runtime.config.reconcileFlowName,
    policy: cloudCallPolicy(runtime.config),
    ...(runtime.retryHooks ? { hooks: runtime.retryHooks } : {}),
  });
  if (running) {
    const text = `reconcile ${triggerTime}: skipped, the run of ${running} is still going (it finishes first)`;
    deps.log(text, { runningExecution: running });
    return { skipped: true, triggerTime, runningExecution: running, text };
  }
  return applyInvocation(triggerTime, undefined, deps);
}

/** An invocation by the reconcile-run flow: the run goes on where the last one stopped. */
export function continueRun(progress: RunProgress, deps: RunDeps): Promise<InvocationOutcome> {
  return applyInvocation(progress.triggerTime, progress, deps);
}

async function applyInvocation(
  triggerTime: string,
  soFar: RunProgress | undefined,
  deps: RunDeps,
): Promise<InvocationOutcome> {
  const { runtime } = deps;
  const desired = await deps.loadDesired();
  const report = await reconcile(
    {
      triggerTime,
      mode: 'apply',
      desired,
      ...(soFar ? { from: soFar.position } : {}),
      ...(soFar?.plan ? { carried: soFar.plan } : {}),
      timeIsUp: deps.timeIsUp,
    },
    runtime,
    { log: deps.log },
  );
  const progress = foldInvocation(soFar, report);
  if (!progress.done) {
    // The flow's own invocations return the progress to it; only the timer's starts the flow.
    return soFar ? { report, progress } : { report, progress, continuedBy: await handOn(progress, runtime) };
  }
  const expired = await sweepExpired(
    progress.regions,
    { mode: 'apply', triggerTime },
    runtime,
    deps.log,
    sweepLimits(runtime, deps.sweepTimeIsUp),
  );
  const completed = withExpired(progress, expired);
  const announced = await announceRun(
    { ...completed, mode: 'apply', owner: runtime.config.owner, prune: runtime.config.reconcilePrune },
    runtime,
  );
  const withSweep = withExpired(report, expired);
  return {
    report: { ...withSweep, text: describeReport(withSweep) },
    progress: completed,
    expired,
    announced,
  };
}

/**
 * The reconcile-run flow gave up on the run: a Slice kept failing (the desired state unreadable, the function
 * failing or timing out). The run's Completed event still goes out, once, as far as the run went — outcome
 * `Abandoned`, with the flow's error — from its progress alone: no desired state, no listing. The sessions it
 * created were handed off chunk by chunk; any it had not handed off the next firing answers
 * (reconcileRecovery.ts).
 */
export async function abandonRun(
  progress: RunProgress,
  abandoned: RunAbandonment,
  deps: Pick<RunDeps, 'runtime' | 'log'>,
): Promise<{ progress: RunProgress; announced: HandOffResult }> {
  const { config } = deps.runtime;
  deps.log('the reconcile-run flow gave up on the run; announcing it as far as it went', { ...abandoned });
  const announced = await announceRun(
    { ...progress, mode: 'apply', owner: config.owner, prune: config.reconcilePrune, abandoned },
    deps.runtime,
  );
  return { progress: { ...progress, done: true }, announced };
}

/**
 * Starts the run's reconcile-run execution. `ExecutionAlreadyExists`: a repeat of this firing got there
 * first and that execution has ended — it carried the run, so this repeat stops here.
 */
async function handOn(progress: RunProgress, runtime: Runtime): Promise<HandOffResult> {
  const executionName = continuationExecutionName(progress.triggerTime);
  try {
    await withRetry(
      () =>
        runtime.workflow.startExecution({
          FlowName: runtime.config.reconcileFlowName,
          ExecutionName: executionName,
          Input: JSON.stringify({ progress }),
        }),
      cloudCallPolicy(runtime.config),
      runtime.retryHooks,
    );
    return { executionName, handOff: 'started' };
  } catch (error) {
    if (error instanceof CloudApiError && error.code === 'ExecutionAlreadyExists')
      return { executionName, handOff: 'finished' };
    throw error;
  }
}
