/**
 * check-status's rounds with shared looks, against the VPC emulator over HTTP, on a simulated clock (virtual
 * time jumps to the next sleep once everything waits): jobs that look at the same ticks share each List call,
 * and one invocation keeps looking while the next tick is near.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVpcClient, type VpcApi } from '../../functions/lib/cloud/vpcClient.js';
import type { Job } from '../../functions/lib/contract/flowJob.js';
import {
  type CheckStatusDeps,
  checkStatus,
  checkStatusRounds,
  LOOKS_WITHIN_MS,
} from '../../functions/lib/steps/checkStatus.js';
import { LookRoster } from '../../functions/lib/steps/lookRoster.js';
import {
  EMIT_ALLOWANCE_SECONDS,
  gridSeconds,
  LAG_SHARE,
  lookIntervalSeconds,
  nextLookAt,
} from '../../functions/lib/steps/pollSchedule.js';
import { SHARED_LOOK_WINDOW_MS, SharedLookups } from '../../functions/lib/steps/sharedLookups.js';
import { SimulatedClock } from '../../infra/local/clock.js';
import { LOCAL_STS } from '../../infra/local/credentials.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { createdJobInventory, jobOfCreatedSessions } from '../helpers/createdJob.js';

const REGION = 'cn-hangzhou';
const SOURCES = 8;
const inventory = (createSeconds: number) =>
  createdJobInventory({ regionId: REGION, sources: SOURCES, createSeconds });

let emu: VpcEmulator;
let clock: SimulatedClock;
let vpc: VpcApi;
const lists = () => emu.calls.filter((c) => c.action === 'ListTrafficMirrorSessions');

beforeAll(async () => {
  clock = new SimulatedClock(Date.parse('2026-11-30T12:00:00.300Z'));
  emu = await startVpcEmulator({ clock, inventory: inventory(12) });
  vpc = createVpcClient({ regionId: REGION, endpoint: emu.url, credentials: LOCAL_STS });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.model.reset(inventory(12));
  emu.calls.length = 0;
});

/** A job of the sessions created now for sources `from`…`from + count - 1`. */
const jobOf = (from: number, count: number, executionName: string, deadlineSeconds = 900) =>
  jobOfCreatedSessions({
    emulatorUrl: emu.url,
    regionId: REGION,
    from,
    count,
    now: clock.now(),
    executionName,
    deadlineSeconds,
  });

/**
 * One instance's dependencies: its clock, and one set of shared look-ups for all its invocations (and, when
 * given, the roster of the flows it expects).
 */
function instance(
  roster?: LookRoster,
): CheckStatusDeps & { shared: SharedLookups; listed: { at: number; ids: number }[] } {
  const shared = new SharedLookups();
  const listed: { at: number; ids: number }[] = [];
  const sleep = (ms: number) => clock.sleep(ms);
  return {
    shared,
    listed,
    vpcFor: () => vpc,
    config: { pollFirstDelaySeconds: 5, pollMaxDelaySeconds: 20 },
    now: () => clock.now(),
    sleep,
    ...(roster ? { roster } : {}),
    lookUp: (regionId, ids, { alone }) =>
      shared.lookUp(
        regionId,
        ids,
        async (region, chunk) => {
          listed.push({ at: clock.now(), ids: chunk.length });
          const page = await vpc.listTrafficMirrorSessions({
            RegionId: region,
            TrafficMirrorSessionIds: chunk,
            MaxResults: 100,
          });
          return page.TrafficMirrorSessions;
        },
        sleep,
        alone ? 0 : SHARED_LOOK_WINDOW_MS,
      ),
  };
}

describe('shared looks', () => {
  it('three flows looking at the same ticks share each List call, and each gets its own events', async () => {
    const jobs = [await jobOf(0, 2, 'a'), await jobOf(2, 2, 'b'), await jobOf(4, 3, 'c')];
    const deps = instance();
    const results = await Promise.all(jobs.map((job) => checkStatusRounds(job, deps)));

    for (const [i, result] of results.entries()) {
      expect(result.phase).toBe('emit');
      expect(result.events.map((e) => e.data.sessionId)).toEqual(jobs[i]!.items.map((it) => it.sessionId));
      expect(result.items.every((it) => it.state === 'ready')).toBe(true);
    }
    // Each job looked several times within its one invocation (12-s creations, looks from 6 s on)…
    const looks = results.map((r) => r.listCalls);
    expect(looks[0]).toBeGreaterThanOrEqual(3);
    expect(new Set(looks).size).toBe(1);
    // …and every look was one call for all seven sessions, at a tick of the grid of its moment (plus the
    // shared look's window).
    expect(lists()).toHaveLength(looks[0]!);
    expect(deps.listed.map((l) => l.ids)).toEqual(Array(looks[0]).fill(7));
    for (const { at } of deps.listed) {
      const tick = at - SHARED_LOOK_WINDOW_MS;
      const grid = gridSeconds(lookIntervalSeconds((tick - Date.parse(jobs[0]!.startedAt)) / 1000, 20));
      expect(tick % (grid * 1000)).toBe(0);
    }
  });

  it('a deadline before the shortest creation time: the look at the deadline answers, no spinning before it', async () => {
    const job = await jobOf(0, 1, 'short', 3);
    const result = await checkStatusRounds(job, instance());
    expect(result.phase).toBe('emit');
    expect(result.events.map((e) => e.data.reason)).toEqual(['Mirror.Timeout']);
    expect(result.attempt).toBeLessThanOrEqual(3);
    expect(clock.now()).toBeGreaterThanOrEqual(Date.parse(job.deadlineAt));
  });

  it('a round whose tick is still far off (the flow came straight back after putting events) looks at nothing', async () => {
    const job = await jobOf(0, 1, 'far');
    job.nextLookAt = new Date(clock.now() + 60_000).toISOString();
    const roster = new LookRoster();
    const result = await checkStatus(job, instance(roster));
    expect(result.phase).toBe('pending');
    expect(lists()).toHaveLength(0);
    expect(result.nextLookAt).toBe(job.nextLookAt);
    // This instance now expects it at that look (it may have been planned on another).
    expect(roster.alone('other', [REGION], clock.now() + 60_000)).toBe(false);
    // The Wait ends at the tick or at most a second before it (no time passed on this clock).
    expect(result.nextDelaySeconds).toBe(60);
  });

  it('a request the cloud already refused is answered at once, without waiting for a tick', async () => {
    // 0.6 s into a second: the 1-s grid of a look this early has a tick 0.4 s ahead, which it must not wait for.
    await clock.sleep((1_600 - (clock.now() % 1000)) % 1000);
    const job = await jobOf(0, 1, 'refused');
    job.items[0]!.provisioning = 'Rejected';
    job.items[0]!.failure = {
      code: 'OperationDenied.Example',
      message: 'refused',
      hint: 'none',
      retryable: false,
    };
    const at = clock.now();
    const result = await checkStatus(job, instance());
    expect(result.phase).toBe('emit');
    expect(result.events.map((e) => e.data.reason)).toEqual(['OperationDenied.Example']);
    expect(clock.now()).toBe(at);
    expect(lists()).toHaveLength(0);
  });

  it('a look further away than the invocation keeps looking for goes back to the flow, sent to arrive just before it', async () => {
    emu.model.reset(inventory(120));
    const job = await jobOf(0, 1, 'slow');
    const started = clock.now();
    const result = await checkStatusRounds(job, instance());
    expect(result.phase).toBe('pending');
    const lookAt = Date.parse(result.nextLookAt!);
    expect(lookAt - started).toBeGreaterThan(LOOKS_WITHIN_MS);
    expect(result.listCalls).toBeGreaterThanOrEqual(4);
    // The Wait ends at most a second before the tick; check-status sleeps the rest.
    const arrives = clock.now() + result.nextDelaySeconds * 1000;
    expect(lookAt - arrives).toBeGreaterThanOrEqual(0);
    expect(lookAt - arrives).toBeLessThan(1000);
  });
});

/** The flow's loop: check-status's invocations, each followed by the Wait it asks for, until it has events to put. */
async function untilEmit(job: Job, deps: CheckStatusDeps): Promise<Job> {
  let next = await checkStatusRounds(job, deps);
  while (next.phase === 'pending') {
    await clock.sleep(next.nextDelaySeconds * 1000);
    next = await checkStatusRounds(next, deps);
  }
  return next;
}

describe('a flow alone in its region', () => {
  it('looks as late as the bound allows, off the grid and without a window: Created after 60 s, seen at the 11th look', async () => {
    emu.model.reset(inventory(60));
    const deps = instance(new LookRoster());
    const job = await jobOf(0, 1, 'alone');
    const createdAt = clock.now();
    const result = await untilEmit(job, deps);
    expect(result.events.map((e) => e.data.reason)).toEqual(['Created']);

    // The looks it was due: each the latest the bound allows after the last (the first after 5 s).
    const started = Date.parse(job.startedAt);
    const due: number[] = [];
    for (let look = started; look < createdAt + 60_000; ) {
      look = nextLookAt({
        lastLookMs: look,
        startedAtMs: started,
        deadlineMs: Date.parse(job.deadlineAt),
        firstDelaySeconds: 5,
        maxDelaySeconds: 20,
        alone: true,
      });
      due.push(look);
    }
    expect(due).toHaveLength(11);
    // Each List call went out at that very moment: alone, it waited for no one to join.
    expect(deps.listed.map((l) => l.at)).toEqual(due);
    const lag = due.at(-1)! - (createdAt + 60_000);
    expect(lag).toBeLessThanOrEqual((LAG_SHARE * 60 + 2 - EMIT_ALLOWANCE_SECONDS) * 1000);
  });

  it('goes back to the grid once another flow of its region is expected, and the two then share their calls', async () => {
    emu.model.reset(inventory(40));
    const roster = new LookRoster();
    const deps = instance(roster);
    const first = await checkStatus(await jobOf(0, 1, 'first'), deps);
    expect(first.nextLookAlone).toBe(true);
    await clock.sleep(2_000);
    // The second flow finds the first on the roster: its looks keep to the grid from the start…
    const second = await checkStatus(await jobOf(1, 1, 'second'), deps);
    expect(second.nextLookAlone).toBeUndefined();
    const secondLook = Date.parse(second.nextLookAt!);
    expect(secondLook % (gridSeconds(lookIntervalSeconds(5, 20)) * 1000)).toBe(0);

    const results = await Promise.all([untilEmit(first, deps), untilEmit(second, deps)]);
    for (const result of results) expect(result.events.map((e) => e.data.reason)).toEqual(['Created']);
    // …the first's planned-alone look goes out as planned, without a window; after it the first has seen the
    // second, and every look until the first is answered is on the grid (a whole second, plus the window)…
    const firstLook = Date.parse(first.nextLookAt!);
    expect(deps.listed[0]).toEqual({ at: firstLook, ids: 1 });
    const firstAnswered = Date.parse(results[0].items[0]!.settledAt!);
    const together = deps.listed.filter(
      (l) => l.at > firstLook && l.at <= firstAnswered + SHARED_LOOK_WINDOW_MS,
    );
    for (const { at } of together) expect((at - SHARED_LOOK_WINDOW_MS) % 1000).toBe(0);
    // …and most of them are one call for both sessions.
    expect(together.filter((l) => l.ids === 2).length).toBeGreaterThanOrEqual(6);
    // Answered, both have left the roster: a third flow would be alone.
    expect(roster.alone('third', [REGION], clock.now())).toBe(true);
  });
});
