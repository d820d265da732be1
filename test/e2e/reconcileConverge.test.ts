/**
 * Reconcile converges, end to end on the local cloud: drift of its own sessions is repaired in place (same
 * session id), entries removed from the desired state are pruned (one Deleted event), sessions from requests
 * are never touched, a failing or invalid entry gets one Failed event per change of its error (not one per
 * run), and every run ends in exactly one `mirrorflow:Reconcile:Completed` event, fired twice or not.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.js';
import type { StoredEvent } from '../../infra/local/eventbridge/bus.js';
import {
  completionEvents,
  putRequestEvent,
  reconcileEvents,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest, faultRule } from '../helpers/requests.js';

// JSON, as the build ships it (infra/build/desiredStateFile.ts); other end-to-end tests read YAML.
const desiredFile = join(mkdtempSync(join(tmpdir(), 'mf-desired-')), 'desired-state.json');
const entry = (name: string, source: string, extra: Record<string, unknown> = {}) => ({
  name,
  request: {
    RegionId: 'cn-hangzhou',
    TrafficMirrorSourceIds: [source],
    TrafficMirrorTargetId: 'eni-bp1ids01',
    TrafficMirrorTargetType: 'NetworkInterface',
    TrafficMirrorFilterId: 'tmf-bp1all01',
    TrafficMirrorSessionName: name,
    ...extra,
  },
});
const writeDesired = (sessions: unknown[]) =>
  writeFileSync(desiredFile, JSON.stringify({ version: 1, sessions }));

let cloud: LocalCloud;
beforeAll(async () => {
  writeDesired([
    entry('keep', 'eni-bp1web02'),
    entry('retire', 'eni-bp1web03'),
    entry('broken', 'eni-bp1nope99'),
    entry('typo', 'eni-bp1app01', { Priority: 0 }),
  ]);
  cloud = await startTestCloud({ desiredState: desiredFile });
}, 120_000);
afterAll(() => cloud?.close());

const reconcileCompletion = (entryName: string) =>
  completionEvents(cloud).filter(
    (e) => (e.data as { correlation?: Record<string, string> }).correlation?.reconcileEntry === entryName,
  );
const liveFrom = (source: string) =>
  cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes(source));
const runEvent = (triggerTime: string): StoredEvent[] =>
  reconcileEvents(cloud).filter((e) => (e.data as { triggerTime: string }).triggerTime === triggerTime);
type Counts = Record<string, number>;

describe('reconcile converges', () => {
  let adHocToken: string;

  it('first run: creates, answers the failing and the invalid entry once each, and reports the run once', async () => {
    adHocToken = await putRequestEvent(cloud, {
      source: 'acs.test.tickets',
      id: 'adhoc-1',
      type: 'Submitted',
      data: demoRequest('eni-bp1web01'),
    });
    await waitForCompletion(cloud, adHocToken);
    const report = (await cloud.reconcile('2026-11-22T03:00:00Z')) as { counts: Counts };
    expect(report.counts).toMatchObject({ desired: 4, created: 2, failed: 1, invalid: 1, orphaned: 1 });
    await settle(cloud);
    expect(reconcileCompletion('keep').map((e) => e.type)).toEqual(['mirrorflow:TrafficMirrorSession:Ready']);
    expect(reconcileCompletion('retire').map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
    ]);
    expect(reconcileCompletion('broken')).toMatchObject([
      {
        type: 'mirrorflow:TrafficMirrorSession:Failed',
        data: { error: { code: 'ResourceNotFound.NetworkInterface' } },
      },
    ]);
    expect(reconcileCompletion('typo')).toMatchObject([
      { type: 'mirrorflow:TrafficMirrorSession:Failed', data: { error: { code: 'Mirror.InvalidRequest' } } },
    ]);
    const [completed] = runEvent('2026-11-22T03:00:00Z');
    expect(runEvent('2026-11-22T03:00:00Z')).toHaveLength(1);
    expect(completed!.data).toMatchObject({
      mode: 'apply',
      counts: { created: 2, failed: 1, invalid: 1 },
      failed: [{ name: 'broken', announced: 'now' }],
      invalid: [{ name: 'typo', announced: 'now' }],
    });
  });

  it('second run: repairs drift in place, prunes the removed entry, leaves the request’s session alone', async () => {
    const [keep] = liveFrom('eni-bp1web02');
    // Someone renames reconcile's session and moves it to another ENI by hand; the entry now also pauses it.
    cloud.vpc.model.changeByHand(keep!.id, (x) => {
      x.name = 'renamed-by-hand';
      x.sourceIds = ['eni-bp1db02'];
    });
    writeDesired([
      entry('keep', 'eni-bp1web02', { Enabled: false }),
      entry('broken', 'eni-bp1nope99'),
      entry('typo', 'eni-bp1app01', { Priority: 0 }),
    ]);
    const report = (await cloud.reconcile('2026-11-22T03:15:00Z')) as { counts: Counts };
    expect(report.counts).toMatchObject({ updated: 1, deleted: 1, failed: 1, invalid: 1, orphaned: 1 });
    await settle(cloud);
    const repaired = cloud.vpc.model.liveSessions().find((s) => s.id === keep!.id);
    expect(repaired).toMatchObject({ name: 'keep', sourceIds: ['eni-bp1web02'], enabled: false });
    expect(reconcileCompletion('keep').map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
      'mirrorflow:TrafficMirrorSession:Updated',
    ]);
    expect(liveFrom('eni-bp1web03')).toEqual([]);
    expect(reconcileCompletion('retire').map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
      'mirrorflow:TrafficMirrorSession:Deleted',
    ]);
    // The same failure and the same invalid entry are not answered again.
    expect(reconcileCompletion('broken')).toHaveLength(1);
    expect(reconcileCompletion('typo')).toHaveLength(1);
    expect(liveFrom('eni-bp1web01')).toHaveLength(1);
    expect(completionEvents(cloud, adHocToken)).toHaveLength(1);
    expect(runEvent('2026-11-22T03:15:00Z')).toMatchObject([
      {
        data: {
          updated: [{ name: 'keep', changed: expect.arrayContaining(['Enabled', 'TrafficMirrorSourceIds']) }],
          deleted: [{ reason: 'pruned', entry: 'retire' }],
          failed: [{ name: 'broken', announced: 'earlier' }],
        },
      },
    ]);
  });

  it('the same run fired again adds no session, no change and no event; a new error is answered once', async () => {
    const before = cloud.stack.bus.events.length;
    const again = (await cloud.reconcile('2026-11-22T03:15:00Z')) as { counts: Counts };
    expect(again.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 1 });
    await settle(cloud);
    expect(cloud.stack.bus.events.length).toBe(before);
    // The entry changes, so does its problem: one new Failed event for it.
    writeDesired([
      entry('keep', 'eni-bp1web02', { Enabled: false }),
      entry('broken', 'eni-bp1nope99'),
      entry('typo', 'eni-bp1app01', { Priority: 40000 }),
    ]);
    await cloud.reconcile('2026-11-22T03:30:00Z');
    await settle(cloud);
    expect(reconcileCompletion('typo')).toHaveLength(2);
    expect(reconcileCompletion('broken')).toHaveLength(1);
    expect(runEvent('2026-11-22T03:30:00Z')).toHaveLength(1);
  });

  it('a run that dies before its hand-off is healed by the same firing: one Ready event, not none', async () => {
    writeDesired([
      entry('keep', 'eni-bp1web02', { Enabled: false }),
      entry('broken', 'eni-bp1nope99'),
      entry('typo', 'eni-bp1app01', { Priority: 40000 }),
      entry('late', 'eni-bp1app02'),
    ]);
    cloud.fnf.faults.set({ rules: [faultRule({ action: 'StartExecution', serverErrorRate: 1 })] });
    await expect(cloud.reconcile('2026-11-22T03:40:00Z')).rejects.toThrow(/reconcile failed/);
    cloud.fnf.faults.set({ rules: [] });
    expect(liveFrom('eni-bp1app02')).toHaveLength(1);
    expect(reconcileCompletion('late')).toEqual([]);
    // The timer's retry: the same scheduled time, so the same tokens and names.
    const again = (await cloud.reconcile('2026-11-22T03:40:00Z')) as { counts: Counts };
    // The firing created `late` (its first attempt did), so its report says so; `keep` is unchanged.
    expect(again.counts).toMatchObject({ created: 1, unchanged: 1 });
    await settle(cloud);
    expect(reconcileCompletion('late').map((e) => e.type)).toEqual(['mirrorflow:TrafficMirrorSession:Ready']);
    expect(liveFrom('eni-bp1app02')).toHaveLength(1);
  });

  it('a prune refused while the session is busy waits for the next run; a refused update is answered once; neither stops the run', async () => {
    writeDesired([
      entry('keep', 'eni-bp1web02', { Enabled: false, TrafficMirrorFilterId: 'tmf-nope404' }),
      entry('broken', 'eni-bp1nope99'),
      entry('typo', 'eni-bp1app01', { Priority: 40000 }),
      entry('fresh', 'eni-bp1db01'),
    ]);
    const [late] = liveFrom('eni-bp1app02');
    late!.modifyingUntil = cloud.clock.now() + 3_600_000; // busy changing for an hour
    const busy = (await cloud.reconcile('2026-11-22T03:42:00Z')) as {
      counts: Counts;
      lists: { retryLater: string[] };
    };
    expect(busy.counts).toMatchObject({ created: 1, deleted: 0, failed: 2 });
    expect(busy.lists.retryLater).toEqual([late!.id]);
    await settle(cloud);
    expect(reconcileCompletion('fresh').map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
    ]);
    expect(reconcileCompletion('keep').at(-1)).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: { error: { code: expect.stringMatching(/Filter/) } },
    });
    expect(reconcileCompletion('late').map((e) => e.type)).toEqual(['mirrorflow:TrafficMirrorSession:Ready']);
    expect(runEvent('2026-11-22T03:42:00Z')).toHaveLength(1);
    // The session settles; the next run deletes it: one Deleted event, and the refused update is not repeated.
    late!.modifyingUntil = cloud.clock.now();
    const keepAnswers = reconcileCompletion('keep').length;
    const next = (await cloud.reconcile('2026-11-22T03:44:00Z')) as { counts: Counts };
    expect(next.counts).toMatchObject({ deleted: 1, failed: 2, retryLater: 0 });
    await settle(cloud);
    expect(reconcileCompletion('late').map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
      'mirrorflow:TrafficMirrorSession:Deleted',
    ]);
    expect(liveFrom('eni-bp1app02')).toEqual([]);
    expect(reconcileCompletion('keep')).toHaveLength(keepAnswers);
  });

  it('plan mode shows what would be deleted and changes nothing', async () => {
    writeDesired([entry('broken', 'eni-bp1nope99')]);
    const sessions = cloud.vpc.model.liveSessions().length;
    const plan = (await cloud.reconcile('2026-11-22T03:45:00Z', { mode: 'plan' })) as {
      counts: Counts;
      text: string;
    };
    expect(plan.counts).toMatchObject({ wouldDelete: 2, deleted: 0, orphaned: 1 });
    expect(plan.text).toMatch(/would delete \(entry keep is gone\)/);
    expect(plan.text).toMatch(/would delete \(entry fresh is gone\)/);
    await settle(cloud);
    expect(cloud.vpc.model.liveSessions()).toHaveLength(sessions);
    expect(runEvent('2026-11-22T03:45:00Z')).toMatchObject([
      { data: { mode: 'plan', counts: { wouldDelete: 2 } } },
    ]);
  });
});
