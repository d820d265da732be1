/**
 * A reconcile run whose invocations keep failing, end to end on the local cloud: the reconcile-run flow gives
 * up on it after its retries, and the run still ends in one Completed event — outcome Abandoned, with the
 * error (its message, no stack trace) and the counts and lists as far as the run went — while every session
 * it created got its own Ready event. The execution ends Failed, as CloudFlow shows a run that did not finish.
 */
import { describe, expect, it } from 'vitest';
import { slicedReconcileFile } from '../helpers/desiredStateServer.js';
import { completionEvents, reconcileEvents, settle } from '../helpers/localCloud.js';

const ENTRIES = 15;
const { desired, cloud: cloudOf } = slicedReconcileFile(ENTRIES);

describe('a reconcile run the flow gives up on', () => {
  it('ends in one Completed event, Abandoned, as far as it went; each session it created is answered once', async () => {
    const cloud = cloudOf();
    const firing = '2026-11-30T06:00:00Z';
    desired.hold();
    const first = cloud.reconcile(firing) as Promise<Record<string, unknown>>;
    await desired.readsReach(1);
    // The timer's read is answered; from the flow's first invocation on, the desired state cannot be read
    // (set in the same turn, so no later read can come first): every Slice fails.
    desired.release();
    desired.failing = true;
    const report = (await first) as {
      counts: Record<string, number>;
      continuedBy: { executionName: string; handOff: string };
    };
    expect(report.counts).toMatchObject({ desired: ENTRIES, created: 5 });
    expect(report.continuedBy).toMatchObject({ handOff: 'started' });
    await settle(cloud);

    // The Slice was tried 1 + 5 times (reconcile-run.yaml's FnF.ALL rule), then abandoned.
    expect(desired.reads).toBe(1 + 6);
    const run = [...cloud.fnf.executions.values()].find((e) => e.name === report.continuedBy.executionName);
    expect(run).toMatchObject({ flow: { Name: 'reconcile-run' }, status: 'Failed' });

    const completed = reconcileEvents(cloud);
    expect(completed).toHaveLength(1);
    const data = completed[0]!.data as Record<string, unknown> & { error: { message: string } };
    expect(data).toMatchObject({
      outcome: 'Abandoned',
      triggerTime: firing,
      mode: 'apply',
      counts: { desired: ENTRIES, created: 5 },
      error: { code: expect.any(String), message: expect.stringContaining('answered HTTP 500') },
    });
    expect(data.created).toHaveLength(5);
    expect(data.error.message).not.toMatch(/\n\s+at /);

    // The 5 sessions the run created: one Ready event each; nothing else was created or answered.
    const sessions = cloud.vpc.model.liveSessions();
    expect(sessions).toHaveLength(5);
    const answered = completionEvents(cloud);
    expect(answered.map((e) => e.type)).toEqual(Array(5).fill('mirrorflow:TrafficMirrorSession:Ready'));
    expect(new Set(answered.map((e) => (e.data as { sessionId: string }).sessionId))).toEqual(
      new Set(sessions.map((s) => s.id)),
    );
  });
});
