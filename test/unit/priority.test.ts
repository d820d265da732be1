import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateToken } from '../../functions/lib/contract/clientToken.js';
import {
  FreePriorities,
  priorityCandidates,
  priorityKey,
  priorityWalk,
} from '../../functions/lib/steps/priority.js';

const request = {
  RegionId: 'cn-hangzhou',
  TrafficMirrorSourceIds: ['eni-a', 'eni-b'],
  TrafficMirrorTargetId: 'eni-t',
  TrafficMirrorFilterId: 'tmf-1',
};

describe('priorityCandidates', () => {
  const range = { min: 16384, max: 32766 };
  it('is a pure function of the token: the same sequence on every delivery', () => {
    expect(priorityCandidates('mf-ev-1', range, 8)).toEqual(priorityCandidates('mf-ev-1', range, 8));
    expect(priorityCandidates('mf-ev-1', range, 8)).not.toEqual(priorityCandidates('mf-ev-2', range, 8));
  });
  it('gives distinct candidates inside the range, and a longer walk extends a shorter one', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 1, max: 32766 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 20 }),
        (token, min, width, count) => {
          const r = { min, max: Math.min(32766, min + width) };
          const c = priorityCandidates(token, r, count);
          expect(new Set(c).size).toBe(c.length);
          expect(c.length).toBe(Math.min(count, r.max - r.min + 1));
          for (const p of c) expect(p >= r.min && p <= r.max).toBe(true);
          expect(priorityCandidates(token, r, count + 3).slice(0, c.length)).toEqual(c);
        },
      ),
    );
  });
  it('enumerates a tiny range completely', () => {
    expect(priorityCandidates('t', { min: 5, max: 7 }, 10).sort()).toEqual([5, 6, 7]);
  });

  it('priorityWalk: priorities from what the request mirrors, tokens from the request token and the index', () => {
    const key = priorityKey(request);
    const walk = priorityWalk(key, 'mf-ev-1', range, 8);
    expect(walk.map((c) => c.priority)).toEqual(priorityCandidates(key, range, 8));
    expect(walk.map((c) => c.clientToken)).toEqual(walk.map((_, i) => candidateToken('mf-ev-1', i)));
    expect(new Set(walk.map((c) => c.clientToken)).size).toBe(8);
    // The same request through another trigger (another token) walks the same priorities.
    expect(priorityWalk(key, 'mf-wh-2', range, 8).map((c) => c.priority)).toEqual(
      walk.map((c) => c.priority),
    );
  });

  it('priorityKey: the region, the sources as a set, the target and the filter — nothing else', () => {
    const key = priorityKey(request);
    expect(priorityKey({ ...request, TrafficMirrorSourceIds: ['eni-b', 'eni-a', 'eni-a'] })).toBe(key);
    expect(priorityKey({ ...request, TrafficMirrorFilterId: 'tmf-2' })).not.toBe(key);
    expect(priorityKey({ ...request, TrafficMirrorTargetId: 'eni-t2' })).not.toBe(key);
    expect(priorityKey({ ...request, RegionId: 'cn-shanghai' })).not.toBe(key);
  });
});

describe('FreePriorities', () => {
  it("takes the first free priority at the key's position, never one listed or already taken", () => {
    const range = { min: 1, max: 10 };
    const first = priorityCandidates('k1', range, 1)[0]!;
    const free = new FreePriorities(range, [first, 99]);
    const got = free.take('k1')!;
    expect(got).toBe((first % 10) + 1);
    const all = [got, ...Array.from({ length: 8 }, (_, i) => free.take(`x${i}`)!)];
    expect(new Set([...all, first]).size).toBe(10);
    expect(free.take('full')).toBeUndefined();
  });

  it('fits 20,000 sessions into the default range with no collision', () => {
    const free = new FreePriorities({ min: 1000, max: 32766 }, []);
    const taken = Array.from({ length: 20_000 }, (_, i) => free.take(`request-${i}`));
    expect(taken.every((p) => p !== undefined && p >= 1000 && p <= 32766)).toBe(true);
    expect(new Set(taken).size).toBe(20_000);
  });
});
