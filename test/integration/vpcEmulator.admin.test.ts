/**
 * The emulator's admin API (inventory, faults, calls, sessions, reset, time) and its state file, on a clock
 * that moves only when a test advances it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import { ManualClock } from '../helpers/manualClock.js';
import { DEMO_CREATE_REQUEST, outcome, popCoreCaller, sdkV3Caller } from '../helpers/vpcClients.js';

let emu: VpcEmulator;
let clock: ManualClock;
const demo = loadInventoryFile();
/** The demo world, answering Creates at once (processing time would wait for the test's clock). */
const instant = structuredClone(demo);
instant.lifecycle.tokenProcessingMs = 0;
const base = DEMO_CREATE_REQUEST;

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.adminUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  clock = new ManualClock();
  emu = await startVpcEmulator({ clock, inventory: instant });
});
afterAll(() => emu.close());
beforeEach(async () => {
  expect((await admin('POST', '/reset')).status).toBe(200);
});

describe('admin API', () => {
  it('reads and replaces the inventory, refusing an invalid one with the problems', async () => {
    const got = await admin('GET', '/inventory');
    expect(got.body).toMatchObject({
      accountId: demo.accountId,
      regions: { 'cn-hangzhou': { serviceOpened: true } },
    });
    const changed = structuredClone(instant);
    changed.networkInterfaces = changed.networkInterfaces.filter((e) => e.id !== 'eni-bp1web01');
    expect((await admin('POST', '/inventory', changed)).status).toBe(200);
    expect(await outcome(popCoreCaller(emu.url), 'CreateTrafficMirrorSession', base)).toBe(
      'ResourceNotFound.NetworkInterface',
    );
    const bad = await admin('POST', '/inventory', {
      networkInterfaces: [{ id: 'nic-1', regionId: 'x' }],
      surprise: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'networkInterfaces[0].id' }),
        { path: 'surprise', rule: 'is not a known field' },
      ]),
    );
  });

  it('injects throttling with the platform codes, only on the action named', async () => {
    await admin('POST', '/faults', { rules: [{ action: 'CreateTrafficMirrorSession', throttleRate: 1 }] });
    for (const caller of [popCoreCaller(emu.url), sdkV3Caller(emu.url)]) {
      expect(await outcome(caller, 'CreateTrafficMirrorSession', base)).toMatch(
        /^Throttling(\.User|\.Api)?$/,
      );
      expect(await outcome(caller, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' })).toBe('OK');
    }
    expect(emu.model.liveSessions()).toHaveLength(0);
  });

  it('injects 5xx before the action (nothing created) and lost responses after it (created, client sees 500)', async () => {
    const pop = popCoreCaller(emu.url);
    await admin('POST', '/faults', { rules: [{ serverErrorRate: 1 }] });
    expect(await outcome(pop, 'CreateTrafficMirrorSession', base)).toMatch(
      /^(ServiceUnavailable|InternalError)$/,
    );
    expect(emu.model.liveSessions()).toHaveLength(0);
    await admin('POST', '/faults', {
      rules: [{ action: 'CreateTrafficMirrorSession', lostResponseRate: 1 }],
    });
    expect(await outcome(pop, 'CreateTrafficMirrorSession', { ...base, ClientToken: 'lost-1' })).toBe(
      'InternalError',
    );
    expect(emu.model.liveSessions()).toHaveLength(1);
    await admin('POST', '/faults', { rules: [] });
    clock.advance(1000);
    // The retry with the same token finds the session the lost answer was about.
    const body = await pop.call('CreateTrafficMirrorSession', { ...base, ClientToken: 'lost-1' });
    expect(body.TrafficMirrorSessionId).toBe(emu.model.liveSessions()[0]!.id);
  });

  it('adds latency in real milliseconds', async () => {
    await admin('POST', '/faults', { rules: [{ action: 'ListTrafficMirrorSessions', latencyMs: 120 }] });
    const started = Date.now();
    await popCoreCaller(emu.url).call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('makes sessions stick in Creating, or vanish', async () => {
    const pop = popCoreCaller(emu.url);
    await admin('POST', '/faults', { rules: [{ stuckInCreatingRate: 1 }] });
    await pop.call('CreateTrafficMirrorSession', base);
    clock.advance(3_600_000);
    const stuck = (await admin('GET', '/sessions')).body.sessions as Record<string, unknown>[];
    expect(stuck[0]).toMatchObject({ TrafficMirrorSessionStatus: 'Creating', _stuckInCreating: true });

    await admin('POST', '/reset');
    await admin('POST', '/faults', { rules: [{ vanishRate: 1, vanishAfterSeconds: { min: 50, max: 50 } }] });
    await pop.call('CreateTrafficMirrorSession', base);
    clock.advance(49_000);
    expect(((await admin('GET', '/sessions')).body.sessions as unknown[]).length).toBe(1);
    clock.advance(2_000);
    expect(((await admin('GET', '/sessions')).body.sessions as unknown[]).length).toBe(0);
  });

  it('takes a fault seed: the same seed faults the same calls again', async () => {
    const pop = popCoreCaller(emu.url);
    const run = async () => {
      expect((await admin('POST', '/faults', { seed: 5, rules: [{ throttleRate: 0.5 }] })).status).toBe(200);
      const codes: string[] = [];
      for (let i = 0; i < 20; i++)
        codes.push(
          await outcome(pop, 'ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou', MaxResults: i + 1 }),
        );
      return codes;
    };
    const first = await run();
    expect(first).toContain('OK');
    expect(first.some((c) => c.startsWith('Throttling'))).toBe(true);
    expect(await run()).toEqual(first);
    expect((await admin('GET', '/faults')).body).toMatchObject({ seed: 5 });
  });

  it('refuses invalid faults with the problems', async () => {
    const bad = await admin('POST', '/faults', { rules: [{ throttleRate: 2 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.objectContaining({ path: 'rules[0].throttleRate' })]);
  });

  it('keeps a call log with time, action, code and duration', async () => {
    const pop = popCoreCaller(emu.url);
    await pop.call('CreateTrafficMirrorSession', base);
    await outcome(pop, 'CreateTrafficMirrorSession', base);
    const { body } = await admin('GET', '/calls?action=CreateTrafficMirrorSession');
    const calls = body.calls as Record<string, unknown>[];
    expect(calls.map((c) => c.code)).toEqual(['OK', 'IllegalParam.Priority']);
    expect(calls[0]).toMatchObject({
      action: 'CreateTrafficMirrorSession',
      httpStatus: 200,
      durationMs: expect.any(Number),
      time: expect.any(String),
    });
  });

  it('lists sessions with their internals, and resets everything', async () => {
    await popCoreCaller(emu.url).call('CreateTrafficMirrorSession', { ...base, ClientToken: 'adm-1' });
    const { body } = await admin('GET', '/sessions');
    expect(body.sessions).toEqual([
      expect.objectContaining({
        _clientToken: 'adm-1',
        RegionId: 'cn-hangzhou',
        _readyAt: expect.any(String),
      }),
    ]);
    await admin('POST', '/reset');
    expect((await admin('GET', '/sessions')).body.sessions).toEqual([]);
    expect((await admin('GET', '/calls')).body.calls).toEqual([]);
  });

  it('tells and advances virtual time', async () => {
    const before = Date.parse((await admin('GET', '/time')).body.now as string);
    const after = Date.parse((await admin('POST', '/time', { advanceSeconds: 3600 })).body.now as string);
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await admin('POST', '/time', { advanceSeconds: -1 })).status).toBe(400);
    // Past any date the clock can hold: refused, and the clock still tells the time.
    expect((await admin('POST', '/time', { advanceSeconds: 1e300 })).status).toBe(400);
    expect((await admin('GET', '/time')).status).toBe(200);
  });

  it('answers unknown admin routes with 404', async () => {
    expect((await admin('GET', '/nothing')).status).toBe(404);
  });
});

describe('state file', () => {
  it('keeps sessions and tokens between runs, with their remaining creation time', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'mf-state-')), 'vpc.json');
    const first = await startVpcEmulator({ clock: new ManualClock(), inventory: instant, stateFile });
    const id = (
      await popCoreCaller(first.url).call('CreateTrafficMirrorSession', { ...base, ClientToken: 'persist-1' })
    ).TrafficMirrorSessionId;
    await first.close();

    const secondClock = new ManualClock();
    const second = await startVpcEmulator({ clock: secondClock, inventory: instant, stateFile });
    const pop = popCoreCaller(second.url);
    const list = await pop.call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' });
    expect(
      (
        list.TrafficMirrorSessions as { TrafficMirrorSessionId: string; TrafficMirrorSessionStatus: string }[]
      )[0],
    ).toMatchObject({
      TrafficMirrorSessionId: id,
      TrafficMirrorSessionStatus: 'Creating',
    });
    secondClock.advance(1000);
    expect(
      (await pop.call('CreateTrafficMirrorSession', { ...base, ClientToken: 'persist-1' }))
        .TrafficMirrorSessionId,
    ).toBe(id);
    secondClock.advance(31_000);
    const later = await pop.call('ListTrafficMirrorSessions', { RegionId: 'cn-hangzhou' });
    expect(
      (later.TrafficMirrorSessions as { TrafficMirrorSessionStatus: string }[])[0]!
        .TrafficMirrorSessionStatus,
    ).toBe('Created');
    await second.close();
  });
});
