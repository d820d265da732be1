/**
 * Random sequences of create / list / delete (and time passing) against the emulator over HTTP, through
 * mirrorflow's VPC client, checking the invariants the cloud keeps:
 * - paging with any MaxResults returns every visible session exactly once;
 * - a ClientToken never yields two sessions, and a repeat with the same parameters gets the first answer
 *   again (a session or a failure), with other parameters IdempotentParameterMismatch;
 * - priorities stay unique per region;
 * - quotas hold (per region, per filter, per source ENI);
 * - the model's kept index of what the region uses answers every probe Create as one built afresh from the
 *   sessions would, after creates, changes, deletes and sessions going with time.
 *
 * One clock, no real time: the emulator runs on a clock that moves only by the sequences' `advance` steps, the
 * sequences come from a fixed fast-check seed and the creation delays from a seeded PRNG, so every run makes
 * the same calls and gets the same answers, however loaded the machine is.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import { createVpcClient, listAllSessions, type VpcApi } from '../../functions/lib/cloud/vpcClient.js';
import { seededRandom } from '../../infra/bench/random.js';
import { LOCAL_ACCESS_KEY } from '../../infra/local/credentials.js';
import { parseFaults } from '../../infra/local/faults.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { type Inventory, parseInventory } from '../../infra/local/vpc/inventory.js';
import { ModelError, TrafficMirrorModel } from '../../infra/local/vpc/model.js';
import { ManualClock } from '../helpers/manualClock.js';

/** The seeds of the operation sequences and of the emulator's creation delays. */
const PROPERTY_SEED = 20_261_129;
const EMULATOR_SEED = 7;

const REGION = 'cn-hangzhou';
// eni-t1 is a source as well as a target: sessions can make it either, and the other role is then refused.
const SOURCES = ['eni-s1', 'eni-s2', 'eni-s3', 'eni-s4', 'eni-t1'];
const TARGETS = [
  { id: 'eni-t1', type: 'NetworkInterface' as const },
  { id: 'eni-t2', type: 'NetworkInterface' as const },
  { id: 'lb-t3', type: 'SLB' as const },
];
const FILTERS = ['tmf-f1', 'tmf-f2'];
const QUOTAS = {
  sessionsPerRegion: 6,
  sessionsPerFilter: 5,
  sessionsPerSourceEni: 3,
  // Low enough that a few sessions reach them.
  sourcesPerLargeEcsTarget: 3,
  sourcesPerSlbTarget: 3,
  sessionsPerSlbTarget: 4,
};

const inventory: Inventory = parseInventory({
  regions: { [REGION]: {} },
  instances: [
    { id: 'i-1', regionId: REGION, size: 'large' },
    { id: 'i-2', regionId: REGION, size: 'large' },
  ],
  networkInterfaces: [
    ...SOURCES.filter((id) => id !== 'eni-t1').map((id) => ({ id, regionId: REGION, instanceId: 'i-1' })),
    { id: 'eni-t1', regionId: REGION, instanceId: 'i-2' },
    { id: 'eni-t2', regionId: REGION, instanceId: 'i-2' },
  ],
  loadBalancers: [{ id: 'lb-t3', regionId: REGION, vpcId: 'vpc-1' }],
  filters: FILTERS.map((id) => ({ id, regionId: REGION })),
  quotas: QUOTAS,
  lifecycle: { createSeconds: { min: 1, max: 5 }, deleteSeconds: { min: 1, max: 3 }, tokenProcessingMs: 0 },
});

type Op =
  | {
      kind: 'create';
      source: number;
      /** A second source, when it differs from the first. */
      also: number | null;
      target: number;
      filter: number;
      priority: number;
      token: number | null;
      enabled: boolean;
    }
  | { kind: 'list'; maxResults: number; by: 'all' | 'source' | 'filter' | 'target'; pick: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'change'; pick: number; how: 'addSource' | 'removeSource' | 'priority' | 'target'; value: number }
  | { kind: 'advance'; seconds: number }
  /** Sends an earlier create of this sequence again, exactly (a redelivery). */
  | { kind: 'repeat'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      source: fc.nat(SOURCES.length - 1),
      also: fc.option(fc.nat(SOURCES.length - 1), { nil: null, freq: 3 }),
      target: fc.nat(TARGETS.length - 1),
      filter: fc.nat(FILTERS.length - 1),
      priority: fc.integer({ min: 1, max: 20 }),
      token: fc.option(fc.nat(5), { nil: null }),
      enabled: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      maxResults: fc.integer({ min: 1, max: 12 }),
      by: fc.constantFrom('all' as const, 'source' as const, 'filter' as const, 'target' as const),
      pick: fc.nat(5),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('change' as const),
      pick: fc.nat(20),
      how: fc.constantFrom(
        'addSource' as const,
        'removeSource' as const,
        'priority' as const,
        'target' as const,
      ),
      value: fc.nat(20),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('repeat' as const), pick: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 10 }) }),
  },
);

let emu: VpcEmulator;
let clock: ManualClock;
let vpc: VpcApi;
/** Repeats of a token whose first request failed, answered with that failure again (all runs). */
let replayedFailures = 0;
/** Sessions seen with a vanishing time, and those of them seen gone (all runs). */
const vanishing = new Set<string>();
const vanished = new Set<string>();
/** What the probe Creates were answered (all runs). */
const probeAnswers = new Set<string>();

beforeAll(async () => {
  clock = new ManualClock();
  emu = await startVpcEmulator({ clock, inventory, random: seededRandom(EMULATOR_SEED) });
  // Sessions that vanish on their own and sessions stuck in Creating: the first end the model's index early.
  emu.faults.set(
    parseFaults({
      seed: EMULATOR_SEED,
      rules: [{ vanishRate: 0.15, vanishAfterSeconds: { min: 1, max: 30 }, stuckInCreatingRate: 0.1 }],
    }),
  );
  vpc = createVpcClient({ regionId: REGION, endpoint: emu.url, credentials: LOCAL_ACCESS_KEY });
});
afterAll(() => emu.close());

async function run(ops: Op[]): Promise<void> {
  emu.model.reset(structuredClone(inventory));
  const idsByToken = new Map<string, Set<string>>();
  /** token → the parameters first sent with it and the first answer (a session id or an error code). */
  const firstUse = new Map<string, { params: string; answer: string }>();
  const creates: Extract<Op, { kind: 'create' }>[] = [];
  for (const step of ops) {
    const o = step.kind === 'repeat' && creates.length ? creates[step.pick % creates.length]! : step;
    if (o.kind === 'repeat') continue; // nothing to repeat yet
    if (o.kind === 'advance') {
      clock.advance(o.seconds * 1000);
    } else if (o.kind === 'create') {
      creates.push(o);
      const target = TARGETS[o.target]!;
      const token = o.token === null ? undefined : `tok-${o.token}`;
      const request = {
        RegionId: REGION,
        TrafficMirrorSourceIds: [
          SOURCES[o.source]!,
          ...(o.also !== null && o.also !== o.source ? [SOURCES[o.also]!] : []),
        ],
        TrafficMirrorTargetId: target.id,
        TrafficMirrorTargetType: target.type,
        TrafficMirrorFilterId: FILTERS[o.filter]!,
        Priority: o.priority,
        Enabled: o.enabled,
        ...(token ? { ClientToken: token } : {}),
      };
      let answer: string;
      try {
        const { TrafficMirrorSessionId } = await vpc.createTrafficMirrorSession(request);
        answer = TrafficMirrorSessionId;
        if (token) {
          const set = idsByToken.get(token) ?? new Set();
          set.add(TrafficMirrorSessionId);
          idsByToken.set(token, set);
        }
      } catch (error) {
        if (!(error instanceof CloudApiError)) throw error;
        answer = error.code;
      }
      if (token) {
        const { ClientToken: _t, ...rest } = request;
        const params = JSON.stringify(rest);
        const first = firstUse.get(token);
        if (!first) firstUse.set(token, { params, answer });
        else if (first.params !== params)
          expect(answer, `token ${token}`).toBe('IdempotentParameterMismatch');
        else {
          expect(answer, `token ${token} repeated`).toBe(first.answer);
          if (!first.answer.startsWith('tms-')) replayedFailures++;
        }
      }
    } else if (o.kind === 'change') {
      const live = emu.model.liveSessions();
      const session = live[o.pick % Math.max(1, live.length)];
      if (session) {
        const params = {
          RegionId: REGION,
          TrafficMirrorSessionId: session.id,
          ClientToken: `chg-${clock.now()}`,
        };
        const target = TARGETS[o.value % TARGETS.length]!;
        const change =
          o.how === 'priority'
            ? ['UpdateTrafficMirrorSessionAttribute', { Priority: 1 + (o.value % 20) }]
            : o.how === 'target'
              ? [
                  'UpdateTrafficMirrorSessionAttribute',
                  { TrafficMirrorTargetId: target.id, TrafficMirrorTargetType: target.type },
                ]
              : [
                  o.how === 'addSource'
                    ? 'AddSourcesToTrafficMirrorSession'
                    : 'RemoveSourcesFromTrafficMirrorSession',
                  { TrafficMirrorSourceIds: [SOURCES[o.value % SOURCES.length]!] },
                ];
        await vpc
          .changeTrafficMirrorSession(change[0] as 'UpdateTrafficMirrorSessionAttribute', {
            ...params,
            ...(change[1] as object),
          })
          .catch(() => undefined);
      }
    } else if (o.kind === 'delete') {
      const live = emu.model.liveSessions();
      const victim = live[o.pick % Math.max(1, live.length)];
      if (victim)
        await vpc
          .deleteTrafficMirrorSession({ RegionId: REGION, TrafficMirrorSessionId: victim.id })
          .catch(() => undefined);
    } else {
      const filters: {
        TrafficMirrorSourceId?: string;
        TrafficMirrorFilterId?: string;
        TrafficMirrorTargetId?: string;
      } =
        o.by === 'source'
          ? { TrafficMirrorSourceId: SOURCES[o.pick % SOURCES.length]! }
          : o.by === 'filter'
            ? { TrafficMirrorFilterId: FILTERS[o.pick % FILTERS.length]! }
            : o.by === 'target'
              ? { TrafficMirrorTargetId: TARGETS[o.pick % TARGETS.length]!.id }
              : {};
      const paged: string[] = [];
      for await (const s of listAllSessions(vpc, { RegionId: REGION, MaxResults: o.maxResults, ...filters }))
        paged.push(s.TrafficMirrorSessionId);
      const expected = emu.model
        .liveSessions()
        .filter(
          (s) =>
            (filters.TrafficMirrorSourceId === undefined ||
              s.sourceIds.includes(filters.TrafficMirrorSourceId)) &&
            (filters.TrafficMirrorFilterId === undefined || s.filterId === filters.TrafficMirrorFilterId) &&
            (filters.TrafficMirrorTargetId === undefined || s.targetId === filters.TrafficMirrorTargetId),
        )
        .map((s) => s.id);
      expect(paged).toEqual(expected);
      expect(new Set(paged).size).toBe(paged.length);
    }

    await expectIndexFresh();
    const live = emu.model.liveSessions();
    for (const id of vanishing) if (!live.some((s) => s.id === id)) vanished.add(id);
    for (const s of live) if (s.vanishAt !== undefined) vanishing.add(s.id);
    for (const [token, ids] of idsByToken) {
      expect(ids.size, `token ${token}`).toBe(1);
      expect(live.filter((s) => s.clientToken === token).length).toBeLessThanOrEqual(1);
    }
    const priorities = live.map((s) => s.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(live.length).toBeLessThanOrEqual(QUOTAS.sessionsPerRegion);
    for (const filter of FILTERS)
      expect(live.filter((s) => s.filterId === filter).length).toBeLessThanOrEqual(QUOTAS.sessionsPerFilter);
    for (const source of SOURCES)
      expect(live.filter((s) => s.sourceIds.includes(source)).length).toBeLessThanOrEqual(
        QUOTAS.sessionsPerSourceEni,
      );
  }
}

/**
 * Probe Creates (dry runs: they change nothing) answered by the emulator's model, which keeps its index of what
 * the region uses from one call to the next, and by a copy of it restored from a snapshot, which builds that
 * index afresh: the answers must be the same.
 */
async function expectIndexFresh(): Promise<void> {
  const fresh = new TrafficMirrorModel(inventory, clock);
  fresh.restore(emu.model.snapshot());
  const priorities = [1, ...new Set(emu.model.liveSessions().map((s) => s.priority))].slice(0, 3);
  const answer = (model: TrafficMirrorModel, input: Parameters<TrafficMirrorModel['createSession']>[0]) =>
    model.createSession(input).then(
      () => 'created',
      (error: unknown) => (error instanceof ModelError ? error.code : String(error)),
    );
  const sourceSets = SOURCES.flatMap((id, i) => [[id], [id, SOURCES[(i + 1) % SOURCES.length]!]]);
  for (const sourceIds of sourceSets)
    for (const target of TARGETS)
      for (const priority of priorities) {
        const input = {
          regionId: REGION,
          sourceIds,
          targetId: target.id,
          targetType: target.type,
          filterId: FILTERS[priority % FILTERS.length]!,
          priority,
          tags: [],
          dryRun: true,
          fingerprint: 'probe',
        };
        const kept = await answer(emu.model, input);
        probeAnswers.add(kept);
        expect(kept, `${sourceIds} → ${target.id}, priority ${priority}`).toBe(await answer(fresh, input));
      }
}

describe('VPC emulator invariants under random operation sequences', () => {
  it('paging, ClientToken, priority uniqueness and quotas hold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60, size: 'max' }), (ops) => run(ops)),
      { numRuns: 100, seed: PROPERTY_SEED },
    );
    // The sequences reached the interesting cases, so the invariants above were really put to the test.
    const codes = new Set(emu.calls.map((c) => c.code));
    const expectAll = (seen: Set<string>, wanted: string[]) => {
      for (const code of wanted) expect(seen, code).toContain(code);
    };
    expectAll(codes, [
      'OK',
      'IllegalParam.Priority',
      'IdempotentParameterMismatch',
      'IncorrectStatus.TrafficMirrorSession',
    ]);
    expect([...codes].some((c) => c.startsWith('QuotaExceeded.'))).toBe(true);
    expect(replayedFailures).toBeGreaterThan(0);
    // Changes were accepted, and the probes met both acceptance and the refusals the index decides.
    for (const action of [
      'AddSourcesToTrafficMirrorSession',
      'RemoveSourcesFromTrafficMirrorSession',
      'UpdateTrafficMirrorSessionAttribute',
    ])
      expect(
        emu.calls.some((c) => c.action === action && c.code === 'OK'),
        action,
      ).toBe(true);
    expectAll(probeAnswers, [
      'DryRunOperation',
      'IllegalParam.Priority',
      'OperationDenied.DuplicateRole',
      'QuotaExceeded.NetworkInterfaceRelatedSession',
      'QuotaExceeded.SessionNum',
      'QuotaExceeded.SourceNumPerTarget',
      'QuotaExceeded.SlbRelatedSession',
    ]);
    // Sessions vanished mid-run, so the index's end of validity was put to the test too.
    expect(vanished.size).toBeGreaterThan(0);
    const lists = emu.calls.filter((c) => c.action === 'ListTrafficMirrorSessions').length;
    expect(lists).toBeGreaterThan(100);
  }, 120_000);
});
