/** The grid shared looks fall on (steps/pollSchedule.ts) and the List calls they share (steps/sharedLookups.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import type { TrafficMirrorSession } from '../../functions/lib/cloud/vpcClient.js';
import {
  ALIGN_MAX_SLEEP_MS,
  EMIT_ALLOWANCE_SECONDS,
  gridSeconds,
  LAG_SHARE,
  lookIntervalSeconds,
  lookTimeOnArrival,
  nextLookAt,
  waitSecondsUntil,
} from '../../functions/lib/steps/pollSchedule.js';
import { type ListByIds, SharedLookups } from '../../functions/lib/steps/sharedLookups.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');

/** A job started `offset` ms past T0 looks `elapsedMs` in: when it plans its next look (5-s first delay, 20-s cap). */
function lookAfter(elapsedMs: number, offset: number, alone?: boolean) {
  const started = T0 + offset;
  const last = started + elapsedMs;
  const next = nextLookAt({
    lastLookMs: last,
    startedAtMs: started,
    deadlineMs: started + 900_000,
    firstDelaySeconds: 5,
    maxDelaySeconds: 20,
    ...(alone ? { alone } : {}),
  });
  return { started, last, next };
}

describe('the grid of shared looks', () => {
  it('spaces ticks by the largest 2^k or 3·2^k seconds within the interval', () => {
    const intervals = [0.5, 1, 1.9, 2, 2.9, 3, 3.9, 4, 5.9, 6, 7.9, 8, 11.9, 12, 16, 23.9, 24];
    expect(intervals.map(gridSeconds)).toEqual([1, 1, 1, 2, 2, 3, 3, 4, 4, 6, 6, 8, 8, 12, 16, 16, 24]);
  });

  it('puts the next look on its grid, after the last one and within the lag bound less the margin', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5_000, max: 600_000 }),
        fc.integer({ min: 0, max: 999 }),
        (elapsedMs, offset) => {
          const { last, next } = lookAfter(elapsedMs, offset);
          const interval = lookIntervalSeconds(elapsedMs / 1000, 20);
          expect(next).toBeGreaterThan(last);
          expect(next - last).toBeLessThanOrEqual(interval * 1000);
          // A session Created just after the last look is seen at this one: within 0.15 × e + 2 s.
          expect(next - last).toBeLessThanOrEqual(LAG_SHARE * elapsedMs + 2000);
          expect(next % (gridSeconds(interval) * 1000)).toBe(0);
        },
      ),
    );
  });

  it('plans the first look for the last tick that sees a session Created at the shortest creation time in bound, and none past the deadline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 1, max: 60 }), (offset, first) => {
        const started = T0 + offset;
        const look = nextLookAt({
          lastLookMs: started,
          startedAtMs: started,
          deadlineMs: started + 900_000,
          firstDelaySeconds: first,
          maxDelaySeconds: 20,
        });
        const interval = lookIntervalSeconds(first, 20);
        // Not before a session can be Created; one Created at `first` is seen within the bound less the margin…
        expect(look).toBeGreaterThan(started + first * 1000);
        expect(look - (started + first * 1000)).toBeLessThanOrEqual(interval * 1000);
        // …on the grid, and no tick of it is left unused before the look.
        const gridMs = gridSeconds(interval) * 1000;
        expect(look % gridMs).toBe(0);
        expect(look + gridMs - (started + first * 1000)).toBeGreaterThan(interval * 1000);
      }),
    );
    const first = nextLookAt({
      lastLookMs: T0 + 300,
      startedAtMs: T0 + 300,
      deadlineMs: T0 + 900_000,
      firstDelaySeconds: 5,
      maxDelaySeconds: 20,
    });
    // Due by 5.3 + 2.25 s (the 2.25-s interval at 5 s has a 2-s grid): the 2-s tick before, at 6 s.
    expect(first).toBe(T0 + 6_000);
    const late = nextLookAt({
      lastLookMs: T0 + 100_000,
      startedAtMs: T0,
      deadlineMs: T0 + 101_000,
      firstDelaySeconds: 5,
      maxDelaySeconds: 20,
    });
    expect(late).toBe(T0 + 101_000);
  });

  it('looks as late as the bound allows for a flow alone, off the grid and with only the emit allowance kept', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 0, max: 999 }),
        (elapsedMs, offset) => {
          const { started, last, next } = lookAfter(elapsedMs, offset, true);
          // Before 5 s nothing can be Created: the bound runs from then.
          const from = Math.max(last, started + 5_000);
          const elapsed = (from - started) / 1000;
          const bound = Math.min(LAG_SHARE * elapsed + 2, 20 + EMIT_ALLOWANCE_SECONDS);
          // In whole milliseconds, rounded down.
          const allowed = (bound - EMIT_ALLOWANCE_SECONDS) * 1000;
          expect(next - from).toBeLessThanOrEqual(allowed + 1e-6);
          expect(next - from).toBeGreaterThan(allowed - 1);
        },
      ),
    );
  });

  it('takes a lone session created in 60 s to its Ready in 11 looks alone, where the grid takes 14 or more', () => {
    const looksUntil = (readyAfterMs: number, alone: boolean) => {
      const started = T0 + 137;
      let look = started;
      let looks = 0;
      while (look < started + readyAfterMs) {
        look = nextLookAt({
          lastLookMs: look,
          startedAtMs: started,
          deadlineMs: started + 900_000,
          firstDelaySeconds: 5,
          maxDelaySeconds: 20,
          ...(alone ? { alone } : {}),
        });
        looks++;
      }
      return looks;
    };
    expect(looksUntil(60_000, true)).toBe(11);
    // With room to spare: a creation a few seconds longer still takes 11.
    expect(looksUntil(63_000, true)).toBe(11);
    // The grid's ticks come sooner than the bound requires: 14 or 15 looks, by the start's phase.
    expect(looksUntil(60_000, false)).toBeGreaterThanOrEqual(14);
  });

  it('lets sessions at different stages meet: each tick of the coarser grid is one of the finer', () => {
    const ticks = (startedAt: number, from: number, until: number) => {
      const out: number[] = [];
      for (let t = from; t < until; ) {
        t = nextLookAt({
          lastLookMs: t,
          startedAtMs: startedAt,
          deadlineMs: startedAt + 900_000,
          firstDelaySeconds: 5,
          maxDelaySeconds: 20,
        });
        out.push(t);
      }
      return out;
    };
    // One session 30 s along (8-s grid by then), one just started (2-s, then 3-s, 4-s grids).
    const older = new Set(ticks(T0 - 30_000, T0, T0 + 40_000));
    const newer = ticks(T0, T0 + 6_000, T0 + 40_000);
    expect(newer.filter((t) => older.has(t)).length).toBeGreaterThanOrEqual(3);
  });

  it('sends the flow to arrive at most a second early (or `earlyBy` more), in Wait range', () => {
    expect(waitSecondsUntil(T0 + 7_400, T0)).toBe(7);
    expect(waitSecondsUntil(T0 + 7_400, T0, 1)).toBe(6);
    expect(waitSecondsUntil(T0 + 400, T0)).toBe(1);
    expect(waitSecondsUntil(T0 + 1_000_000, T0)).toBe(300);
  });

  it('looks at the tick it was sent for when it arrives near it, else at once', () => {
    const arrive = (nowMs: number, plannedMs?: number) =>
      lookTimeOnArrival({
        nowMs,
        ...(plannedMs === undefined ? {} : { plannedMs }),
        startedAtMs: T0,
        maxDelaySeconds: 20,
      });
    const planned = T0 + 40_000;
    expect(arrive(planned - 900, planned)).toBe(planned);
    expect(arrive(planned - ALIGN_MAX_SLEEP_MS, planned)).toBe(planned);
    expect(arrive(planned - ALIGN_MAX_SLEEP_MS - 1, planned)).toBe(planned - ALIGN_MAX_SLEEP_MS - 1);
    // Late: at once, not at the next tick (42 s, the 6-s grid's at 40 s in): the plan was already as late as
    // the bound allowed.
    expect(arrive(planned + 200, planned)).toBe(planned + 200);
    expect(arrive(planned + 1_100, planned)).toBe(planned + 1_100);
    // No plan (a first look): the next tick of its stage's grid (~21 s in: ~4.6-s interval, 4-s grid; T0 is
    // on every grid). Just past a tick it looks at once; 1.7 s before one it sleeps to it.
    expect(arrive(T0 + 20_300)).toBe(T0 + 20_300);
    expect(arrive(T0 + 22_300)).toBe(T0 + 24_000);
    expect(arrive(T0 + 21_000)).toBe(T0 + 21_000);
  });
});

const session = (id: string): TrafficMirrorSession =>
  ({ TrafficMirrorSessionId: id, TrafficMirrorSessionStatus: 'Created' }) as TrafficMirrorSession;

/** A List that records its calls and answers every id it is given as a session, or fails for `failing`. */
function recordingList(failing = new Set<string>()) {
  const calls: { regionId: string; ids: string[] }[] = [];
  const list: ListByIds = async (regionId, ids) => {
    calls.push({ regionId, ids });
    if (ids.some((id) => failing.has(id))) throw new Error('throttled');
    return ids.map(session);
  };
  return { calls, list };
}

/** A window that closes when the test says. */
function gate() {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { sleep: () => closed, open };
}

describe('shared look-ups', () => {
  it('answer the look-ups of one region within the window with one call, each with its own sessions', async () => {
    const shared = new SharedLookups();
    const { calls, list } = recordingList();
    const window = gate();
    const looks = [['a', 'b'], ['c'], ['b', 'd']].map((ids) =>
      shared.lookUp('cn-hangzhou', ids, list, window.sleep),
    );
    const other = shared.lookUp('cn-shanghai', ['x'], list, window.sleep);
    window.open();
    const [ab, c, bd] = await Promise.all(looks);
    expect([...ab!.keys()]).toEqual(['a', 'b']);
    expect([...c!.keys()]).toEqual(['c']);
    expect([...bd!.keys()]).toEqual(['b', 'd']);
    expect([...(await other).keys()]).toEqual(['x']);
    expect(calls).toEqual([
      { regionId: 'cn-hangzhou', ids: ['a', 'b', 'c', 'd'] },
      { regionId: 'cn-shanghai', ids: ['x'] },
    ]);
  });

  it('split more than 100 ids into calls of 100, and a failed call fails only the look-ups it carried', async () => {
    const shared = new SharedLookups();
    const { calls, list } = recordingList(new Set(['late']));
    const window = gate();
    const hundred = Array.from({ length: 100 }, (_, i) => `s-${i}`);
    const first = shared.lookUp('cn-hangzhou', hundred, list, window.sleep);
    const second = shared.lookUp('cn-hangzhou', ['late'], list, window.sleep);
    window.open();
    expect((await first).size).toBe(100);
    await expect(second).rejects.toThrow('throttled');
    expect(calls.map((c) => c.ids.length)).toEqual([100, 1]);
  });

  it("ask again alone when a shared call is refused for good: one look-up's bad id fails only that look-up", async () => {
    const shared = new SharedLookups();
    const calls: string[][] = [];
    const list: ListByIds = async (_regionId, ids) => {
      calls.push(ids);
      if (ids.includes('bad'))
        throw new CloudApiError({
          code: 'InvalidParameter',
          message: 'bad id',
          httpStatus: 400,
          action: 'ListTrafficMirrorSessions',
        });
      return ids.map(session);
    };
    const window = gate();
    const good = shared.lookUp('cn-hangzhou', ['a', 'b'], list, window.sleep);
    const bad = shared.lookUp('cn-hangzhou', ['bad'], list, window.sleep);
    window.open();
    expect([...(await good).keys()]).toEqual(['a', 'b']);
    await expect(bad).rejects.toMatchObject({ code: 'InvalidParameter' });
    expect(calls).toEqual([['a', 'b', 'bad'], ['a', 'b'], ['bad']]);
  });

  it('do not multiply calls when a shared call is throttled: each look-up gets the error and retries later', async () => {
    const shared = new SharedLookups();
    const calls: string[][] = [];
    const list: ListByIds = async (_regionId, ids) => {
      calls.push(ids);
      throw new CloudApiError({
        code: 'Throttling',
        message: 'slow down',
        httpStatus: 400,
        action: 'ListTrafficMirrorSessions',
      });
    };
    const window = gate();
    const looks = [['a'], ['b']].map((ids) => shared.lookUp('cn-hangzhou', ids, list, window.sleep));
    window.open();
    for (const look of looks) await expect(look).rejects.toMatchObject({ code: 'Throttling' });
    expect(calls).toEqual([['a', 'b']]);
  });

  it('send a look-up no one is known to share (a window of 0) at once, as a call of its own even beside an open window', async () => {
    const shared = new SharedLookups();
    const { calls, list } = recordingList();
    let slept = 0;
    const alone = await shared.lookUp(
      'cn-hangzhou',
      ['a'],
      list,
      async () => {
        slept++;
      },
      0,
    );
    expect([...alone.keys()]).toEqual(['a']);
    expect(slept).toBe(0);
    const window = gate();
    const open = shared.lookUp('cn-hangzhou', ['b'], list, window.sleep);
    const alone2 = shared.lookUp('cn-hangzhou', ['c'], list, window.sleep, 0);
    window.open();
    await Promise.all([open, alone2]);
    // The alone look's plan kept no time for a window: it went out before the open one closed.
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['c'], ['b']]);
  });

  it('open a new window once one has closed', async () => {
    const shared = new SharedLookups();
    const { calls, list } = recordingList();
    const first = gate();
    const one = shared.lookUp('cn-hangzhou', ['a'], list, first.sleep);
    first.open();
    await one;
    const second = gate();
    const two = shared.lookUp('cn-hangzhou', ['a'], list, second.sleep);
    second.open();
    await two;
    expect(calls).toHaveLength(2);
    expect(shared.calls).toBe(2);
  });
});
