/** Which flows an instance expects to look, by region: who may leave the grid (steps/lookRoster.ts). */
import { describe, expect, it } from 'vitest';
import { LookRoster, ROSTER_GRACE_MS } from '../../functions/lib/steps/lookRoster.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');

describe('the look roster', () => {
  it('takes a flow for alone when no other flow is expected in its regions; its own plan does not count', () => {
    const roster = new LookRoster();
    expect(roster.alone('a', ['cn-hangzhou'], T0)).toBe(true);
    roster.expect('a', ['cn-hangzhou'], T0 + 10_000, T0);
    expect(roster.alone('a', ['cn-hangzhou'], T0)).toBe(true);
    expect(roster.alone('b', ['cn-hangzhou'], T0)).toBe(false);
    // Another region's flows are no company: they never share a List call.
    expect(roster.alone('b', ['cn-shanghai'], T0)).toBe(true);
    // A flow in two regions has company if either has some.
    expect(roster.alone('b', ['cn-shanghai', 'cn-hangzhou'], T0)).toBe(false);
  });

  it('keeps a flow until a little after its planned look, and forgets it once it is done', () => {
    const roster = new LookRoster();
    roster.expect('a', ['cn-hangzhou'], T0 + 10_000, T0);
    expect(roster.alone('b', ['cn-hangzhou'], T0 + 10_000 + ROSTER_GRACE_MS)).toBe(false);
    expect(roster.alone('b', ['cn-hangzhou'], T0 + 10_000 + ROSTER_GRACE_MS + 1)).toBe(true);
    // A flow that never came back is dropped once another plans after its time: gone even for an earlier moment.
    roster.expect('c', ['cn-shanghai'], T0 + 30_000, T0 + 10_000 + ROSTER_GRACE_MS + 1);
    expect(roster.alone('b', ['cn-hangzhou'], T0)).toBe(true);

    roster.expect('a', ['cn-hangzhou'], T0 + 10_000, T0);
    roster.leave('a');
    expect(roster.alone('b', ['cn-hangzhou'], T0)).toBe(true);
  });

  it('moves a flow with its plan: a new plan replaces the regions and the time of the last', () => {
    const roster = new LookRoster();
    roster.expect('a', ['cn-hangzhou', 'cn-shanghai'], T0 + 10_000, T0);
    roster.expect('a', ['cn-shanghai'], T0 + 60_000, T0);
    expect(roster.alone('b', ['cn-hangzhou'], T0)).toBe(true);
    expect(roster.alone('b', ['cn-shanghai'], T0 + 60_000)).toBe(false);
  });
});
