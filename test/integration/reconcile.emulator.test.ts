/** reconcile() against the emulator and the fnf API: creates paced under the API's flow control, batches. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import { createVpcClient } from '../../functions/lib/cloud/vpcClient.js';
import { createWorkflowClient } from '../../functions/lib/cloud/workflowClient.js';
import { parseDesiredState } from '../../functions/lib/contract/desiredStateText.js';
import { foldInvocation, type RunPosition } from '../../functions/lib/contract/reconcileProgress.js';
import {
  EXPIRY_TAG_KEY,
  ORIGIN_TAG_KEY,
  OWNERSHIP_TAG_KEY,
  TOKEN_TAG_KEY,
} from '../../functions/lib/contract/sessionTags.js';
import { loadConfig } from '../../functions/lib/runtime/config.js';
import type { Runtime } from '../../functions/lib/runtime/runtime.js';
import { sweepExpired } from '../../functions/lib/steps/expiry.js';
import { pacedCalls } from '../../functions/lib/steps/pacing.js';
import { priorityCandidates, priorityKey } from '../../functions/lib/steps/priority.js';
import { reconcile } from '../../functions/lib/steps/reconcile.js';
import { missedExecutionName } from '../../functions/lib/steps/reconcileRecovery.js';
import { ManualClock } from '../../infra/local/clock.js';
import { LOCAL_STS } from '../../infra/local/credentials.js';
import { type FnfApi, startFnfApi } from '../../infra/local/fnf/api.js';
import { loadFlowsDir } from '../../infra/local/fnf/flows.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { parseInventory } from '../../infra/local/vpc/inventory.js';
import { noIntegrations } from '../helpers/flows.js';

const COUNT = 12;
const REGION = 'cn-hangzhou';
let emu: VpcEmulator;
let fnf: FnfApi;
let runtime: Runtime;
// Moves only when the test (or reconcile's pacing, through the sleep hook) moves it.
let clock: ManualClock;

interface Stack {
  emu: VpcEmulator;
  fnf: FnfApi;
  runtime: Runtime;
  clock: ManualClock;
}

/** The emulator (COUNT source ENIs, an SLB target) and the fnf API on a clock that moves only when told. */
async function startStack(): Promise<Stack> {
  const clock = new ManualClock();
  const emu = await startVpcEmulator({
    clock,
    inventory: parseInventory({
      regions: { [REGION]: {} },
      instances: [{ id: 'i-1', regionId: REGION }],
      networkInterfaces: Array.from({ length: COUNT }, (_, i) => ({
        id: `eni-r${i}`,
        regionId: REGION,
        instanceId: 'i-1',
      })),
      loadBalancers: [{ id: 'lb-r', regionId: REGION, vpcId: 'vpc-1' }],
      filters: [{ id: 'tmf-r', regionId: REGION }],
      lifecycle: { tokenProcessingMs: 0 },
    }),
  });
  const fnf = await startFnfApi({ clock, flows: loadFlowsDir('workflows'), integrations: noIntegrations });
  const credentials = LOCAL_STS;
  const config = { ...loadConfig({}), reconcileCreatesPerSecond: 4, reconcileBatchSize: 5 };
  const runtime: Runtime = {
    config,
    credentials,
    region: REGION,
    accountId: '1234567890123456',
    now: () => clock.now(),
    sleep: async () => {},
    vpcFor: (regionId) => createVpcClient({ regionId, credentials, endpoint: emu.url }),
    workflow: createWorkflowClient({ regionId: REGION, credentials, endpoint: fnf.url }),
  };
  return { emu, fnf, runtime, clock };
}

/**
 * A stack of its own for the describe block this is called in: started before its tests, closed after. The
 * object is the same throughout; its fields are set once the stack has started.
 */
function ownStack(): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    Object.assign(stack, await startStack());
  });
  afterAll(async () => {
    await stack.emu.close();
    await stack.fnf.close();
  });
  return stack;
}

/** Each live session's id, and the executions whose job holds it (the flow answers each item once). */
function answeredBy(stack: Stack) {
  const by = new Map<string, string[]>();
  for (const e of stack.fnf.executions.values())
    for (const item of (e.input.job as { items: { sessionId: string | null }[] }).items)
      if (item.sessionId) by.set(item.sessionId, [...(by.get(item.sessionId) ?? []), e.name]);
  return stack.emu.model.liveSessions().map((s) => [s.id, by.get(s.id) ?? []] as const);
}

beforeAll(async () => {
  ({ emu, fnf, runtime, clock } = await startStack());
});
afterAll(async () => {
  await emu.close();
  await fnf.close();
});

const desired = parseDesiredState(
  JSON.stringify({
    version: 1,
    sessions: Array.from({ length: COUNT }, (_, i) => ({
      name: `entry-${String(i).padStart(2, '0')}`,
      request: {
        RegionId: REGION,
        TrafficMirrorSourceIds: [`eni-r${i}`],
        TrafficMirrorTargetId: 'lb-r',
        TrafficMirrorTargetType: 'SLB',
        TrafficMirrorFilterId: 'tmf-r',
      },
    })),
  }),
);

describe('reconcile()', () => {
  it('paces creates at MIRRORFLOW_RECONCILE_CREATES_PER_SECOND and hands them off in batches of the batch size', async () => {
    // Other sessions already hold the very priorities the entries' own walks would try first: the listing
    // shows them taken, so not one Create is wasted on a collision.
    const vpc = runtime.vpcFor(REGION);
    for (const [i, entry] of desired.sessions.entries()) {
      await vpc.createTrafficMirrorSession({
        RegionId: REGION,
        TrafficMirrorSourceIds: [`eni-r${i}`, `eni-r${(i + 1) % COUNT}`],
        TrafficMirrorTargetId: 'lb-r',
        TrafficMirrorTargetType: 'SLB',
        TrafficMirrorFilterId: 'tmf-r',
        Priority: priorityCandidates(
          priorityKey(entry.request as Parameters<typeof priorityKey>[0]),
          runtime.config.priorityRange,
          1,
        )[0]!,
        ClientToken: `seed-${i}`,
      });
    }
    const callsBefore = emu.calls.length;
    const sleeps: number[] = [];
    const executionsAtCreate: number[] = [];
    // Each Create takes 100 ms of the cloud's time: the pacing absorbs it rather than adding to it.
    const slowCreates: Runtime = {
      ...runtime,
      vpcFor: (regionId) => {
        const inner = runtime.vpcFor(regionId);
        return {
          ...inner,
          listTrafficMirrorSessions: (f) => inner.listTrafficMirrorSessions(f),
          deleteTrafficMirrorSession: (p) => inner.deleteTrafficMirrorSession(p),
          changeTrafficMirrorSession: (a, p) => inner.changeTrafficMirrorSession(a, p),
          createTrafficMirrorSession: async (params) => {
            executionsAtCreate.push(fnf.executions.size);
            clock.advance(100);
            return inner.createTrafficMirrorSession(params);
          },
        };
      },
    };
    const report = await reconcile(
      { triggerTime: '2026-11-22T03:00:00Z', mode: 'apply', desired },
      slowCreates,
      {
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.advance(ms);
        },
      },
    );
    expect(report.counts).toMatchObject({ desired: COUNT, created: COUNT });
    // 4 per second on the cloud's clock: each create is due 250 ms after the one before, 100 of which the
    // create before it took.
    expect(sleeps).toEqual(Array(COUNT - 1).fill(150));
    expect(report.handOffs.map((h) => h.sessions)).toEqual([5, 5, 2]);
    // Each batch is handed to the flow as soon as its last entry exists, while the rest are still created.
    expect(executionsAtCreate).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    expect(new Set(report.handOffs.map((h) => h.executionName)).size).toBe(3);
    expect(fnf.executions.size).toBe(3);
    expect(emu.model.liveSessions()).toHaveLength(2 * COUNT);
    const creates = emu.calls.slice(callsBefore).filter((c) => c.action === 'CreateTrafficMirrorSession');
    expect(creates.map((c) => c.code)).toEqual(Array(COUNT).fill('OK'));
  });

  it('the same firing again creates nothing, and its hand-offs find the first firing’s executions', async () => {
    const report = await reconcile({ triggerTime: '2026-11-22T03:00:00Z', mode: 'apply', desired }, runtime);
    // The firing's own sessions are what it created, whichever attempt made them.
    expect(report.counts).toMatchObject({ created: COUNT, updated: 0, unchanged: 0 });
    // Had the first firing died before its hand-offs, these would start them: each session once either way.
    // The first firing's executions have ended (this stack's flow has no integrations, so its first look
    // fails at once): each hand-off finds its execution by name and starts nothing.
    expect(report.handOffs.map((h) => [h.sessions, h.handOff])).toEqual([
      [5, 'finished'],
      [5, 'finished'],
      [2, 'finished'],
    ]);
    expect(fnf.executions.size).toBe(3);
    expect(emu.model.liveSessions()).toHaveLength(2 * COUNT);
  });

  it('a later run does not hand the sessions of an earlier one off again', async () => {
    const report = await reconcile({ triggerTime: '2026-11-22T03:15:00Z', mode: 'apply', desired }, runtime);
    expect(report.counts).toMatchObject({ created: 0, unchanged: COUNT });
    expect(report.handOffs).toEqual([]);
  });
});

describe('a reconcile run that dies between its creates and its hand-off', () => {
  const stack = ownStack();

  it('is answered: by its own retry at once, by a later run once it is certainly over; never twice', async () => {
    const { runtime: rt, clock: ck } = stack;
    // The function dies at its first hand-off, after the first chunk of 5 is created.
    const dying: Runtime = {
      ...rt,
      workflow: {
        ...rt.workflow,
        startExecution: async () => {
          throw new Error('the instance died');
        },
      },
    };
    const firing = { triggerTime: '2026-11-22T04:00:00Z', mode: 'apply' as const, desired };
    await expect(reconcile(firing, dying)).rejects.toThrow('the instance died');
    expect(stack.emu.model.liveSessions()).toHaveLength(5);
    expect(stack.fnf.executions.size).toBe(0);

    // A later run while the dead one might still be alive (inside the grace) leaves them alone...
    ck.advance(60_000);
    const early = await reconcile({ ...firing, triggerTime: '2026-11-22T04:01:00Z' }, dying).catch(
      (e: Error) => e,
    );
    expect(early).toBeInstanceOf(Error); // it dies too, at its own first hand-off: nothing started
    expect(stack.fnf.executions.size).toBe(0);
    expect(stack.emu.model.liveSessions()).toHaveLength(10);

    // ...FC's retry of the first firing hands its own 5 off with their chunk, and creates and hands off the rest.
    const retry = await reconcile(firing, rt);
    expect(retry.handOffs.map((h) => [h.sessions, h.handOff])).toEqual([
      [5, 'started'],
      [2, 'started'],
    ]);
    // Created by this firing: the 5 of its dead attempt and the 2 it made now; the dead later run's 5 are unchanged.
    expect(retry.counts).toMatchObject({ created: 7, unchanged: 5 });
    // The 5 the second (dead) run created wait for the grace: not answered yet, not answered twice.
    expect(answeredBy(stack).filter(([, by]) => by.length === 0)).toHaveLength(5);

    ck.advance(1_800_000);
    const later = await reconcile({ ...firing, triggerTime: '2026-11-22T05:00:00Z' }, rt);
    expect(later.handOffs).toEqual([
      expect.objectContaining({ sessions: 5, handOff: 'recovered (started)' }),
    ]);
    const answers = answeredBy(stack);
    expect(answers).toHaveLength(COUNT);
    for (const [id, by] of answers) expect(by, id).toHaveLength(1);

    // And once answered, no run hands any of them off again.
    ck.advance(1_800_000);
    const after = await reconcile({ ...firing, triggerTime: '2026-11-22T06:00:00Z' }, rt);
    expect(after.handOffs).toEqual([]);
  });
});

describe('a session whose Create answer its run never got', () => {
  const stack = ownStack();

  it('is answered by a later run, in an execution of its own, once: its chunk went to the flow without it', async () => {
    const { runtime: rt, clock: ck } = stack;
    // entry-03's Create runs in the cloud every time, and every answer is lost: the run leaves it for later.
    const losing: Runtime = {
      ...rt,
      // The retries wait on the virtual clock.
      retryHooks: { sleep: async (ms) => ck.advance(ms) },
      vpcFor: (regionId) => {
        const vpc = rt.vpcFor(regionId);
        return {
          ...vpc,
          createTrafficMirrorSession: async (params) => {
            const created = await vpc.createTrafficMirrorSession(params);
            if (!params.TrafficMirrorSourceIds.includes('eni-r3')) return created;
            throw new CloudApiError({
              code: 'InternalError',
              message: 'the answer was lost',
              action: 'CreateTrafficMirrorSession',
              httpStatus: 500,
            });
          },
        };
      },
    };
    const firing = { triggerTime: '2026-11-23T04:00:00Z', mode: 'apply' as const, desired };
    const first = await reconcile(firing, losing);
    expect(first.counts).toMatchObject({ created: COUNT - 1, retryLater: 1 });
    expect(stack.emu.model.liveSessions()).toHaveLength(COUNT);
    const lost = stack.emu.model.liveSessions().find((s) => s.sourceIds.includes('eni-r3'))!;
    expect(
      answeredBy(stack)
        .filter(([, by]) => by.length === 0)
        .map(([id]) => id),
    ).toEqual([lost.id]);
    // Its chunk's execution exists (it holds the chunk's other 4 sessions), and the lost one names it.
    const chunkExecution = first.handOffs[0]!.executionName;
    expect(lost.tags.find((t) => t.Key === ORIGIN_TAG_KEY)?.Value).toContain(chunkExecution);

    // A later run finds it unchanged (no second session) and, once that run is certainly over, answers it.
    ck.advance(60_000);
    const early = await reconcile({ ...firing, triggerTime: '2026-11-23T04:01:00Z' }, rt);
    expect(early.counts).toMatchObject({ created: 0, unchanged: COUNT });
    expect(early.handOffs).toEqual([]);
    ck.advance(1_800_000);
    const later = await reconcile({ ...firing, triggerTime: '2026-11-23T05:00:00Z' }, rt);
    const token = lost.tags.find((t) => t.Key === TOKEN_TAG_KEY)!.Value;
    expect(later.handOffs).toEqual([
      {
        executionName: missedExecutionName(chunkExecution, token),
        sessions: 1,
        handOff: 'recovered (started)',
      },
    ]);
    for (const [id, by] of answeredBy(stack)) expect(by, id).toHaveLength(1);

    // Two later runs (or one run twice) do not answer it again.
    ck.advance(1_800_000);
    const after = await reconcile({ ...firing, triggerTime: '2026-11-23T06:00:00Z' }, rt);
    expect(after.handOffs).toEqual([]);
    for (const [id, by] of answeredBy(stack)) expect(by, id).toHaveLength(1);
  });
});

describe('two firings at once', () => {
  it('make one session per entry: the later Create meets the earlier session at the same priority', async () => {
    const stack = await startStack();
    try {
      const { runtime: rt } = stack;
      // Both list the empty region before either creates; their Creates then interleave.
      const [a, b] = await Promise.all([
        reconcile({ triggerTime: '2026-11-24T04:00:00Z', mode: 'apply', desired }, rt),
        reconcile({ triggerTime: '2026-11-24T04:01:00Z', mode: 'apply', desired }, rt),
      ]);
      const sessions = stack.emu.model.liveSessions();
      expect(sessions).toHaveLength(COUNT);
      expect(new Set(sessions.map((s) => s.sourceIds[0])).size).toBe(COUNT);
      // Each entry: made by one firing's Create; the other's, at the same priority, refused — and it answers
      // its entry with the session it found there (both runs list every entry with its session).
      const creates = stack.emu.calls.filter((c) => c.action === 'CreateTrafficMirrorSession');
      expect(creates.filter((c) => c.code === 'OK')).toHaveLength(COUNT);
      expect(creates.filter((c) => c.code === 'IllegalParam.Priority')).toHaveLength(COUNT);
      const byEntry = (r: typeof a) => new Map(r.lists.created.map((c) => [c.name, c.sessionId]));
      expect(byEntry(a)).toEqual(byEntry(b));
      expect(byEntry(a).size).toBe(COUNT);
    } finally {
      await stack.emu.close();
      await stack.fnf.close();
    }
  });
});

describe("an apply run's expiry sweep", () => {
  const stack = ownStack();

  it('paces its deletes on the cloud clock and stops at its share; the next run withdraws the rest', async () => {
    const { runtime: rt, clock: ck } = stack;
    const vpc = rt.vpcFor(REGION);
    const past = new Date(ck.now() - 60_000).toISOString();
    for (let i = 0; i < 5; i++)
      await vpc.createTrafficMirrorSession({
        RegionId: REGION,
        TrafficMirrorSourceIds: [`eni-r${i}`],
        TrafficMirrorTargetId: 'lb-r',
        TrafficMirrorTargetType: 'SLB',
        TrafficMirrorFilterId: 'tmf-r',
        Priority: i + 1,
        Tag: [
          { Key: OWNERSHIP_TAG_KEY, Value: rt.config.owner },
          { Key: EXPIRY_TAG_KEY, Value: `at:${past}` },
        ],
      });
    ck.advance(120_000);
    const deletes = () =>
      stack.emu.calls
        .filter((c) => c.action === 'DeleteTrafficMirrorSession' && c.code === 'OK')
        .map((c) => Date.parse(c.virtualTime));
    // 2 deletes a second, at most 3 this run; waits move the virtual clock.
    const pace = pacedCalls(
      2,
      () => ck.now(),
      async (ms) => ck.advance(ms),
    );
    const logged: string[] = [];
    const run = () => ({ mode: 'apply' as const, triggerTime: new Date(ck.now()).toISOString() });
    const first = await sweepExpired([REGION], run(), rt, (m) => logged.push(m), {
      pace,
      maxDeletes: 3,
      timeIsUp: () => false,
    });
    expect(first.map((e) => e.outcome)).toEqual(['Deleting', 'Deleting', 'Deleting']);
    expect(logged).toContain(
      'expiry sweep stopped at its share of deletes or time; the rest expire at the next run',
    );
    const times = deletes();
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(500);

    // The next run has time for one delete only; the three already Deleting are not counted again.
    ck.advance(60_000);
    const limits = { pace, maxDeletes: 3, timeIsUp: () => deletes().length >= 4 };
    const second = await sweepExpired([REGION], run(), rt, () => {}, limits);
    expect(second).toHaveLength(1);
    // And the one after it, the last.
    ck.advance(60_000);
    const third = await sweepExpired([REGION], run(), rt, () => {}, { ...limits, timeIsUp: () => false });
    expect(third).toHaveLength(1);
    expect(deletes()).toHaveLength(5);
    const ids = [...first, ...second, ...third].map((e) => e.sessionId);
    expect(new Set(ids).size).toBe(5);
  });
});

describe('a reconcile run across invocations', () => {
  it('takes up entries and the prune walk where the last invocation stopped: each session pruned once, every count whole', async () => {
    const stack = await startStack();
    try {
      const rt = stack.runtime;
      const firstRun = { triggerTime: '2026-11-29T07:00:00Z', mode: 'apply' as const, desired };
      // Entries, one chunk (5) per invocation when time is always up: 12 entries take three invocations.
      const listings = () =>
        stack.emu.calls.filter(
          (c) =>
            c.action === 'ListTrafficMirrorSessions' &&
            !c.paramNames?.some((n) => n.startsWith('TrafficMirrorSessionIds')),
        ).length;
      let progress = foldInvocation(undefined, await reconcile({ ...firstRun, timeIsUp: () => true }, rt));
      expect(progress.plan).toBeDefined();
      while (!progress.done)
        progress = foldInvocation(
          progress,
          await reconcile(
            {
              ...firstRun,
              from: progress.position,
              ...(progress.plan ? { carried: progress.plan } : {}),
              timeIsUp: () => true,
            },
            rt,
          ),
        );
      // The first invocation lists; the next two apply from what it found; the last lists for the prune walk.
      expect(progress).toMatchObject({ invocations: 4, counts: { created: COUNT, unchanged: 0 } });
      expect(listings()).toBe(2);
      expect(stack.emu.model.liveSessions()).toHaveLength(COUNT);

      // Ten entries leave the desired state (once their sessions are Created): each invocation prunes one,
      // in session id order.
      stack.clock.advance(600_000);
      const kept = { ...desired, sessions: desired.sessions.slice(0, 2) };
      const pruneRun = { triggerTime: '2026-11-29T07:15:00Z', mode: 'apply' as const, desired: kept };
      const deleting = () =>
        stack.emu.model
          .liveSessions()
          .filter((x) => stack.emu.model.statusOf(x) === 'Deleting')
          .map((x) => x.id);
      const order: string[] = [];
      const step = async (from?: RunPosition) => {
        const before = new Set(deleting());
        const report = await reconcile({ ...pruneRun, ...(from ? { from } : {}), timeIsUp: () => true }, rt);
        order.push(...deleting().filter((id) => !before.has(id)));
        return report;
      };
      let pruning = foldInvocation(undefined, await step());
      expect(pruning.position).toEqual({ cursor: 2, pruneAfter: '' });
      while (!pruning.done) pruning = foldInvocation(pruning, await step(pruning.position));
      expect(pruning.invocations).toBe(COUNT - 2 + 1);
      expect(pruning.counts).toMatchObject({ desired: 2, unchanged: 2, deleted: COUNT - 2, orphaned: 0 });
      expect(order).toHaveLength(COUNT - 2);
      expect(order).toEqual([...order].sort());
      expect(stack.emu.calls.filter((c) => c.action === 'DeleteTrafficMirrorSession')).toHaveLength(
        COUNT - 2,
      );
    } finally {
      await stack.emu.close();
      await stack.fnf.close();
    }
  });
});
