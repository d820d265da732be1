/**
 * Every operation of the VPC emulator, through both real clients over HTTP, on a clock that moves only when a
 * test advances it (no real-time window anywhere).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_ACCESS_KEY, LOCAL_STS } from '../../infra/local/credentials.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { type Inventory, loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import { sessionView } from '../../infra/local/vpc/routes.js';
import { ManualClock, until } from '../helpers/manualClock.js';
import {
  type ApiRequest,
  DEMO_CREATE_REQUEST,
  outcome,
  popCoreCaller,
  sdkV3Caller,
  type VpcCaller,
} from '../helpers/vpcClients.js';

let emu: VpcEmulator;
let clock: ManualClock;
let callers: VpcCaller[];
/** The demo world, answering at once: a Create that takes processing time would wait for the test's clock. */
const demo: Inventory = loadInventoryFile();
demo.lifecycle.tokenProcessingMs = 0;

beforeAll(async () => {
  clock = new ManualClock();
  emu = await startVpcEmulator({ clock });
  callers = [popCoreCaller(emu.url), sdkV3Caller(emu.url)];
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.model.reset(structuredClone(demo));
  emu.faults.set({ rules: [] });
});

const base = DEMO_CREATE_REQUEST;
const idOf = (body: Record<string, unknown>) =>
  (body.TrafficMirrorSessionId ?? body.trafficMirrorSessionId) as string;
const sessionsOf = (body: Record<string, unknown>) =>
  (body.TrafficMirrorSessions ?? body.trafficMirrorSessions) as Record<string, unknown>[];
const field = (s: Record<string, unknown>, name: string) =>
  s[name] ?? s[name.charAt(0).toLowerCase() + name.slice(1)];

describe.each([0, 1])('through client %#', (index) => {
  const caller = () => callers[index]!;

  it('ClientToken: same parameters → the same session; other parameters → IdempotentParameterMismatch', async () => {
    const first = idOf(await caller().call('CreateTrafficMirrorSession', { ...base, ClientToken: 'tok-1' }));
    // At once: the first request has been answered, so it is no longer processing.
    const again = idOf(await caller().call('CreateTrafficMirrorSession', { ...base, ClientToken: 'tok-1' }));
    expect(again).toBe(first);
    expect(
      await outcome(caller(), 'CreateTrafficMirrorSession', { ...base, Priority: 11, ClientToken: 'tok-1' }),
    ).toBe('IdempotentParameterMismatch');
    expect(emu.model.liveSessions()).toHaveLength(1);
  });

  it('ClientToken: LastTokenProcessing only while the first request is in flight, then its answer', async () => {
    const inventory = structuredClone(demo);
    inventory.lifecycle.tokenProcessingMs = 60_000;
    emu.model.setInventory(inventory);
    const request = { ...base, ClientToken: 'tok-2' };
    const firstCall = caller().call('CreateTrafficMirrorSession', request);
    await until(() => clock.sleeping === 1, 'the first request is being processed');
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', request)).toBe('LastTokenProcessing');
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', { ...request, Priority: 11 })).toBe(
      'IdempotentParameterMismatch',
    );
    clock.advance(60_000);
    const first = idOf(await firstCall);
    // The answer is out: a repeat, however soon, gets the same session (processing again, so let it finish).
    const repeat = caller().call('CreateTrafficMirrorSession', request);
    expect(idOf(await repeat)).toBe(first);
    expect(emu.model.liveSessions()).toHaveLength(1);
  });

  it('ClientToken: a failed request in flight is LastTokenProcessing too, and afterwards the same failure', async () => {
    const inventory = structuredClone(demo);
    inventory.lifecycle.tokenProcessingMs = 60_000;
    emu.model.setInventory(inventory);
    const request = { ...base, TrafficMirrorSourceIds: ['eni-bp1nope01'], ClientToken: 'tok-5' };
    const firstCall = outcome(caller(), 'CreateTrafficMirrorSession', request);
    await until(() => clock.sleeping === 1, 'the first request is being processed');
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', request)).toBe('LastTokenProcessing');
    clock.advance(60_000);
    expect(await firstCall).toBe('ResourceNotFound.NetworkInterface');
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', request)).toBe(
      'ResourceNotFound.NetworkInterface',
    );
  });

  const failures: {
    code: string;
    request: ApiRequest;
    cause: (i: Inventory) => void;
    cure: () => Promise<void>;
  }[] = [
    {
      code: 'IllegalParam.Priority',
      request: base,
      cause: () => {},
      cure: async () => {
        // The session holding Priority 10 is deleted and gone.
        const holder = emu.model.liveSessions().find((s) => s.priority === base.Priority)!;
        clock.advance(31_000);
        await caller().call('DeleteTrafficMirrorSession', {
          RegionId: 'cn-hangzhou',
          TrafficMirrorSessionId: holder.id,
        });
        clock.advance(11_000);
      },
    },
    {
      code: 'QuotaExceeded.SessionNum',
      request: { ...base, Priority: 12 },
      cause: (i) => {
        i.quotas.sessionsPerRegion = 1;
      },
      cure: async () => emu.model.setInventory(structuredClone(demo)),
    },
  ];
  for (const failure of failures) {
    it(`ClientToken: a request that failed with ${failure.code} is remembered: the same failure after the cause is gone; other parameters → IdempotentParameterMismatch`, async () => {
      await caller().call('CreateTrafficMirrorSession', {
        ...base,
        TrafficMirrorSourceIds: ['eni-bp1web02'],
      });
      const inventory = structuredClone(demo);
      failure.cause(inventory);
      emu.model.setInventory(inventory);
      const request = { ...failure.request, ClientToken: `tok-${failure.code}` };
      expect(await outcome(caller(), 'CreateTrafficMirrorSession', request)).toBe(failure.code);
      await failure.cure();
      expect(await outcome(caller(), 'CreateTrafficMirrorSession', request)).toBe(failure.code);
      expect(await outcome(caller(), 'CreateTrafficMirrorSession', { ...request, PacketLength: 1400 })).toBe(
        'IdempotentParameterMismatch',
      );
      // The cause really is gone: the same parameters under a new token succeed.
      expect(
        await outcome(caller(), 'CreateTrafficMirrorSession', {
          ...request,
          ClientToken: `new-${failure.code}`,
        }),
      ).toBe('OK');
    });
  }

  it('ClientToken check comes first: a replay succeeds although its priority and quotas are now taken by itself', async () => {
    const inventory = structuredClone(demo);
    inventory.quotas.sessionsPerRegion = 1;
    emu.model.setInventory(inventory);
    const first = idOf(await caller().call('CreateTrafficMirrorSession', { ...base, ClientToken: 'tok-3' }));
    expect(idOf(await caller().call('CreateTrafficMirrorSession', { ...base, ClientToken: 'tok-3' }))).toBe(
      first,
    );
  });

  it('a List answers at one instant: a session that goes while the page is built is shown as it was, never as gone', async () => {
    await caller().call('CreateTrafficMirrorSession', { ...base, ClientToken: 'tok-instant' });
    const [session] = emu.model.liveSessions();
    const at = clock.now();
    emu.model.changeByHand(session!.id, (x) => {
      x.deletingAt = at;
      x.goneAt = at + 1;
    });
    const page = emu.model.listSessions({ regionId: String(base.RegionId), maxResults: 10 }, at);
    clock.advance(1_000); // the page is turned into the answer after the session is gone
    expect(page.page.map((s) => sessionView(emu.model, s, at).TrafficMirrorSessionStatus)).toEqual([
      'Deleting',
    ]);
  });

  it('DryRun checks everything, creates nothing and does not use up the token', async () => {
    expect(
      await outcome(caller(), 'CreateTrafficMirrorSession', { ...base, DryRun: true, ClientToken: 'tok-4' }),
    ).toBe('DryRunOperation');
    expect(emu.model.liveSessions()).toHaveLength(0);
    expect(
      await outcome(caller(), 'CreateTrafficMirrorSession', { ...base, DryRun: true, Priority: 40000 }),
    ).toBe('IllegalParam.Priority');
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', { ...base, ClientToken: 'tok-4' })).toBe(
      'OK',
    );
  });

  it('applies the API defaults: Enabled false, PacketLength 1500, a random VNI, the default resource group', async () => {
    const id = idOf(await caller().call('CreateTrafficMirrorSession', base));
    const [s] = sessionsOf(
      await caller().call('ListTrafficMirrorSessions', {
        RegionId: 'cn-hangzhou',
        TrafficMirrorSessionIds: [id],
      }),
    );
    expect(field(s!, 'Enabled')).toBe(false);
    expect(field(s!, 'PacketLength')).toBe(1500);
    expect(field(s!, 'VirtualNetworkId')).toEqual(expect.any(Number));
    expect(field(s!, 'ResourceGroupId')).toBe('rg-acfmdefault');
  });

  it('is asynchronous: Creating, then Created after the creation delay (virtual seconds)', async () => {
    const id = idOf(await caller().call('CreateTrafficMirrorSession', base));
    const status = async () =>
      field(
        sessionsOf(
          await caller().call('ListTrafficMirrorSessions', {
            RegionId: 'cn-hangzhou',
            TrafficMirrorSessionIds: [id],
          }),
        )[0]!,
        'TrafficMirrorSessionStatus',
      );
    expect(await status()).toBe('Creating');
    clock.advance(demo.lifecycle.createSeconds.max * 1000 + 1);
    expect(await status()).toBe('Created');
  });

  it('deletes asynchronously: Deleting, then absent; deleting twice or too early is refused', async () => {
    const id = idOf(await caller().call('CreateTrafficMirrorSession', base));
    const del = { RegionId: 'cn-hangzhou', TrafficMirrorSessionId: id };
    expect(await outcome(caller(), 'DeleteTrafficMirrorSession', del)).toBe(
      'IncorrectStatus.TrafficMirrorSession',
    );
    clock.advance(31_000);
    expect(await outcome(caller(), 'DeleteTrafficMirrorSession', { ...del, DryRun: true })).toBe(
      'DryRunOperation',
    );
    expect(await outcome(caller(), 'DeleteTrafficMirrorSession', del)).toBe('OK');
    const listed = sessionsOf(await caller().call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' }));
    expect(field(listed[0]!, 'TrafficMirrorSessionStatus')).toBe('Deleting');
    expect(await outcome(caller(), 'DeleteTrafficMirrorSession', del)).toBe(
      'IncorrectStatus.TrafficMirrorSession',
    );
    clock.advance(11_000);
    expect(sessionsOf(await caller().call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' }))).toEqual(
      [],
    );
    expect(await outcome(caller(), 'DeleteTrafficMirrorSession', del)).toBe(
      'ResourceNotFound.TrafficMirrorSession',
    );
  });

  it('opens the service per region: Get says false, Open, Get says true, Open again → ORDER.OPEND', async () => {
    const get = async () => {
      const body = await caller().call('GetTrafficMirrorServiceStatus', { RegionId: 'cn-shanghai' });
      return body.Enabled ?? body.enabled;
    };
    expect(await get()).toBe(false);
    const shanghai = {
      ...base,
      RegionId: 'cn-shanghai',
      TrafficMirrorSourceIds: ['eni-sh1web01'],
      TrafficMirrorTargetId: 'eni-sh1ids01',
      TrafficMirrorFilterId: 'tmf-sh1all01',
    };
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', shanghai)).toBe(
      'OptInRequired.TrafficMirror',
    );
    expect(await outcome(caller(), 'OpenTrafficMirrorService', { RegionId: 'cn-shanghai' })).toBe('OK');
    expect(await get()).toBe(true);
    expect(await outcome(caller(), 'OpenTrafficMirrorService', { RegionId: 'cn-shanghai' })).toBe(
      'ORDER.OPEND',
    );
    expect(await outcome(caller(), 'CreateTrafficMirrorSession', shanghai)).toBe('OK');
  });
});

describe('ListTrafficMirrorSessions', () => {
  async function seedThree(caller: VpcCaller) {
    const ids = [];
    ids.push(
      idOf(
        await caller.call('CreateTrafficMirrorSession', {
          ...base,
          TrafficMirrorSessionName: 'one',
          Enabled: true,
          VirtualNetworkId: 7,
          Tag: [{ Key: 'team', Value: 'secops' }],
        }),
      ),
    );
    ids.push(
      idOf(
        await caller.call('CreateTrafficMirrorSession', {
          ...base,
          TrafficMirrorSourceIds: ['eni-bp1web02'],
          TrafficMirrorTargetType: 'SLB',
          TrafficMirrorTargetId: 'lb-bp1ndr01',
          TrafficMirrorFilterId: 'tmf-bp1http01',
          Priority: 20,
          ResourceGroupId: 'rg-other',
          Tag: [{ Key: 'team', Value: 'netops' }],
        }),
      ),
    );
    ids.push(
      idOf(
        await caller.call('CreateTrafficMirrorSession', {
          ...base,
          TrafficMirrorSourceIds: ['eni-bp1web03'],
          Priority: 30,
        }),
      ),
    );
    return ids;
  }

  it.each([0, 1])('filters by every documented field (client %#)', async (index) => {
    const caller = callers[index]!;
    const [a, b, c] = await seedThree(caller);
    const ids = async (filters: ApiRequest) =>
      sessionsOf(await caller.call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', ...filters })).map(
        (s) => field(s, 'TrafficMirrorSessionId'),
      );
    expect(await ids({})).toEqual([a, b, c]);
    expect(await ids({ TrafficMirrorSessionIds: [c, a, 'tms-unknown'] })).toEqual([a, c]);
    expect(await ids({ TrafficMirrorSourceId: 'eni-bp1web02' })).toEqual([b]);
    expect(await ids({ TrafficMirrorTargetId: 'eni-bp1ids01' })).toEqual([a, c]);
    expect(await ids({ TrafficMirrorFilterId: 'tmf-bp1http01' })).toEqual([b]);
    expect(await ids({ TrafficMirrorSessionName: 'one' })).toEqual([a]);
    expect(await ids({ VirtualNetworkId: 7 })).toEqual([a]);
    expect(await ids({ Priority: 30 })).toEqual([c]);
    expect(await ids({ Enabled: true })).toEqual([a]);
    expect(await ids({ Enabled: false })).toEqual([b, c]);
    expect(await ids({ ResourceGroupId: 'rg-other' })).toEqual([b]);
    expect(await ids({ Tags: [{ Key: 'team', Value: 'secops' }] })).toEqual([a]);
    expect(await ids({ Tags: [{ Key: 'team' }] })).toEqual([a, b]);
    expect(await ids({ RegionId: 'cn-shanghai' })).toEqual([]);
  });

  it('answers with the field names and types of the API page example', async () => {
    const pop = callers[0]!;
    await seedThree(pop);
    const body = await pop.call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', MaxResults: 1 });
    expect(Object.keys(body).sort()).toEqual([
      'NextToken',
      'RequestId',
      'TotalCount',
      'TrafficMirrorSessions',
    ]);
    expect(body.TotalCount).toBe(3);
    expect(typeof body.NextToken).toBe('string');
    const [s] = sessionsOf(body);
    expect(Object.keys(s!).sort()).toEqual(
      [
        'TrafficMirrorTargetId',
        'TrafficMirrorSessionId',
        'Priority',
        'TrafficMirrorTargetType',
        'PacketLength',
        'TrafficMirrorSessionDescription',
        'TrafficMirrorSessionStatus',
        'Enabled',
        'TrafficMirrorSessionBusinessStatus',
        'VirtualNetworkId',
        'TrafficMirrorFilterId',
        'TrafficMirrorSessionName',
        'TrafficMirrorSourceIds',
        'ResourceGroupId',
        'Tags',
        'CreationTime',
      ].sort(),
    );
    expect(s).toMatchObject({
      TrafficMirrorSessionId: expect.stringMatching(/^tms-[a-z0-9]{20}$/),
      Priority: expect.any(Number),
      Enabled: true,
      TrafficMirrorSourceIds: ['eni-bp1web01'],
      Tags: [{ Key: 'team', Value: 'secops' }],
      TrafficMirrorSessionBusinessStatus: 'Normal',
      CreationTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/),
    });
  });

  it('pages with MaxResults (default 10, 1–100) and an opaque NextToken, every session once', async () => {
    const pop = callers[0]!;
    const inventory = structuredClone(demo);
    inventory.quotas.sessionsPerSourceEni = 30;
    emu.model.setInventory(inventory);
    const created: string[] = [];
    for (let i = 0; i < 25; i++) {
      created.push(
        idOf(
          await pop.call('CreateTrafficMirrorSession', {
            ...base,
            Priority: 1000 + i,
            TrafficMirrorTargetType: 'SLB',
            TrafficMirrorTargetId: 'lb-bp1ndr01',
          }),
        ),
      );
    }
    const firstPage = await pop.call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' });
    expect(sessionsOf(firstPage)).toHaveLength(10);
    for (const caller of callers) {
      const seen: string[] = [];
      let token = '';
      do {
        const page = await caller.call('ListTrafficMirrorSessions', {
          RegionId: 'cn-hangzhou',
          MaxResults: 7,
          ...(token ? { NextToken: token } : {}),
        });
        seen.push(...sessionsOf(page).map((s) => field(s, 'TrafficMirrorSessionId') as string));
        token = (page.NextToken ?? page.nextToken) as string;
      } while (token);
      expect(seen).toEqual(created);
    }
    expect(await outcome(pop, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', MaxResults: 0 })).toBe(
      'InvalidParameter',
    );
    expect(
      await outcome(pop, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', MaxResults: 101 }),
    ).toBe('InvalidParameter');
    expect(
      await outcome(pop, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', MaxResults: 100 }),
    ).toBe('OK');
    const tooMany = Array.from({ length: 101 }, (_, i) => `tms-${i}`);
    expect(
      await outcome(pop, 'ListTrafficMirrorSessions', {
        RegionId: 'cn-hangzhou',
        TrafficMirrorSessionIds: tooMany,
      }),
    ).toBe('InvalidParameter');
  });

  it('requires RegionId', async () => {
    for (const caller of callers)
      expect(await outcome(caller, 'ListTrafficMirrorSessions', {})).toBe('MissingParameter');
  });
});

describe('authentication, like the cloud', () => {
  it('rejects a wrong secret and an unknown key, through both clients', async () => {
    for (const make of [popCoreCaller, sdkV3Caller]) {
      const wrong = make(emu.url, { ...LOCAL_ACCESS_KEY, accessKeySecret: 'not-the-secret' });
      expect(await outcome(wrong, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' })).toBe(
        'SignatureDoesNotMatch',
      );
      const unknown = make(emu.url, { accessKeyId: 'nobody-key-id', accessKeySecret: 'x' });
      expect(await outcome(unknown, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' })).toBe(
        'InvalidAccessKeyId.NotFound',
      );
    }
  });

  it('accepts STS credentials with their SecurityToken, and refuses them without the right token', async () => {
    for (const make of [popCoreCaller, sdkV3Caller]) {
      expect(
        await outcome(make(emu.url, LOCAL_STS), 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' }),
      ).toBe('OK');
      const badToken = make(emu.url, { ...LOCAL_STS, securityToken: 'forged-token' });
      expect(await outcome(badToken, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' })).toBe(
        'InvalidSecurityToken.Malformed',
      );
    }
  });

  it('rejects an unknown action', async () => {
    for (const caller of callers)
      expect(await outcome(caller, 'DescribeVpcs', { RegionId: 'cn-hangzhou' })).toBe(
        'InvalidAction.NotFound',
      );
  });

  it('logs which signature each call used', () => {
    const versions = new Set(emu.calls.map((c) => c.signatureVersion));
    expect(versions).toEqual(new Set(['v1', 'v3']));
  });
});
