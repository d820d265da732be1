/** A long reconcile run's progress, carried by the reconcile-run flow: counts exact, lists cut to fit. */
import { describe, expect, it } from 'vitest';
import {
  CARRIED_PLAN_BYTES,
  carriedPlan,
  decodeBits,
  namesDigest,
} from '../../functions/lib/contract/carriedPlan.js';
import { reconcileCounts } from '../../functions/lib/contract/reconcileEvent.js';
import {
  foldInvocation,
  PROGRESS_LIST_BYTES,
  parseProgress,
} from '../../functions/lib/contract/reconcileProgress.js';
import { emptyLists } from '../../functions/lib/steps/reconcileReport.js';

const invocation = (
  created: number,
  offset: number,
  next?: { cursor: number; pruneAfter: string | null },
) => {
  const lists = emptyLists();
  for (let i = 0; i < created; i++)
    lists.created.push({
      name: `entry-${offset + i}`,
      sessionId: `tms-${offset + i}`,
      regionId: 'cn-hangzhou',
    });
  return {
    triggerTime: '2026-11-29T06:00:00Z',
    regions: ['cn-hangzhou'],
    counts: reconcileCounts(lists, 5000),
    lists,
    ...(next ? { next } : {}),
  };
};

describe('a reconcile run’s progress', () => {
  it('adds the counts and lists of each invocation, and is done when one stops without a next position', () => {
    const first = foldInvocation(undefined, invocation(3, 0, { cursor: 3, pruneAfter: null }));
    expect(first).toMatchObject({ done: false, position: { cursor: 3 }, invocations: 1 });
    const second = foldInvocation(first, invocation(2, 3));
    expect(second).toMatchObject({ done: true, invocations: 2, counts: { desired: 5000, created: 5 } });
    expect(second.lists.created.map((c) => c.name)).toEqual([
      'entry-0',
      'entry-1',
      'entry-2',
      'entry-3',
      'entry-4',
    ]);
    expect(second.truncated).toEqual([]);
  });

  it('keeps the lists within their budget, the counts whole, and names what it cut', () => {
    let progress = foldInvocation(undefined, invocation(1000, 0, { cursor: 1000, pruneAfter: null }));
    progress = foldInvocation(progress, invocation(1000, 1000, { cursor: 2000, pruneAfter: null }));
    expect(progress.counts.created).toBe(2000);
    expect(progress.lists.created.length).toBeLessThan(2000);
    expect(Buffer.byteLength(JSON.stringify(progress.lists))).toBeLessThanOrEqual(PROGRESS_LIST_BYTES);
    expect(progress.truncated).toEqual(['created']);
    // What it carries is what the next invocation reads back.
    expect(parseProgress(JSON.parse(JSON.stringify(progress)))).toEqual(progress);
  });

  it('refuses a progress that is not one, naming the field', () => {
    expect(() => parseProgress({ triggerTime: 'x', position: { cursor: -1, pruneAfter: null } })).toThrow(
      /position\.cursor/,
    );
  });
});

describe('the plan a long run carries', () => {
  it('keeps which entries to create, which need a listing, and the taken priorities, in bitmaps', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `entry-${i}`);
    const taken = new Map([['cn-hangzhou', Array.from({ length: 15_000 }, (_, i) => 1000 + 2 * i)]]);
    const plan = carriedPlan(names, [0, 7, 19_999], [3], taken)!;
    expect(decodeBits(plan.creates)).toEqual([0, 7, 19_999]);
    expect(decodeBits(plan.others)).toEqual([3]);
    expect(decodeBits(plan.taken['cn-hangzhou']!)).toEqual(taken.get('cn-hangzhou'));
    // The names are those of the plan, in its order (by name), whatever order the document lists them in.
    expect(plan.names).toBe(namesDigest([...names].reverse()));
    expect(plan.names).not.toBe(namesDigest(names.slice(1)));
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThanOrEqual(CARRIED_PLAN_BYTES);
  });

  it('is not carried when it would not fit the flow’s state (the next invocation lists instead)', () => {
    const regions = new Map(Array.from({ length: 5 }, (_, i) => [`cn-region${i}`, [1, 2, 3]]));
    expect(carriedPlan(['a'], [0], [], regions)).toBeUndefined();
  });
});
