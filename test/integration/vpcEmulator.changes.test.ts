/**
 * The operations that change a session — Update, Add/Remove sources, Delete — through both real clients over
 * HTTP, on a clock that moves only when the test advances it: `Modifying` → `Created`, `Deleting` → gone, one
 * change at a time, ClientToken and DryRun, and the rules on filters, targets, sources and priorities.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { type Inventory, loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import { ManualClock } from '../helpers/manualClock.js';
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
/** The demo world with exact, short transitions: Creating 10 s, Modifying 3 s, Deleting 4 s. */
const world: Inventory = loadInventoryFile();
world.lifecycle.tokenProcessingMs = 0;
world.lifecycle.createSeconds = { min: 10, max: 10 };
world.lifecycle.modifySeconds = { min: 3, max: 3 };
world.lifecycle.deleteSeconds = { min: 4, max: 4 };

beforeAll(async () => {
  clock = new ManualClock();
  emu = await startVpcEmulator({ clock });
  callers = [popCoreCaller(emu.url), sdkV3Caller(emu.url)];
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.model.reset(structuredClone(world));
  emu.faults.set({ rules: [] });
});

const field = (s: Record<string, unknown>, name: string) =>
  s[name] ?? s[name.charAt(0).toLowerCase() + name.slice(1)];

describe.each([0, 1])('through client %#', (index) => {
  const caller = () => callers[index]!;
  const region = { RegionId: 'cn-hangzhou' };

  async function createdSession(request: ApiRequest = DEMO_CREATE_REQUEST): Promise<string> {
    const body = await caller().call('CreateTrafficMirrorSession', request);
    clock.advance(10_000);
    return String(field(body, 'TrafficMirrorSessionId'));
  }
  async function listed(id: string): Promise<Record<string, unknown> | undefined> {
    const body = await caller().call('ListTrafficMirrorSessions', {
      ...region,
      TrafficMirrorSessionIds: [id],
    });
    return (field(body, 'TrafficMirrorSessions') as Record<string, unknown>[])[0];
  }
  const change = (action: string, id: string, extra: ApiRequest = {}) =>
    outcome(caller(), action, { ...region, TrafficMirrorSessionId: id, ...extra });

  it('Update changes the attributes at once, is Modifying for a while, then Created', async () => {
    const id = await createdSession();
    const update = {
      TrafficMirrorFilterId: 'tmf-bp1http01',
      Priority: 42,
      Enabled: true,
      TrafficMirrorSessionName: 'renamed',
      PacketLength: 8500,
    };
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, update)).toBe('OK');
    const during = (await listed(id))!;
    expect(field(during, 'TrafficMirrorSessionStatus')).toBe('Modifying');
    expect(field(during, 'TrafficMirrorFilterId')).toBe('tmf-bp1http01');
    expect(field(during, 'Priority')).toBe(42);
    expect(field(during, 'Enabled')).toBe(true);
    expect(field(during, 'TrafficMirrorSessionName')).toBe('renamed');
    expect(field(during, 'PacketLength')).toBe(8500);
    clock.advance(3_000);
    expect(field((await listed(id))!, 'TrafficMirrorSessionStatus')).toBe('Created');
  });

  it('one change at a time: a session that is Creating, Modifying or Deleting refuses changes', async () => {
    const body = await caller().call('CreateTrafficMirrorSession', DEMO_CREATE_REQUEST);
    const id = String(field(body, 'TrafficMirrorSessionId'));
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, { Enabled: true })).toBe(
      'IncorrectStatus.TrafficMirrorSession',
    );
    clock.advance(10_000);
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, { Enabled: true })).toBe('OK');
    expect(await change('DeleteTrafficMirrorSession', id)).toBe('IncorrectStatus.TrafficMirrorSession');
    expect(
      await change('AddSourcesToTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1web02'] }),
    ).toBe('IncorrectStatus.TrafficMirrorSession');
    clock.advance(3_000);
    expect(await change('DeleteTrafficMirrorSession', id)).toBe('OK');
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, { Enabled: false })).toBe(
      'IncorrectStatus.TrafficMirrorSession',
    );
  });

  it('Delete: Deleting, then gone from List; a session that does not exist is ResourceNotFound', async () => {
    const id = await createdSession();
    expect(await change('DeleteTrafficMirrorSession', id)).toBe('OK');
    expect(field((await listed(id))!, 'TrafficMirrorSessionStatus')).toBe('Deleting');
    clock.advance(4_000);
    expect(await listed(id)).toBeUndefined();
    expect(await change('DeleteTrafficMirrorSession', id)).toBe('ResourceNotFound.TrafficMirrorSession');
    expect(await change('UpdateTrafficMirrorSessionAttribute', 'tms-nope', { Enabled: true })).toBe(
      'ResourceNotFound.TrafficMirrorSession',
    );
  });

  it('ClientToken: the first answer again (a failure too); other parameters → IdempotentParameterMismatch', async () => {
    const id = await createdSession();
    const other = await createdSession({
      ...DEMO_CREATE_REQUEST,
      TrafficMirrorSourceIds: ['eni-bp1web02'],
      Priority: 20,
    });
    // The priority is the other session's: refused, and the token keeps that answer even once it is free.
    const taken = { Priority: 20, ClientToken: 'upd-1' };
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, taken)).toBe('IllegalParam.Priority');
    expect(await change('DeleteTrafficMirrorSession', other)).toBe('OK');
    clock.advance(4_000);
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, taken)).toBe('IllegalParam.Priority');
    expect(
      await change('UpdateTrafficMirrorSessionAttribute', id, { Priority: 21, ClientToken: 'upd-1' }),
    ).toBe('IdempotentParameterMismatch');
    // A token that succeeded answers OK again without a second change (the session stays Created).
    expect(
      await change('UpdateTrafficMirrorSessionAttribute', id, { Priority: 20, ClientToken: 'upd-2' }),
    ).toBe('OK');
    clock.advance(3_000);
    expect(
      await change('UpdateTrafficMirrorSessionAttribute', id, { Priority: 20, ClientToken: 'upd-2' }),
    ).toBe('OK');
    expect(field((await listed(id))!, 'TrafficMirrorSessionStatus')).toBe('Created');
  });

  it('DryRun checks everything and changes nothing', async () => {
    const id = await createdSession();
    expect(await change('UpdateTrafficMirrorSessionAttribute', id, { Enabled: true, DryRun: true })).toBe(
      'DryRunOperation',
    );
    expect(await change('DeleteTrafficMirrorSession', id, { DryRun: true })).toBe('DryRunOperation');
    const after = (await listed(id))!;
    expect(field(after, 'TrafficMirrorSessionStatus')).toBe('Created');
    expect(field(after, 'Enabled')).toBe(false);
    expect(
      await change('UpdateTrafficMirrorSessionAttribute', id, {
        TrafficMirrorFilterId: 'tmf-nope',
        DryRun: true,
      }),
    ).toBe('ResourceNotFound.TrafficMirrorFilter');
  });

  it('Add and Remove sources: Modifying, then the new sources; the rules of sources and quotas hold', async () => {
    const id = await createdSession();
    expect(
      await change('AddSourcesToTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1web02'] }),
    ).toBe('OK');
    expect(field((await listed(id))!, 'TrafficMirrorSourceIds')).toEqual(['eni-bp1web01', 'eni-bp1web02']);
    clock.advance(3_000);
    expect(
      await change('AddSourcesToTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1web02'] }),
    ).toBe('DuplicatedParam.SourceInstanceIds');
    expect(
      await change('AddSourcesToTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1nope01'] }),
    ).toBe('ResourceNotFound.NetworkInterface');
    // The target cannot also be a source.
    expect(
      await change('AddSourcesToTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1ids01'] }),
    ).toBe('OperationDenied.DuplicateRole');
    expect(
      await change('RemoveSourcesFromTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1web01'] }),
    ).toBe('OK');
    clock.advance(3_000);
    expect(field((await listed(id))!, 'TrafficMirrorSourceIds')).toEqual(['eni-bp1web02']);
    expect(
      await change('RemoveSourcesFromTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1web03'] }),
    ).toBe('InvalidParameter');
    expect(
      await change('RemoveSourcesFromTrafficMirrorSession', id, { TrafficMirrorSourceIds: ['eni-bp1web02'] }),
    ).toBe('InvalidParameter');
  });

  it('Add respects the sources-per-session quota', async () => {
    const inventory = structuredClone(world);
    inventory.quotas.sourcesPerSession = 2;
    emu.model.setInventory(inventory);
    const id = await createdSession();
    expect(
      await change('AddSourcesToTrafficMirrorSession', id, {
        TrafficMirrorSourceIds: ['eni-bp1web02', 'eni-bp1web03'],
      }),
    ).toBe('QuotaExceeded.SourceNumPerSession');
    expect(field((await listed(id))!, 'TrafficMirrorSourceIds')).toEqual(['eni-bp1web01']);
  });
});
