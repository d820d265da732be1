/**
 * Reconcile's answers survive a run that dies. Before a run creates a chunk's sessions it names the flow
 * executions it will hand them to, and each session carries that name in its origin tag
 * (`reconcile.<entry>@<execution>`). Every run lists the region anyway: a session of ours whose execution does
 * not exist was made by a run that died before its hand-off, and this run starts that execution — under the
 * same name, so if the dead run did get to it after all, CloudFlow refuses the second one. A session whose
 * execution exists but does not hold it was created by a Create whose answer the run never got (the entry was
 * left for later, and a later run finds it unchanged): it is handed off alone, under a name derived from that
 * execution and its token. Each created session thus gets exactly one Ready event, whichever run sends it.
 */
import { cloudCallPolicy } from '../cloud/retry.js';
import { findExecution } from '../cloud/workflowClient.js';
import { batchExecutionName } from '../contract/clientToken.js';
import { JOB_BYTES_LIMIT, type JobItem, jobItem } from '../contract/flowJob.js';
import { TOKEN_TAG_KEY } from '../contract/sessionTags.js';
import { localTimeScale } from '../runtime/clock.js';
import { handedOffRequest, type Run } from './reconcileApply.js';
import { originHandOff, type Plan, type PlannedEntry } from './reconcilePlan.js';
import type { ReconcileReport } from './reconcileReport.js';
import { jobFor, startJob } from './startJob.js';

/**
 * A session made by another run is recovered only once that run is certainly over: twice reconcile's
 * 900-second timeout in s.yaml (a later run must not race a slow one that is still handing off).
 */
export const RECOVERY_GRACE_SECONDS = 1800;
/** How far back a run looks for unanswered sessions (well within CloudFlow's retention of executions). */
export const RECOVERY_WINDOW_SECONDS = 86_400;
/**
 * A part of a chunk stays at 80 % of the job budget by estimate (each item as it will be, with the longest
 * session id and priority), leaving room for the job's own fields: the real job fits without a split.
 */
const PART_BYTES = JOB_BYTES_LIMIT * 0.8;

const PLACEHOLDER_SESSION = `tms-${'0'.repeat(20)}`;

/** A session an earlier attempt of this very firing created: its token is this run's for the entry. */
export function ownFiringSession(run: Run, planned: PlannedEntry): boolean {
  const token = planned.session?.Tags.find((t) => t.Key === TOKEN_TAG_KEY)?.Value;
  return planned.status === 'unchanged' && !planned.foreign && token === run.tokenOf(planned.name);
}

/**
 * The execution each entry of a chunk that this firing creates will be handed to: the chunk's creates —
 * with what an earlier attempt of the same firing already created of them, so every attempt of a firing,
 * even two at once, counts the same entries and names the same executions — in parts that fit one job, named
 * after the firing, the chunk and those entries. A session an earlier attempt created keeps the execution its
 * origin tag names.
 */
export function handOffParts(run: Run, chunk: readonly PlannedEntry[], start: number): Map<string, string> {
  const firing = chunk.filter((e) => e.status === 'create' || ownFiringSession(run, e));
  const base = batchExecutionName([
    `reconcile:${run.triggerTime}:${start}:creates`,
    ...firing.map((e) => e.name),
  ]);
  const parts = new Map<string, string>();
  let part = 0;
  let bytes = 0;
  for (const planned of firing) {
    const estimate = jobItem(
      {
        outcome: 'Created',
        sessionId: PLACEHOLDER_SESSION,
        priority: 32_766,
        clientToken: run.tokenOf(planned.name),
        request: handedOffRequest(run, planned),
      },
      'reconcile',
      run.runtime.accountId,
    );
    const size = Buffer.byteLength(JSON.stringify(estimate));
    if (bytes > 0 && bytes + size > PART_BYTES) {
      part += 1;
      bytes = 0;
    }
    bytes += size;
    const tagged = planned.session ? originHandOff(planned.session) : undefined;
    parts.set(planned.name, tagged ?? (part === 0 ? base : `${base}-${part}`));
  }
  return parts;
}

/** A created session that may still be owed its answer: its execution, and the item that answers it. */
function owed(
  run: Run,
  planned: PlannedEntry,
  now: number,
): { execution: string; item: JobItem } | undefined {
  const session = planned.session;
  // Another owner's session is never ours to answer, whatever its tags say.
  if (planned.status !== 'unchanged' || planned.foreign || !session || !planned.request) return undefined;
  const execution = originHandOff(session);
  const token = session.Tags.find((t) => t.Key === TOKEN_TAG_KEY)?.Value;
  if (!execution || !token) return undefined;
  // This firing's own sessions go with its chunks (handOffParts); another run's once it is certainly over.
  if (token === run.tokenOf(planned.name)) return undefined;
  // The function's timeout is real time, also on the local cloud: there a real second is `scale` virtual ones.
  const scale = localTimeScale();
  const created = Date.parse(session.CreationTime ?? '');
  const settledRun =
    created <= now - RECOVERY_GRACE_SECONDS * 1000 * scale &&
    created >= now - RECOVERY_WINDOW_SECONDS * 1000 * scale;
  if (!settledRun) return undefined;
  const item = jobItem(
    {
      outcome: 'Created',
      sessionId: session.TrafficMirrorSessionId,
      priority: session.Priority,
      clientToken: token,
      request: handedOffRequest(run, planned),
    },
    'reconcile',
    run.runtime.accountId,
    { recovered: 'true' },
  );
  return { execution, item };
}

/**
 * The execution that answers one session an existing execution does not hold: one per session (the name
 * from that execution and the session's token), so however many runs find it, CloudFlow starts it once.
 */
export function missedExecutionName(executionName: string, clientToken: string): string {
  return batchExecutionName([`reconcile:missed:${executionName}`, clientToken]);
}

/**
 * Starts the executions that runs which died before their hand-off never started, for the sessions of ours
 * they created (one DescribeExecution per execution named in a recent session's origin tag), and hands off
 * the sessions an execution that exists does not hold.
 */
export async function recoverHandOffs(run: Run, plan: Plan): Promise<ReconcileReport['handOffs']> {
  const { runtime } = run;
  const now = runtime.now();
  const byExecution = new Map<string, JobItem[]>();
  for (const planned of plan.entries) {
    const found = owed(run, planned, now);
    if (found) byExecution.set(found.execution, [...(byExecution.get(found.execution) ?? []), found.item]);
  }
  const handOffs: ReconcileReport['handOffs'] = [];
  const recover = async (executionName: string, items: JobItem[], why: string) => {
    run.log(why, { executionName, sessions: items.length });
    const started = await startJob(jobFor(executionName, items, runtime), runtime);
    handOffs.push({ executionName, sessions: items.length, handOff: `recovered (${started.handOff})` });
  };
  for (const [executionName, items] of byExecution) {
    const existing = await findExecutionOf(run, executionName);
    if (!existing) {
      await recover(executionName, items, 'handing off sessions a run that died had created');
      continue;
    }
    const held = new Set(existing.job.items.map((i) => i.clientToken));
    for (const item of items.filter((i) => !held.has(i.clientToken))) {
      const missed = missedExecutionName(executionName, item.clientToken);
      if (await findExecutionOf(run, missed)) continue;
      await recover(missed, [item], 'handing off a session whose Create answer its run never got');
    }
  }
  return handOffs;
}

const findExecutionOf = (run: Run, executionName: string) =>
  findExecution(run.runtime.workflow, {
    flowName: run.runtime.config.flowName,
    executionName,
    policy: cloudCallPolicy(run.runtime.config),
    ...(run.runtime.retryHooks ? { hooks: run.runtime.retryHooks } : {}),
  });
