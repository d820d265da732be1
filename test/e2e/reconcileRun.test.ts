/**
 * A reconcile run longer than one invocation, end to end on the local cloud: the timer's invocation applies
 * its share, hands the run to the reconcile-run flow, and the flow's invocations go on from where the last
 * stopped until the run is done — one session and one completion event per entry, one Completed event for
 * the run with every count, whatever invocation dies on the way. A firing while a run is still going leaves
 * the region to it.
 *
 * The desired state is served over HTTP by the test, so each invocation's read of it is a step the test can
 * hold: what runs when is decided by the test, never by how fast this machine is.
 */
import { describe, expect, it } from 'vitest';
import { slicedReconcileFile } from '../helpers/desiredStateServer.js';
import { completionEvents, reconcileEvents, settle } from '../helpers/localCloud.js';
import { faultRule } from '../helpers/requests.js';

const ENTRIES = 15;
const { desired, cloud: cloudOf } = slicedReconcileFile(ENTRIES);

const sourceOf = (data: unknown) =>
  String((data as { request?: { TrafficMirrorSourceIds?: string[] } }).request?.TrafficMirrorSourceIds?.[0]);
const reconcileInvocations = () =>
  cloudOf().stack.fc.logs.filter((l) => l.function === 'reconcile' && l.line.includes('"counts"')).length;

describe('a reconcile run across invocations', () => {
  const firing = '2026-11-29T06:00:00Z';

  it('goes on through the reconcile-run flow; a firing meanwhile is skipped; a failed invocation is retried from the same place', async () => {
    const cloud = cloudOf();
    desired.hold();
    const first = cloud.reconcile(firing) as Promise<Record<string, unknown>>;
    await desired.readsReach(1);
    desired.release();
    const report = (await first) as {
      counts: Record<string, number>;
      continuedBy: { executionName: string; handOff: string };
      next: { cursor: number };
    };
    expect(report.counts).toMatchObject({ desired: ENTRIES, created: 5 });
    expect(report.next).toEqual({ cursor: 5, pruneAfter: null });
    expect(report.continuedBy).toMatchObject({
      executionName: expect.stringMatching(/^mfr-/),
      handOff: 'started',
    });

    // The flow's first invocation is held at its read of the desired state: the run is certainly going.
    desired.hold();
    await desired.readsReach(2);
    const skipped = (await cloud.reconcile('2026-11-29T06:15:00Z')) as Record<string, unknown>;
    expect(skipped).toMatchObject({ skipped: true, runningExecution: report.continuedBy.executionName });

    // It applies the second chunk. The third (last) invocation creates its chunk, then cannot hand it off and
    // fails; the flow tries it again, which hands off what the failed attempt created. (The last chunk, so the
    // retry has nothing more to apply whatever its speed: re-handing is not paced.)
    desired.release();
    desired.hold();
    await desired.readsReach(3);
    cloud.fnf.faults.set({ rules: [faultRule({ action: 'StartExecution', serverErrorRate: 1 })] });
    desired.release();
    desired.hold();
    await desired.readsReach(4);
    cloud.fnf.faults.set({ rules: [] });
    desired.release();
    await settle(cloud);

    const run = [...cloud.fnf.executions.values()].find((e) => e.name === report.continuedBy.executionName);
    expect(run).toMatchObject({ flow: { Name: 'reconcile-run' }, status: 'Succeeded' });
    const perEntry = new Map<string, string[]>();
    for (const e of completionEvents(cloud))
      perEntry.set(sourceOf(e.data), [...(perEntry.get(sourceOf(e.data)) ?? []), e.type]);
    expect(perEntry.size).toBe(ENTRIES);
    for (const types of perEntry.values()) expect(types).toEqual(['mirrorflow:TrafficMirrorSession:Ready']);
    const sessions = cloud.vpc.model.liveSessions();
    expect(sessions).toHaveLength(ENTRIES);
    expect(new Set(sessions.map((s) => s.sourceIds[0])).size).toBe(ENTRIES);
    expect(
      cloud.vpc.calls.filter(
        (c) => c.action === 'CreateTrafficMirrorSession' && c.code === 'IllegalParam.Priority',
      ),
    ).toEqual([]);

    const completed = reconcileEvents(cloud);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data).toMatchObject({
      triggerTime: firing,
      counts: { desired: ENTRIES, created: ENTRIES, unchanged: 0, failed: 0 },
    });
    expect((completed[0]!.data as { created: unknown[] }).created).toHaveLength(ENTRIES);
    // The timer's; the flow's second; its third's failed attempt and that one's retry; and a fourth, which
    // lists for the prune walk. Only the timer's and the fourth list the region (and the expiry sweep after
    // it): the second and third apply from what the first listing found.
    expect(desired.reads).toBe(5);
    expect(reconcileInvocations()).toBe(4);
    const regionListings = cloud.vpc.calls.filter(
      (c) =>
        c.action === 'ListTrafficMirrorSessions' &&
        !c.paramNames?.some((n) => n.startsWith('TrafficMirrorSessionIds')),
    );
    expect(regionListings).toHaveLength(3);
    // The retry sent its chunk's Creates again with the same tokens and priorities: the cloud answered them
    // with the sessions the failed attempt had made (15 sessions, checked above, from 20 Creates).
    const creates = cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession');
    expect(creates.map((c) => c.code)).toEqual(Array(ENTRIES + 5).fill('OK'));
  });

  it('the same firing again changes nothing and announces nothing new', async () => {
    const cloud = cloudOf();
    const events = cloud.stack.bus.events.length;
    const createsBefore = cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession').length;
    const again = (await cloud.reconcile(firing)) as {
      counts: Record<string, number>;
      entries: unknown[];
      next?: unknown;
      continuedBy?: { handOff: string };
    };
    // Its entries are the run's own sessions again (reported created), handed to executions that exist. Only
    // Creates are paced, so how many chunks fit its second depends on this machine: the counts are checked
    // against what it applied, and a hand-on finds the run's execution ended.
    expect(again.counts).toMatchObject({ created: again.entries.length, unchanged: 0 });
    expect(again.entries.length).toBeGreaterThanOrEqual(5);
    if (again.next) expect(again.continuedBy?.handOff).toBe('finished');
    else expect(again.continuedBy).toBeUndefined();
    // It listed, so it found the firing's own sessions: it re-hands them without a Create.
    expect(cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession')).toHaveLength(
      createsBefore,
    );
    await settle(cloud);
    expect(cloud.stack.bus.events.length).toBe(events);
    expect(cloud.vpc.model.liveSessions()).toHaveLength(ENTRIES);
  });
});
