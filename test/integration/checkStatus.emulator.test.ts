/** check-status against the VPC emulator over HTTP, with the emulator's clock as the function's clock. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVpcClient, type VpcApi } from '../../functions/lib/cloud/vpcClient.js';
import { type Job, STATE_BYTES_LIMIT } from '../../functions/lib/contract/flowJob.js';
import { checkStatus } from '../../functions/lib/steps/checkStatus.js';
import { jobsFor } from '../../functions/lib/steps/reconcileApply.js';
import { VirtualClock } from '../../infra/local/clock.js';
import { LOCAL_STS } from '../../infra/local/credentials.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { createdJobInventory, jobOfCreatedSessions } from '../helpers/createdJob.js';
import { faultRule } from '../helpers/requests.js';

const COUNT = 150;
const REGION = 'cn-hangzhou';
const inventory = createdJobInventory({ regionId: REGION, sources: COUNT, createSeconds: 10 });

let emu: VpcEmulator;
let clock: VirtualClock;
let vpc: VpcApi;
let listCalls: () => number;

beforeAll(async () => {
  clock = new VirtualClock(1);
  emu = await startVpcEmulator({ clock, inventory });
  vpc = createVpcClient({ regionId: REGION, endpoint: emu.url, credentials: LOCAL_STS });
  listCalls = () => emu.calls.filter((c) => c.action === 'ListTrafficMirrorSessions').length;
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.model.reset(structuredClone(inventory));
  emu.faults.set({ rules: [] });
});

/** A job of `count` sessions created now, handed off at once (as intake does) unless `handedOffAfterMs`. */
const jobWith = async (
  count: number,
  deadlineSeconds = 600,
  o: { trigger?: 'event' | 'reconcile'; handedOffAfterMs?: number } = {},
): Promise<Job> => {
  const now = clock.now();
  const job = await jobOfCreatedSessions({
    emulatorUrl: emu.url,
    regionId: REGION,
    count,
    now: now + (o.handedOffAfterMs ?? 0),
    deadlineSeconds,
    trigger: o.trigger ?? 'event',
    correlated: true,
  });
  if (o.handedOffAfterMs) clock.advance(o.handedOffAfterMs);
  return job;
};

const deps = () => ({
  vpcFor: () => vpc,
  config: { pollFirstDelaySeconds: 5, pollMaxDelaySeconds: 30 },
  now: () => clock.now(),
  random: () => 0.5,
});

describe('check-status', () => {
  it('lists once per region per 100 sessions, waits while Creating, then emits every event exactly once', async () => {
    // Hand-offs are split to fit CloudFlow's state limit; check-status still batches List by 100 ids.
    let job = await jobWith(COUNT);
    const before = listCalls();
    job = await checkStatus(job, deps());
    // Sessions this request just created are certainly Creating: the first round waits instead of listing.
    expect(listCalls() - before).toBe(0);
    expect(job).toMatchObject({ phase: 'pending', attempt: 1 });
    // None can be Created before 5 s; one Created then is due within 0.15 × 5 + 2 s: a first look at 7 s.
    expect(job.nextDelaySeconds).toBe(7);
    // Still within the shortest creation time: no look yet.
    job = await checkStatus(job, deps());
    expect(listCalls() - before).toBe(0);
    clock.advance(job.nextDelaySeconds * 1000);
    job = await checkStatus(job, deps());
    expect(listCalls() - before).toBe(2); // 150 sessions: 100 + 50
    expect(job.phase).toBe('pending');
    clock.advance(11_000);
    const emitted: string[] = [];
    // This synthetic job is larger than any hand-off, so it leaves room for one event per round.
    for (let round = 0; round < 400 && job.phase !== 'ready'; round++) {
      job = await checkStatus(job, deps());
      if (job.phase === 'emit') emitted.push(...job.events.map((e) => e.id));
    }
    expect(job.phase).toBe('ready');
    expect(emitted).toHaveLength(COUNT);
    expect(new Set(emitted).size).toBe(COUNT);
    expect(listCalls() - before).toBe(4); // the emit rounds do not list again
    expect(job.items.every((i) => i.state === 'ready' && i.emitted && i.session?.status === 'Created')).toBe(
      true,
    );

    // A session that already existed (AlreadyExists) is looked at on the first round.
    emu.model.reset(structuredClone(inventory));
    const existing = await jobWith(1);
    existing.items[0]!.provisioning = 'AlreadyExists';
    const beforeExisting = listCalls();
    await checkStatus(existing, deps());
    expect(listCalls() - beforeExisting).toBe(1);
  });

  it('looks at a reconcile chunk’s sessions at once: created at the chunk’s pace, they may be Created already', async () => {
    // The chunk's sessions were created over the 12 s before its hand-off (10-s creations): all are Created.
    const chunk = await jobWith(3, 600, { trigger: 'reconcile', handedOffAfterMs: 12_000 });
    const before = listCalls();
    const job = await checkStatus(chunk, deps());
    expect(listCalls() - before).toBe(1);
    expect(job.phase).toBe('emit');
    expect(job.events.map((e) => e.data.reason)).toEqual(['Created', 'Created', 'Created']);
    // The same sessions handed off by the trigger that just created them would be waited for instead.
    emu.model.reset(structuredClone(inventory));
    const fresh = await checkStatus(await jobWith(3), deps());
    expect(listCalls() - before).toBe(1);
    expect(fresh.phase).toBe('pending');
  });

  it('looks at once at a session an earlier delivery created: the redelivery found it, older than the job', async () => {
    // The session was created 12 s before this delivery handed it off; the delivery found it by its token.
    const redelivered = await jobWith(1, 600, { handedOffAfterMs: 12_000 });
    redelivered.items[0]!.createdEarlier = true;
    const asIfFresh = structuredClone(redelivered);
    delete asIfFresh.items[0]!.createdEarlier;
    const before = listCalls();
    const job = await checkStatus(redelivered, deps());
    expect(listCalls() - before).toBe(1);
    expect(job.phase).toBe('emit');
    expect(job.events.map((e) => e.data.reason)).toEqual(['Created']);
    // Taken for one this delivery created, the same session would be waited out first.
    const waited = await checkStatus(asIfFresh, deps());
    expect(listCalls() - before).toBe(1);
    expect(waited.phase).toBe('pending');
  });

  it('looks again within the bound after a modify’s first look: it may settle at once, no creation to wait out', async () => {
    const job = await jobWith(1);
    job.items[0]!.operation = 'modify';
    job.items[0]!.provisioning = 'Modifying';
    job.items[0]!.request = { ...job.items[0]!.request!, changes: { Enabled: false } } as never;
    const before = listCalls();
    const looked = await checkStatus(job, deps());
    expect(listCalls() - before).toBe(1);
    expect(looked.phase).toBe('pending');
    // Whole seconds, one of them for rounding: 0.15 × 0 + 2 s at most, not the fresh create's 7 s.
    expect(looked.nextDelaySeconds).toBeLessThanOrEqual(2);
  });

  it('puts a settled request’s event at once while others of its job are still pending, then waits', async () => {
    emu.model.reset(structuredClone(inventory));
    let job = await jobWith(2);
    // The second request was refused by the cloud: it is settled (Failed) from the start.
    job.items[1]!.failure = {
      code: 'OperationDenied.Example',
      message: 'refused',
      hint: 'none',
      retryable: false,
    };
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('emit');
    expect(job.events.map((e) => e.type)).toEqual(['mirrorflow:TrafficMirrorSession:Failed']);
    expect(job.items.map((i) => i.emitted)).toEqual([false, true]);

    clock.advance(job.nextDelaySeconds * 1000);
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('pending');
    expect(job.events).toEqual([]);

    clock.advance(60_000);
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('emit');
    expect(job.events.map((e) => e.type)).toEqual(['mirrorflow:TrafficMirrorSession:Ready']);
    expect(job.items.every((i) => i.emitted)).toBe(true);
    // These were the job's last events: once they are put, the next round ends the job — failed, as one
    // request was refused — without another look.
    const lists = listCalls();
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('failed');
    expect(listCalls()).toBe(lists);
  });

  it('keeps every state of a hand-off-sized job under the 64 KiB limit, emission included', async () => {
    const all = await jobWith(COUNT, 600, { trigger: 'reconcile' });
    const jobs = jobsFor(
      all.items,
      () => 'exec-split',
      (executionName, items) => ({ ...all, executionName, items }),
    );
    expect(jobs.length).toBeGreaterThan(1);
    clock.advance(11_000);
    for (let job of jobs) {
      for (let round = 0; round < 50 && job.phase !== 'ready'; round++) {
        job = await checkStatus(job, deps());
        expect(Buffer.byteLength(JSON.stringify({ job }))).toBeLessThan(STATE_BYTES_LIMIT);
      }
      expect(job.phase).toBe('ready');
    }
  });

  it('is safe to run twice: the same job at the same moment gives the same next job', async () => {
    const job = await jobWith(3);
    clock.advance(11_000);
    const frozen = clock.now();
    const a = await checkStatus(job, { ...deps(), now: () => frozen });
    const b = await checkStatus(job, { ...deps(), now: () => frozen });
    expect(b).toEqual(a);
  });

  it('reports a session still Creating at the deadline as a timeout', async () => {
    emu.faults.set({
      rules: [faultRule({ action: 'CreateTrafficMirrorSession', stuckInCreatingRate: 1 })],
    });
    let job = await jobWith(1, 60);
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('pending');
    expect(job.nextDelaySeconds).toBeLessThanOrEqual(60);
    clock.advance(61_000);
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('emit');
    expect(job.events[0]).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: { reason: 'Mirror.Timeout' },
    });
    // Marked as it is handed to the flow to put: a Catch path after this never answers it a second time.
    expect(job.items[0]!.emitted).toBe(true);
    job = await checkStatus(job, deps());
    expect(job.phase).toBe('timeout');
  });

  it('looks before answering a timeout, even on a first round that starts after the deadline', async () => {
    // A flow whose first round ran late (a backlog) must not call a session that is Created a timeout.
    const job = await jobWith(1, 60);
    clock.advance(61_000);
    const before = listCalls();
    const next = await checkStatus(job, deps());
    expect(listCalls() - before).toBe(1);
    expect(next.phase).toBe('emit');
    expect(next.events[0]).toMatchObject({ type: 'mirrorflow:TrafficMirrorSession:Ready' });
  });

  it('keeps looking, with a longer delay, when List is throttled', async () => {
    const job = await jobWith(1);
    // Past the first wait, still Creating (10-s creations): the same look, answered and then throttled.
    clock.advance(6_000);
    const calm = await checkStatus(job, deps());
    expect(calm.phase).toBe('pending');
    emu.faults.set({
      rules: [faultRule({ action: 'ListTrafficMirrorSessions', throttleRate: 1 })],
    });
    const throttled = await checkStatus(job, { ...deps(), retryHooks: { sleep: async () => {} } });
    expect(throttled.phase).toBe('pending');
    expect(throttled.items[0]!.state).toBe('pending');
    expect(throttled.nextDelaySeconds).toBeGreaterThan(calm.nextDelaySeconds);
  });
});
