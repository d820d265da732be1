/** A long reconcile run's progress, carried by the reconcile-run flow: counts exact, lists cut to fit. */
import { describe, expect, it } from 'vitest';
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
