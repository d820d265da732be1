import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateToken } from '../../functions/lib/contract/clientToken.js';
import {
  FreePriorities,
  LISTED_CANDIDATES,
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
  it("takes the key's first free candidate, never one listed or already taken", () => {
    const range = { min: 1, max: 10 };
    const [first, second] = priorityCandidates('k1', range, 2);
    const free = new FreePriorities(range, [first!, 99]);
    const got = free.take('k1')!;
    expect(got).toBe(second);
    const all = [got, ...Array.from({ length: 8 }, (_, i) => free.take(`x${i}`)!)];
    expect(new Set([...all, first]).size).toBe(10);
    expect(free.take('full')).toBeUndefined();
  });

  it("picks what a request's walk through the same region would end at", () => {
    const range = { min: 1000, max: 32766 };
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.uniqueArray(fc.integer({ min: 1000, max: 32766 }), { maxLength: 400 }),
        (key, taken) => {
          // The key's own first candidates taken too, as in a crowded region.
          const walk = priorityCandidates(key, range, 32);
          const held = new Set([...taken, ...walk.slice(0, taken.length % 20)]);
          const request = walk.find((p) => !held.has(p));
          expect(new FreePriorities(range, held).take(key)).toBe(request);
        },
      ),
      { seed: 12, numRuns: 300 },
    );
  });

  it('past 64 taken candidates, the first free priority after the first candidate', () => {
    const range = { min: 1, max: 1000 };
    const walk = priorityCandidates('crowded', range, LISTED_CANDIDATES);
    const free = new FreePriorities(range, walk);
    let expected = walk[0]!;
    while (walk.includes(expected)) expected = (expected % 1000) + 1;
    expect(free.take('crowded')).toBe(expected);
  });

  it('fits 20,000 sessions into the default range with no collision', () => {
    const free = new FreePriorities({ min: 1000, max: 32766 }, []);
    const taken = Array.from({ length: 20_000 }, (_, i) => free.take(`request-${i}`));
    expect(taken.every((p) => p !== undefined && p >= 1000 && p <= 32766)).toBe(true);
    expect(new Set(taken).size).toBe(20_000);
  });
});
