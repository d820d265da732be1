/**
 * provision() and mirrorflow's VPC client against the VPC emulator: real pop-core over HTTP, signed with
 * STS-style credentials as on FC, with the emulator's rules deciding every outcome.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVpcClient, listAllSessions, type VpcApi } from '../../functions/lib/cloud/vpcClient.js';
import {
  candidateToken,
  clientToken,
  eventKey,
  listedPriorityToken,
  reconcileKey,
  refusalToken,
} from '../../functions/lib/contract/clientToken.js';
import {
  ORIGIN_TAG_KEY,
  OWNERSHIP_TAG_KEY,
  TOKEN_TAG_KEY,
} from '../../functions/lib/contract/sessionTags.js';
import { loadConfig } from '../../functions/lib/runtime/config.js';
import { FreePriorities, priorityCandidates, priorityKey } from '../../functions/lib/steps/priority.js';
import { type ProvisionDeps, type ProvisionResult, provision } from '../../functions/lib/steps/provision.js';
import { VirtualClock } from '../../infra/local/clock.js';
import { LOCAL_STS } from '../../infra/local/credentials.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import { faultRule } from '../helpers/requests.js';
import { popCoreCaller } from '../helpers/vpcClients.js';

let emu: VpcEmulator;
let vpc: VpcApi;
/**
 * The demo world, with Creates answered at once: concurrent deliveries then meet a settled token, never one
 * in flight whose processing time would race the retries (LastTokenProcessing has its own tests).
 */
const demo = loadInventoryFile();
demo.lifecycle.tokenProcessingMs = 0;
const config = { ...loadConfig({}), retryMaxAttempts: 12, retryMaxElapsedMs: 120_000 };
const deps = (): ProvisionDeps => ({ vpcFor: () => vpc, config, retryHooks: { sleep: async () => {} } });

const request = (overrides: Record<string, unknown> = {}) => ({
  RegionId: 'cn-hangzhou',
  TrafficMirrorSourceIds: ['eni-bp1web01'],
  TrafficMirrorTargetId: 'eni-bp1ids01',
  TrafficMirrorTargetType: 'NetworkInterface',
  TrafficMirrorFilterId: 'tmf-bp1all01',
  ...overrides,
});
const sessionIdOf = (r: ProvisionResult) => ('sessionId' in r ? r.sessionId : undefined);

class Crash extends Error {}
/** The function dies after `creates` Create calls have reached the cloud (a crash mid-walk). */
const crashingAfter = (inner: VpcApi, creates: number): VpcApi => {
  let sent = 0;
  return {
    createTrafficMirrorSession: async (params) => {
      if (sent++ >= creates) throw new Crash('the function died');
      return inner.createTrafficMirrorSession(params);
    },
    listTrafficMirrorSessions: (filters) => inner.listTrafficMirrorSessions(filters),
    deleteTrafficMirrorSession: (params) => inner.deleteTrafficMirrorSession(params),
    changeTrafficMirrorSession: (action, params) => inner.changeTrafficMirrorSession(action, params),
  };
};
/** The look-up sees no sessions yet (read-after-create lag), so only the ClientTokens can find one. */
const lagging = (inner: VpcApi): VpcApi => ({
  createTrafficMirrorSession: (params) => inner.createTrafficMirrorSession(params),
  listTrafficMirrorSessions: async (filters) => ({
    ...(await inner.listTrafficMirrorSessions(filters)),
    TotalCount: 0,
    TrafficMirrorSessions: [],
    NextToken: '',
  }),
  deleteTrafficMirrorSession: (params) => inner.deleteTrafficMirrorSession(params),
  changeTrafficMirrorSession: (action, params) => inner.changeTrafficMirrorSession(action, params),
});

beforeAll(async () => {
  emu = await startVpcEmulator({ clock: new VirtualClock(1000) });
  vpc = createVpcClient({
    regionId: 'cn-hangzhou',
    endpoint: emu.url,
    credentials: LOCAL_STS,
    timeoutMs: 5000,
  });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.model.reset(structuredClone(demo));
  emu.faults.set({ rules: [] });
});

/** The look-up by source sees nothing yet (both twins look before either creates); other Lists are true. */
const blindLookUp = (inner: VpcApi): VpcApi => ({
  ...lagging(inner),
  listTrafficMirrorSessions: async (filters) =>
    filters.TrafficMirrorSourceId
      ? { RequestId: 'r', TotalCount: 0, TrafficMirrorSessions: [], NextToken: '' }
      : inner.listTrafficMirrorSessions(filters),
});

describe('provision() against the VPC emulator', () => {
  it('a second firing that listed the region otherwise (another free priority, same token) finds the first one’s session', async () => {
    const key = reconcileKey('entry-x', '2026-11-22T03:00:00Z');
    const token = clientToken('reconcile', key);
    const firing = (priority: number) =>
      provision(
        {
          request: request({ TrafficMirrorSourceIds: ['eni-bp1app02'] }),
          kind: 'reconcile',
          key,
          lookedUp: true,
          priorities: [{ priority, clientToken: listedPriorityToken(token) }],
        },
        deps(),
      );
    const first = await firing(3001);
    const second = await firing(3002);
    expect(first).toMatchObject({ outcome: 'Created', priority: 3001 });
    expect(second).toMatchObject({ outcome: 'Created', sessionId: sessionIdOf(first) });
    expect(emu.model.liveSessions().filter((x) => x.sourceIds.includes('eni-bp1app02'))).toHaveLength(1);
  });

  it.each([
    ['an allocated priority', {}],
    ['an explicit priority', { Priority: 4321 }],
  ])(
    'the same request through two triggers at once, with %s: one session, Created and AlreadyExists',
    async (_, extra) => {
      const twin = () => request({ ...extra, TrafficMirrorSourceIds: ['eni-bp1app01'] });
      const blind = { ...deps(), vpcFor: () => blindLookUp(vpc) };
      const [a, b] = await Promise.all([
        provision({ request: twin(), kind: 'event', key: eventKey('acs.test', 'twin') }, blind),
        provision({ request: twin(), kind: 'webhook', key: 'twin-delivery' }, blind),
      ]);
      expect([a.outcome, b.outcome].sort()).toEqual(['AlreadyExists', 'Created']);
      expect(sessionIdOf(a)).toBe(sessionIdOf(b));
      expect(emu.model.liveSessions().filter((x) => x.sourceIds.includes('eni-bp1app01'))).toHaveLength(1);
    },
  );

  it('creates one enabled, tagged session with an allocated priority', async () => {
    const key = eventKey('acs.test', 'e-1');
    const result = await provision({ request: request(), kind: 'event', key }, deps());
    expect(result.outcome).toBe('Created');
    const [session] = emu.model.liveSessions();
    expect(session).toMatchObject({
      id: sessionIdOf(result),
      enabled: true,
      clientToken: candidateToken(clientToken('event', key), 0),
      priority: priorityCandidates(priorityKey(request()), config.priorityRange, 1)[0],
      tags: [
        { Key: OWNERSHIP_TAG_KEY, Value: 'mirrorflow' },
        { Key: TOKEN_TAG_KEY, Value: clientToken('event', key) },
        { Key: ORIGIN_TAG_KEY, Value: 'event' },
      ],
    });
  });

  it('a redelivery, or five concurrent deliveries, still make one session', async () => {
    const key = eventKey('acs.test', 'e-2');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => provision({ request: request(), kind: 'event', key }, deps())),
    );
    const again = await provision({ request: request(), kind: 'event', key }, deps());
    expect(emu.model.liveSessions()).toHaveLength(1);
    const id = emu.model.liveSessions()[0]!.id;
    expect([...results, again].map(sessionIdOf)).toEqual(Array(6).fill(id));
    expect(again.outcome).toBe('Created'); // its own session: the same answer as the first delivery
    // …found, not made: its flow looks at it from the start (it may be Created already).
    expect(again).toMatchObject({ createdEarlier: true });
    const first = await provision(
      { request: request({ TrafficMirrorSourceIds: ['eni-bp1db01'] }), kind: 'event', key: 'e-2-other' },
      deps(),
    );
    expect(first.outcome).toBe('Created');
    expect(first).not.toHaveProperty('createdEarlier');
    const other = await provision({ request: request(), kind: 'webhook', key: 'another-delivery' }, deps());
    expect(other).toMatchObject({ outcome: 'AlreadyExists', sessionId: id });
  });

  it('walks past allocated priorities that other sessions hold', async () => {
    const key = eventKey('acs.test', 'e-3');
    const candidates = priorityCandidates(priorityKey(request()), config.priorityRange, 3);
    const pop = popCoreCaller(emu.url);
    for (const [i, priority] of candidates.slice(0, 2).entries()) {
      await pop.call('CreateTrafficMirrorSession', {
        ...request({ TrafficMirrorSourceIds: [`eni-bp1db0${i + 1}`] }),
        Priority: priority,
      });
    }
    const result = await provision({ request: request(), kind: 'event', key }, deps());
    expect(result).toMatchObject({ outcome: 'Created', priority: candidates[2] });
  });

  it('a redelivery after a crash mid-walk walks the same tokens: the failed candidates fail again, one session', async () => {
    const key = eventKey('acs.test', 'e-crash');
    const token = clientToken('event', key);
    const candidates = priorityCandidates(priorityKey(request()), config.priorityRange, 3);
    const pop = popCoreCaller(emu.url);
    const holders: string[] = [];
    for (const [i, priority] of candidates.slice(0, 2).entries()) {
      const body = await pop.call('CreateTrafficMirrorSession', {
        ...request({ TrafficMirrorSourceIds: [`eni-bp1db0${i + 1}`] }),
        Priority: priority,
      });
      holders.push(body.TrafficMirrorSessionId as string);
    }
    // The first delivery tries candidates 0 and 1 (both taken) and dies before candidate 2.
    await expect(
      provision(
        { request: request(), kind: 'event', key },
        { ...deps(), vpcFor: () => crashingAfter(vpc, 2) },
      ),
    ).rejects.toBeInstanceOf(Crash);
    expect(emu.model.liveSessions()).toHaveLength(2);
    // Candidate 0's priority is freed meanwhile; its token still answers IllegalParam.Priority.
    emu.clock.advance(31_000);
    await pop.call('DeleteTrafficMirrorSession', {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: holders[0],
    });
    emu.clock.advance(11_000);
    const callsBefore = emu.calls.length;
    const result = await provision({ request: request(), kind: 'event', key }, deps());
    expect(result).toMatchObject({ outcome: 'Created', priority: candidates[2], clientToken: token });
    const creates = emu.calls.slice(callsBefore).filter((c) => c.action === 'CreateTrafficMirrorSession');
    expect(creates.map((c) => c.code)).toEqual(['IllegalParam.Priority', 'IllegalParam.Priority', 'OK']);
    const mine = emu.model.liveSessions().filter((s) => s.sourceIds[0] === 'eni-bp1web01');
    expect(mine).toMatchObject([{ id: sessionIdOf(result), clientToken: candidateToken(token, 2) }]);
  });

  it('in a crowded region: the walk ends where reconcile, planning from a listing, would put the request', async () => {
    const range = { min: 1, max: 12 };
    const mine = request();
    const walk = priorityCandidates(priorityKey(mine), range, 12);
    // 7 of the 12 priorities held by someone else's sessions, this request's first three candidates among them.
    const held = [...walk.slice(0, 3), ...walk.slice(5, 9)];
    const others = ['db01', 'db02', 'app01', 'app02', 'web02', 'web03', 'db01'].map((n) => `eni-bp1${n}`);
    const pop = popCoreCaller(emu.url);
    for (const [i, priority] of held.entries())
      await pop.call('CreateTrafficMirrorSession', {
        ...request({ TrafficMirrorSourceIds: [others[i]] }),
        Priority: priority,
      });
    // Where reconcile, planning from a listing of this region, would put the same request.
    const listed = new FreePriorities(range, held).take(priorityKey(mine));
    expect(listed).toBe(walk[3]);
    const callsBefore = emu.calls.length;
    const key = eventKey('acs.test', 'e-crowded');
    const result = await provision(
      { request: mine, kind: 'event', key },
      { ...deps(), config: { ...config, priorityRange: range } },
    );
    expect(result).toMatchObject({ outcome: 'Created', priority: listed });
    // Each held candidate is sent (its token then remembers the refusal), and its holder looked at.
    const creates = emu.calls.slice(callsBefore).filter((c) => c.action === 'CreateTrafficMirrorSession');
    expect(creates.map((c) => c.code)).toEqual([
      'IllegalParam.Priority',
      'IllegalParam.Priority',
      'IllegalParam.Priority',
      'OK',
    ]);
    const created = emu.model.liveSessions().filter((s) => s.sourceIds[0] === 'eni-bp1web01');
    expect(created).toMatchObject([
      { priority: listed, clientToken: candidateToken(clientToken('event', key), 3) },
    ]);
  });

  it('a redelivery whose look-up misses finds the session its lost answer created, through the same token', async () => {
    const key = eventKey('acs.test', 'e-lost');
    const candidates = priorityCandidates(priorityKey(request()), config.priorityRange, 2);
    await popCoreCaller(emu.url).call('CreateTrafficMirrorSession', {
      ...request({ TrafficMirrorSourceIds: ['eni-bp1db01'] }),
      Priority: candidates[0],
    });
    // Candidate 1 creates the session, but every answer to it is lost until the retries run out.
    emu.faults.set({ rules: [faultRule({ action: 'CreateTrafficMirrorSession', lostResponseRate: 1 })] });
    await expect(
      provision(
        { request: request(), kind: 'event', key },
        { ...deps(), config: { ...config, retryMaxAttempts: 2 } },
      ),
    ).rejects.toMatchObject({ code: 'InternalError' });
    const created = emu.model.liveSessions().filter((s) => s.sourceIds[0] === 'eni-bp1web01');
    expect(created).toHaveLength(1);
    emu.faults.set({ rules: [] });
    const again = await provision(
      { request: request(), kind: 'event', key },
      { ...deps(), vpcFor: () => lagging(vpc) },
    );
    expect(again).toMatchObject({ outcome: 'Created', sessionId: created[0]!.id, priority: candidates[1] });
    expect(emu.model.liveSessions().filter((s) => s.sourceIds[0] === 'eni-bp1web01')).toHaveLength(1);
  });

  it('a filter that is still changing state: each retry sends a fresh token (the refused one only replays), one session', async () => {
    const world = structuredClone(demo);
    world.filters.find((f) => f.id === 'tmf-bp1all01')!.status = 'Modifying';
    emu.model.setInventory(world);
    const settled = structuredClone(demo);
    const before = emu.calls.length;
    let waits = 0;
    const key = eventKey('test', 'refused-then-ok');
    const token = clientToken('event', key);
    const result = await provision(
      { request: request(), kind: 'event', key },
      {
        ...deps(),
        // The filter settles while mirrorflow backs off after its second refusal.
        retryHooks: { sleep: async () => void (++waits === 2 && emu.model.setInventory(settled)) },
      },
    );
    expect(result).toMatchObject({ outcome: 'Created' });
    const first = candidateToken(token, 0);
    const codes = emu.calls
      .slice(before)
      .filter((c) => c.action === 'CreateTrafficMirrorSession')
      .map((c) => c.code);
    expect(codes).toEqual([
      'IncorrectStatus.TrafficMirrorFilter',
      'IncorrectStatus.TrafficMirrorFilter',
      'OK',
    ]);
    const sent = emu.model
      .snapshot()
      .tokens.map(([t]) => t)
      .filter((t) => t === first || t.startsWith('mfr-'))
      .sort();
    expect(sent).toEqual([first, refusalToken(first, 1), refusalToken(first, 2)].sort());
    // A redelivery whose look-up misses walks the same tokens: the refusals replay, the last one answers its session.
    const again = await provision(
      { request: request(), kind: 'event', key },
      { ...deps(), vpcFor: () => lagging(vpc) },
    );
    expect(sessionIdOf(again)).toBe(sessionIdOf(result));
    expect(emu.model.liveSessions()).toHaveLength(1);
  });

  it('a redelivery finds the session a retry token created even where the cloud forgets failed tokens', async () => {
    const world = structuredClone(demo);
    world.lifecycle.rememberFailedTokens = false;
    world.filters.find((f) => f.id === 'tmf-bp1all01')!.status = 'Modifying';
    emu.model.setInventory(world);
    const settled = structuredClone(world);
    settled.filters.find((f) => f.id === 'tmf-bp1all01')!.status = 'Created';
    let waits = 0;
    const key = eventKey('test', 'forgetful-cloud');
    const first = await provision(
      { request: request(), kind: 'event', key },
      {
        ...deps(),
        retryHooks: { sleep: async () => void (++waits === 1 && emu.model.setInventory(settled)) },
      },
    );
    expect(first).toMatchObject({ outcome: 'Created' });
    // The redelivery's look-up by source misses; its first token, refused before, is not remembered and now
    // meets the priority its own session holds: mirrorflow sees whose it is instead of walking on.
    const bySourceLags: VpcApi = {
      ...vpc,
      listTrafficMirrorSessions: async (filters) =>
        filters.TrafficMirrorSourceId
          ? { TotalCount: 0, TrafficMirrorSessions: [], NextToken: '', MaxResults: 10, RequestId: 'lag' }
          : vpc.listTrafficMirrorSessions(filters),
    };
    const again = await provision(
      { request: request(), kind: 'event', key },
      { ...deps(), vpcFor: () => bySourceLags },
    );
    expect(again).toMatchObject({ outcome: 'Created', sessionId: sessionIdOf(first) });
    // The same with an explicit Priority: its own session holds it, so the answer is Created, not IllegalParam.Priority.
    emu.model.setInventory(world);
    waits = 0;
    const explicitKey = eventKey('test', 'forgetful-cloud-explicit');
    const explicit = request({ Priority: 77, TrafficMirrorSourceIds: ['eni-bp1web02'] });
    const one = await provision(
      { request: explicit, kind: 'event', key: explicitKey },
      {
        ...deps(),
        retryHooks: { sleep: async () => void (++waits === 1 && emu.model.setInventory(settled)) },
      },
    );
    expect(one).toMatchObject({ outcome: 'Created', priority: 77 });
    const two = await provision(
      { request: explicit, kind: 'event', key: explicitKey },
      { ...deps(), vpcFor: () => bySourceLags },
    );
    expect(two).toMatchObject({ outcome: 'Created', sessionId: sessionIdOf(one) });
  });

  it('a filter that stays busy past the retry budget: Rejected with the code, nothing created, and so again on redelivery', async () => {
    const world = structuredClone(demo);
    world.filters.find((f) => f.id === 'tmf-bp1all01')!.status = 'Creating';
    emu.model.setInventory(world);
    const key = eventKey('test', 'always-busy');
    const tight = { ...deps(), config: { ...config, retryMaxAttempts: 3 } };
    for (const delivery of [1, 2]) {
      const result = await provision({ request: request(), kind: 'event', key }, tight);
      expect(result, `delivery ${delivery}`).toMatchObject({
        outcome: 'Rejected',
        error: { code: 'IncorrectStatus.TrafficMirrorFilter', retryable: true },
      });
    }
    expect(emu.model.liveSessions()).toHaveLength(0);
  });

  it('another request for the same traffic with other attributes changes the session in place: Updated, one session', async () => {
    const first = await provision(
      { request: request(), kind: 'event', key: eventKey('acs.test', 'same-1') },
      deps(),
    );
    emu.clock.advance(60_000); // Created: a session still Creating refuses changes
    const second = await provision(
      {
        request: request({
          TrafficMirrorFilterId: 'tmf-bp1http01',
          Enabled: false,
          TrafficMirrorSessionName: 'night',
        }),
        kind: 'webhook',
        key: 'same-2',
      },
      deps(),
    );
    expect(second).toMatchObject({
      outcome: 'Updated',
      sessionId: sessionIdOf(first),
      changes: { TrafficMirrorFilterId: 'tmf-bp1http01', Enabled: false, TrafficMirrorSessionName: 'night' },
    });
    expect(emu.model.liveSessions()).toHaveLength(1);
    expect(emu.model.liveSessions()[0]).toMatchObject({
      filterId: 'tmf-bp1http01',
      enabled: false,
      name: 'night',
    });
  });

  it('the same key with other parameters is refused as IdempotentParameterMismatch', async () => {
    const key = eventKey('acs.test', 'e-4');
    await provision({ request: request(), kind: 'event', key }, deps());
    const changed = await provision(
      { request: request({ TrafficMirrorFilterId: 'tmf-bp1http01' }), kind: 'event', key },
      deps(),
    );
    expect(changed).toMatchObject({ outcome: 'Rejected', error: { code: 'IdempotentParameterMismatch' } });
    expect(emu.model.liveSessions()).toHaveLength(1);
  });

  it('an explicit priority already in use is rejected with a hint', async () => {
    await popCoreCaller(emu.url).call('CreateTrafficMirrorSession', {
      ...request({ TrafficMirrorSourceIds: ['eni-bp1db01'] }),
      Priority: 77,
    });
    const result = await provision(
      { request: request({ Priority: 77 }), kind: 'webhook', key: 'w-1' },
      deps(),
    );
    expect(result).toMatchObject({
      outcome: 'Rejected',
      error: { code: 'IllegalParam.Priority', retryable: false, hint: expect.any(String) },
    });
  });

  it('reports the cloud code and hint for a request the cloud refuses', async () => {
    const result = await provision(
      { request: request({ TrafficMirrorSourceIds: ['eni-bp1nope01'] }), kind: 'webhook', key: 'w-2' },
      deps(),
    );
    expect(result).toMatchObject({
      outcome: 'Rejected',
      error: {
        code: 'ResourceNotFound.NetworkInterface',
        message: expect.stringContaining('eni-bp1nope01'),
        requestId: expect.any(String),
      },
    });
  });

  it('a dry run passes and creates nothing', async () => {
    const result = await provision(
      { request: request({ DryRun: true }), kind: 'webhook', key: 'w-3' },
      deps(),
    );
    expect(result.outcome).toBe('DryRunPassed');
    expect(emu.model.liveSessions()).toHaveLength(0);
  });

  it('a dry run is answered as a dry run even when an equivalent session exists', async () => {
    await provision({ request: request(), kind: 'webhook', key: 'w-real' }, deps());
    const dry = await provision(
      { request: request({ DryRun: true }), kind: 'webhook', key: 'w-dry' },
      deps(),
    );
    // Not AlreadyExists: the dry run checked a create (whose allocated priority walks past the taken one).
    expect(dry.outcome).toBe('DryRunPassed');
    expect(emu.model.liveSessions()).toHaveLength(1);
  });

  it('with throttling, 5xx and lost responses on every action, each request still ends in exactly one session', async () => {
    emu.faults.set({
      rules: [faultRule({ throttleRate: 0.2, serverErrorRate: 0.05, lostResponseRate: 0.1 })],
    });
    const sources = [
      'eni-bp1web01',
      'eni-bp1web02',
      'eni-bp1web03',
      'eni-bp1db01',
      'eni-bp1db02',
      'eni-bp1app01',
    ];
    const results = await Promise.all(
      sources.flatMap((source) =>
        // Each request is delivered twice, concurrently.
        [0, 1].map(() =>
          provision(
            {
              request: request({ TrafficMirrorSourceIds: [source] }),
              kind: 'event',
              key: eventKey('acs.test', source),
            },
            deps(),
          ),
        ),
      ),
    );
    expect(results.every((r) => r.outcome === 'Created' || r.outcome === 'AlreadyExists')).toBe(true);
    const live = emu.model.liveSessions();
    expect(live).toHaveLength(sources.length);
    expect(new Set(live.map((s) => s.sourceIds[0]))).toEqual(new Set(sources));
    const failures = emu.calls.filter((c) => c.code !== 'OK').length;
    expect(failures).toBeGreaterThan(0); // the faults really fired
  });
});

describe('the VPC client against the emulator', () => {
  it('lists every session across pages', async () => {
    const inventory = structuredClone(demo);
    inventory.quotas.sessionsPerSourceEni = 50;
    emu.model.setInventory(inventory);
    const pop = popCoreCaller(emu.url);
    for (let i = 0; i < 23; i++) {
      await pop.call('CreateTrafficMirrorSession', {
        ...request({ TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1ndr01' }),
        Priority: 500 + i,
      });
    }
    const ids: string[] = [];
    for await (const s of listAllSessions(vpc, { RegionId: 'cn-hangzhou', MaxResults: 7 }))
      ids.push(s.TrafficMirrorSessionId);
    expect(ids).toEqual(emu.model.liveSessions().map((s) => s.id));
    expect(new Set(ids).size).toBe(23);
  });

  it('deletes, and reports a missing session as a terminal error', async () => {
    const clock = emu.clock;
    const id = (
      await popCoreCaller(emu.url).call('CreateTrafficMirrorSession', { ...request(), Priority: 5 })
    ).TrafficMirrorSessionId as string;
    clock.advance(31_000);
    await vpc.deleteTrafficMirrorSession({ RegionId: 'cn-hangzhou', TrafficMirrorSessionId: id });
    const error = await vpc
      .deleteTrafficMirrorSession({ RegionId: 'cn-hangzhou', TrafficMirrorSessionId: 'tms-none' })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'ResourceNotFound.TrafficMirrorSession', retryClass: 'terminal' });
  });
});
