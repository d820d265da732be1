/**
 * reconcile: the timer trigger. Reads the desired state (MIRRORFLOW_DESIRED_STATE: a path in the code
 * package, or an http(s) URL), plans against every session of its regions, and in apply mode converges on it
 * (creates, updates in place, prunes: steps/reconcile.ts); then sweeps expired sessions and puts the run's
 * one Completed event through the flow. The report is logged and returned. Payload `{"mode":"plan"}` (or
 * MIRRORFLOW_RECONCILE_MODE=plan) plans without changing anything.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { HandOffResult } from '../lib/cloud/workflowClient.js';
import { parseDesiredState } from '../lib/contract/desiredState.js';
import { beginInvocation, createLogger } from '../lib/runtime/logger.js';
import { type FcContext, runtimeFrom } from '../lib/runtime/runtime.js';
import { type ExpiredSession, sweepExpired } from '../lib/steps/expiry.js';
import { reconcile } from '../lib/steps/reconcile.js';
import { announceRun, type ReconcileReport, withExpired } from '../lib/steps/reconcileReport.js';

const logger = createLogger('reconcile');

interface TimerEvent {
  triggerTime?: string;
  triggerName?: string;
  payload?: string;
}

async function loadDesiredState(location: string): Promise<string> {
  if (/^https?:\/\//.test(location)) {
    const response = await fetch(location, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok)
      throw new Error(`fetching the desired state from ${location} answered HTTP ${response.status}`);
    return response.text();
  }
  const path = isAbsolute(location)
    ? location
    : join(process.env.FC_FUNC_CODE_PATH ?? process.cwd(), location);
  return readFile(path, 'utf8');
}

export const handler = async (
  event: Buffer,
  context: FcContext,
): Promise<ReconcileReport & { expired: ExpiredSession[]; announced: HandOffResult }> => {
  beginInvocation(logger, { requestId: context.requestId });
  const timer = JSON.parse(event.toString('utf8') || '{}') as TimerEvent;
  let payload: { mode?: unknown } = {};
  try {
    payload = timer.payload ? (JSON.parse(timer.payload) as { mode?: unknown }) : {};
  } catch {
    logger.warn('the timer payload is not JSON; ignoring it', { payload: timer.payload });
  }
  const runtime = runtimeFrom(context);
  if (!runtime.config.desiredState)
    throw new Error('MIRRORFLOW_DESIRED_STATE is not set: reconcile has nothing to work from');
  // The scheduled time, not the time of this attempt: a retried or repeated firing reuses the same tokens.
  const triggerTime = timer.triggerTime ?? new Date(runtime.now()).toISOString();
  const mode =
    payload.mode === 'plan' || payload.mode === 'apply' ? payload.mode : runtime.config.reconcileMode;
  logger.appendKeys({ triggerTime, mode });
  const desired = parseDesiredState(await loadDesiredState(runtime.config.desiredState));
  const report = await reconcile({ triggerTime, mode, desired }, runtime, {
    log: (message, details) => logger.info(message, details),
  });
  // Ad-hoc sessions whose time has come are withdrawn by the same scheduled run (functions/lib/steps/expiry.ts).
  const expired = await sweepExpired(report.regions, { mode, triggerTime }, runtime, (message, details) =>
    logger.info(message, details),
  );
  const completed = withExpired(report, expired);
  const announced = await announceRun(completed, runtime);
  logger.info(completed.text, { counts: completed.counts, handOffs: completed.handOffs, announced });
  return { ...completed, expired, announced };
};
