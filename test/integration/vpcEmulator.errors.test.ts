/**
 * Every error code of the CreateTrafficMirrorSession and ListTrafficMirrorSessions pages, each raised by the
 * inventory state or request that causes it, through both real clients over HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREATE_SESSION_ERRORS } from '../../functions/lib/cloud/errorTable.js';
import { VirtualClock } from '../../infra/local/clock.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { VPC_ERRORS } from '../../infra/local/vpc/errors.js';
import { type Inventory, loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import {
  type ApiRequest,
  DEMO_CREATE_REQUEST,
  outcome,
  popCoreCaller,
  sdkV3Caller,
  type VpcCaller,
} from '../helpers/vpcClients.js';

let emu: VpcEmulator;
let callers: VpcCaller[];
const demo = loadInventoryFile();

beforeAll(async () => {
  emu = await startVpcEmulator({ clock: new VirtualClock(1000) });
  callers = [popCoreCaller(emu.url), sdkV3Caller(emu.url)];
});
afterAll(() => emu.close());

const base = DEMO_CREATE_REQUEST;
const ndr = { TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1ndr01' } as const;
/** Another session already mirroring to the NDR load balancer. */
const web02OnNdr: ApiRequest = { ...base, ...ndr, TrafficMirrorSourceIds: ['eni-bp1web02'], Priority: 1 };

type Setup = (inventory: Inventory) => void;
interface Scenario {
  code: string;
  request: ApiRequest;
  setup?: Setup;
  /** Sessions that exist before the request (created through the model, with the demo inventory rules). */
  existing?: ApiRequest[];
}

const scenarios: Scenario[] = [
  {
    code: 'IncorrectBusinessStatus.TrafficMirror',
    request: base,
    setup: (i) => {
      i.businessStatus = 'FinancialLocked';
    },
  },
  {
    code: 'OptInRequired.TrafficMirror',
    request: {
      ...base,
      RegionId: 'cn-shanghai',
      TrafficMirrorSourceIds: ['eni-sh1web01'],
      TrafficMirrorTargetId: 'eni-sh1ids01',
      TrafficMirrorFilterId: 'tmf-sh1all01',
    },
  },
  {
    code: 'DuplicatedParam.SourceInstanceIds',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1web01', 'eni-bp1web01'] },
  },
  { code: 'OperationDenied.DuplicateRole', request: { ...base, TrafficMirrorTargetId: 'eni-bp1web01' } },
  {
    code: 'OperationDenied.DuplicateRole',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1ids01'], TrafficMirrorTargetId: 'eni-bp1app01' },
    existing: [{ ...base, Priority: 1 }],
  },
  {
    code: 'ResourceNotFound.NetworkInterface',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1nope01'] },
  },
  { code: 'ResourceNotFound.EcsInstance', request: { ...base, TrafficMirrorSourceIds: ['eni-bp1orphan01'] } },
  {
    code: 'ResourceNotFound.Slb',
    request: { ...base, TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1nope01' },
  },
  {
    code: 'OperationDenied.SlbNotInVpc',
    request: { ...base, TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1public01' },
  },
  {
    code: 'ResourceNotFound.TrafficMirrorFilter',
    request: { ...base, TrafficMirrorFilterId: 'tmf-bp1nope01' },
  },
  {
    code: 'IncorrectStatus.TrafficMirrorFilter',
    request: { ...base, TrafficMirrorFilterId: 'tmf-bp1new01' },
  },
  {
    code: 'OperationDenied.EcsNotSupportTrafficMirror',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1legacy01'] },
  },
  {
    code: 'QuotaExceeded.SessionNum',
    request: base,
    setup: (i) => {
      i.quotas.sessionsPerRegion = 1;
    },
    existing: [{ ...base, TrafficMirrorSourceIds: ['eni-bp1web02'], Priority: 1 }],
  },
  {
    code: 'QuotaExceeded.FilterRelatedSession',
    request: base,
    setup: (i) => {
      i.quotas.sessionsPerFilter = 1;
    },
    existing: [{ ...base, TrafficMirrorSourceIds: ['eni-bp1web02'], Priority: 1 }],
  },
  {
    code: 'QuotaExceeded.SourceNumPerSession',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1web01', 'eni-bp1web02'] },
    setup: (i) => {
      i.quotas.sourcesPerSession = 1;
    },
  },
  {
    code: 'QuotaExceeded.NetworkInterfaceRelatedSession',
    request: { ...base, TrafficMirrorTargetId: 'eni-bp1db02', Priority: 4 },
    existing: [
      { ...base, Priority: 1 },
      { ...base, TrafficMirrorTargetId: 'eni-bp1app01', Priority: 2 },
      { ...base, TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1ndr01', Priority: 3 },
    ],
  },
  {
    code: 'QuotaExceeded.SlbRelatedSession',
    request: { ...base, ...ndr },
    setup: (i) => {
      i.quotas.sessionsPerSlbTarget = 1;
    },
    existing: [web02OnNdr],
  },
  { code: 'UnsupportedRegion', request: { ...base, RegionId: 'ap-south-1' } },
  { code: 'UnsupportedRegion', request: { ...base, RegionId: 'xx-nowhere-1' } },
  {
    code: 'InvalidLoadBalancerId.NotFound',
    request: { ...base, TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-sh1ndr01' },
  },
  {
    code: 'OperationDenied.FreeNetworkInterface',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1free01'] },
  },
  {
    code: 'OperationDenied.ClassicSLB',
    request: { ...base, TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1classic01' },
  },
  { code: 'ResourceNotFound.TargetInstance', request: { ...base, TrafficMirrorTargetId: 'eni-bp1nope02' } },
  {
    code: 'QuotaExceeded.SourceNumPerTarget',
    request: {
      ...base,
      TrafficMirrorSourceIds: ['eni-bp1web01', 'eni-bp1web02'],
      TrafficMirrorTargetId: 'eni-bp1app01',
    },
    setup: (i) => {
      i.quotas.sourcesPerSmallEcsTarget = 1;
    },
  },
  {
    code: 'QuotaExceeded.SourceNumPerTarget',
    request: { ...base, ...ndr },
    setup: (i) => {
      i.quotas.sourcesPerSlbTarget = 1;
    },
    existing: [web02OnNdr],
  },
  {
    code: 'IncorrectStatus.NetworkInterface',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1busy01'] },
  },
  {
    code: 'OperationFailed.NotSupportBizType',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1managed01'] },
  },
  {
    code: 'IllegalParam.Priority',
    request: base,
    existing: [{ ...base, TrafficMirrorSourceIds: ['eni-bp1web02'] }],
  },
  { code: 'IllegalParam.Priority', request: { ...base, Priority: 40000 } },
  {
    code: 'OperationDenied.UnsupportedTargetType',
    request: { ...base, TrafficMirrorSourceIds: ['eni-bp1natgw01'] },
  },
  // Platform codes the emulator raises from the request itself.
  { code: 'MissingParameter', request: { ...base, Priority: undefined } },
  { code: 'MissingParameter', request: { ...base, TrafficMirrorSourceIds: [] } },
  { code: 'InvalidParameter', request: { ...base, TrafficMirrorTargetType: 'Gwlb' } },
  { code: 'InvalidParameter', request: { ...base, PacketLength: 9601 } },
  { code: 'InvalidParameter', request: { ...base, TrafficMirrorSessionName: 'https://x' } },
  { code: 'InvalidParameter', request: { ...base, Tag: [{ Key: 'acs:x', Value: 'v' }] } },
  { code: 'DryRunOperation', request: { ...base, DryRun: true } },
];

async function prepare(scenario: Scenario): Promise<void> {
  const inventory = structuredClone(demo);
  scenario.setup?.(inventory);
  emu.model.reset(structuredClone(demo));
  // Existing sessions are created under the demo inventory, then the scenario's inventory applies.
  const seeder = popCoreCaller(emu.url);
  for (const request of scenario.existing ?? []) {
    await seeder.call('CreateTrafficMirrorSession', request);
  }
  emu.model.setInventory(inventory);
}

describe('CreateTrafficMirrorSession error codes, through both clients', () => {
  beforeEach(() => emu.faults.set({ rules: [] }));
  for (const scenario of scenarios) {
    it(`${scenario.code} ← ${describeScenario(scenario)}`, async () => {
      for (const caller of callers) {
        await prepare(scenario);
        const before = emu.model.liveSessions().length;
        expect(await outcome(caller, 'CreateTrafficMirrorSession', scenario.request), caller.name).toBe(
          scenario.code,
        );
        expect(emu.model.liveSessions().length, `${caller.name}: a failed create must change nothing`).toBe(
          before,
        );
      }
    });
  }

  it('covers all 26 codes of the API page', () => {
    const covered = new Set(scenarios.map((s) => s.code));
    for (const code of Object.keys(CREATE_SESSION_ERRORS)) expect(covered, code).toContain(code);
    expect(Object.keys(CREATE_SESSION_ERRORS)).toHaveLength(26);
  });

  it("answers each code with the HTTP status of the emulator's own table (400 for every code of the page)", () => {
    const answered = emu.calls.filter((c) => c.action === 'CreateTrafficMirrorSession' && c.code !== 'OK');
    expect(new Set(answered.map((c) => c.code)).size).toBe(29); // the 26 of the page, MissingParameter, InvalidParameter, DryRunOperation
    for (const call of answered) {
      const row = VPC_ERRORS[call.code as keyof typeof VPC_ERRORS];
      expect(row, call.code).toBeDefined();
      expect(call.httpStatus, call.code).toBe(row.httpStatus);
    }
    for (const code of Object.keys(CREATE_SESSION_ERRORS)) {
      expect(VPC_ERRORS[code as keyof typeof VPC_ERRORS], code).toMatchObject({ httpStatus: 400 });
    }
  });
});

function describeScenario(s: Scenario): string {
  const diff = Object.entries(s.request)
    .filter(([k, v]) => JSON.stringify(base[k]) !== JSON.stringify(v))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return (
    [...diff, s.setup ? 'inventory changed' : '', s.existing ? `${s.existing.length} existing` : '']
      .filter(Boolean)
      .join(', ') || 'the base request'
  );
}

describe('ListTrafficMirrorSessions error code, through both clients', () => {
  it('IllegalParam.NextToken for a token that is garbage, altered, or from other filters', async () => {
    emu.model.reset(structuredClone(demo));
    const pop = popCoreCaller(emu.url);
    for (const [i, source] of ['eni-bp1web01', 'eni-bp1web02', 'eni-bp1web03'].entries()) {
      await pop.call('CreateTrafficMirrorSession', {
        ...base,
        TrafficMirrorSourceIds: [source],
        Priority: 100 + i,
      });
    }
    const first = (await pop.call('ListTrafficMirrorSessions', {
      RegionId: 'cn-hangzhou',
      MaxResults: 1,
    })) as { NextToken: string };
    expect(first.NextToken).not.toBe('');
    const altered = `${first.NextToken.slice(0, -2)}xx`;
    for (const caller of callers) {
      expect(
        await outcome(caller, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', NextToken: 'garbage' }),
        caller.name,
      ).toBe('IllegalParam.NextToken');
      expect(
        await outcome(caller, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', NextToken: altered }),
      ).toBe('IllegalParam.NextToken');
      expect(
        await outcome(caller, 'ListTrafficMirrorSessions', {
          RegionId: 'cn-hangzhou',
          TrafficMirrorFilterId: 'tmf-bp1all01',
          NextToken: first.NextToken,
        }),
      ).toBe('IllegalParam.NextToken');
      expect(
        await outcome(caller, 'ListTrafficMirrorSessions', {
          RegionId: 'cn-hangzhou',
          MaxResults: 1,
          NextToken: first.NextToken,
        }),
      ).toBe('OK');
    }
  });
});
