/**
 * withdrawTicket() against the VPC emulator over HTTP (pop-core, STS-style keys as on FC), on a clock that
 * moves only when the test advances it: which sessions a ticket names (this deployment's, that ticket's, that
 * region's — one List with both tag filters), one delete each with its own token, a session already Deleting
 * counted but not deleted again, and the refusals that delete nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVpcClient, type VpcApi } from '../../functions/lib/cloud/vpcClient.js';
import { sessionDeleteToken } from '../../functions/lib/contract/clientToken.js';
import {
  ORIGIN_TAG_KEY,
  OWNERSHIP_TAG_KEY,
  TICKET_TAG_KEY,
} from '../../functions/lib/contract/sessionTags.js';
import { loadConfig } from '../../functions/lib/runtime/config.js';
import type { NamedSessionDeps } from '../../functions/lib/steps/namedSession.js';
import { type TicketWithdrawRequest, withdrawTicket } from '../../functions/lib/steps/withdrawTicket.js';
import { LOCAL_STS } from '../../infra/local/credentials.js';
import { startVpcEmulator, type VpcEmulator } from '../../infra/local/vpc/emulator.js';
import { type Inventory, loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import { ManualClock } from '../helpers/manualClock.js';

let emu: VpcEmulator;
let clock: ManualClock;
let vpc: VpcApi;
const demo: Inventory = loadInventoryFile();
demo.lifecycle.tokenProcessingMs = 0;
const deps: NamedSessionDeps = {
  vpcFor: () => vpc,
  config: loadConfig({}),
  retryHooks: { sleep: async () => {} },
};
const TOKEN = 'mf-wh-0123456789abcdef0123456789abcdef01234567';
const request: TicketWithdrawRequest = { RegionId: 'cn-hangzhou', Ticket: 'SEC-7' };
const fitsAll = () => true;

beforeAll(async () => {
  clock = new ManualClock();
  emu = await startVpcEmulator({ clock });
  vpc = createVpcClient({ regionId: 'cn-hangzhou', endpoint: emu.url, credentials: LOCAL_STS });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.model.reset(structuredClone(demo));
  emu.faults.set({ rules: [] });
});

/** A Created session mirroring `source`, with these owner and ticket tags. */
async function seed(
  source: string,
  owner: string,
  ticket: string,
  priority: number,
  origin = 'webhook',
): Promise<string> {
  const created = await vpc.createTrafficMirrorSession({
    RegionId: 'cn-hangzhou',
    TrafficMirrorSourceIds: [source],
    TrafficMirrorTargetId: 'eni-bp1ids01',
    TrafficMirrorTargetType: 'NetworkInterface',
    TrafficMirrorFilterId: 'tmf-bp1all01',
    Priority: priority,
    Enabled: true,
    Tag: [
      { Key: OWNERSHIP_TAG_KEY, Value: owner },
      { Key: TICKET_TAG_KEY, Value: ticket },
      { Key: ORIGIN_TAG_KEY, Value: origin },
    ],
  });
  return created.TrafficMirrorSessionId;
}
const deleteCalls = () => emu.calls.filter((c) => c.action === 'DeleteTrafficMirrorSession');
const statusOf = (id: string) => {
  const session = emu.model.liveSessions().find((s) => s.id === id);
  return session && emu.model.statusOf(session);
};

describe('withdrawTicket() against the VPC emulator', () => {
  it("deletes each of the ticket's sessions this deployment owns, with its own token; counts one already Deleting; a redelivery deletes nothing", async () => {
    const ours = [
      await seed('eni-bp1web01', 'mirrorflow', 'SEC-7', 101),
      await seed('eni-bp1web02', 'mirrorflow', 'SEC-7', 102),
    ];
    const foreign = await seed('eni-bp1web03', 'another-team', 'SEC-7', 103);
    const otherTicket = await seed('eni-bp1db01', 'mirrorflow', 'SEC-8', 104);
    // Reconcile keeps this one for a desired-state entry that carries the same ticket: not the ticket's to end.
    const desired = await seed('eni-bp1db02', 'mirrorflow', 'SEC-7', 106, 'reconcile.db02-to-ids');
    clock.advance(600_000); // all Created
    // Someone already deletes the second one (it stays Deleting: the clock does not move).
    await vpc.deleteTrafficMirrorSession({ RegionId: 'cn-hangzhou', TrafficMirrorSessionId: ours[1]! });
    const before = deleteCalls().length;

    const result = await withdrawTicket(request, TOKEN, deps, fitsAll);

    const sorted = [...ours].sort();
    expect(result).toEqual({
      outcome: 'Deleting',
      clientToken: TOKEN,
      request,
      sessions: sorted.map((id) => ({ sessionId: id, clientToken: sessionDeleteToken(TOKEN, id) })),
    });
    expect(new Set(sorted.map((id) => sessionDeleteToken(TOKEN, id))).size).toBe(2);
    expect(deleteCalls().length - before).toBe(1);
    expect(ours.map(statusOf)).toEqual(['Deleting', 'Deleting']);
    expect([statusOf(foreign), statusOf(otherTicket), statusOf(desired)]).toEqual([
      'Created',
      'Created',
      'Created',
    ]);
    // The look-up was one List filtered on both tags.
    const lists = emu.calls.filter((c) => c.action === 'ListTrafficMirrorSessions');
    expect(lists.at(-1)!.paramNames).toEqual(
      expect.arrayContaining(['Tags.1.Key', 'Tags.1.Value', 'Tags.2.Key', 'Tags.2.Value']),
    );

    expect(await withdrawTicket(request, TOKEN, deps, fitsAll)).toEqual(result);
    expect(deleteCalls().length - before).toBe(1);
  });

  it('no session of the ticket: Mirror.SessionNotFound, as a withdraw of an unknown ClientToken is answered', async () => {
    await seed('eni-bp1web01', 'another-team', 'SEC-7', 105);
    const before = deleteCalls().length;
    expect(await withdrawTicket(request, TOKEN, deps, fitsAll)).toEqual({
      outcome: 'Rejected',
      clientToken: TOKEN,
      request,
      sessionId: null,
      error: {
        code: 'Mirror.SessionNotFound',
        message: expect.stringMatching(/^no session of ticket SEC-7 exists in cn-hangzhou/),
        hint: expect.stringMatching(/mirrorflow sessions/),
        retryable: false,
      },
    });
    expect(deleteCalls()).toHaveLength(before);
  });

  it('more sessions than one execution can carry: Mirror.TooManySessions, and nothing deleted', async () => {
    await seed('eni-bp1web01', 'mirrorflow', 'SEC-7', 106);
    clock.advance(600_000);
    const before = deleteCalls().length;
    const result = await withdrawTicket(request, TOKEN, deps, () => false);
    expect(result).toMatchObject({ outcome: 'Rejected', error: { code: 'Mirror.TooManySessions' } });
    expect(deleteCalls()).toHaveLength(before);
  });
});
