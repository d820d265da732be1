import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateToken } from '../../functions/lib/contract/clientToken.js';
import { priorityCandidates, priorityWalk } from '../../functions/lib/steps/priority.js';

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

  it('priorityWalk pairs each candidate with its own token, derived from the request token and the index', () => {
    const walk = priorityWalk('mf-ev-1', range, 8);
    expect(walk.map((c) => c.priority)).toEqual(priorityCandidates('mf-ev-1', range, 8));
    expect(walk.map((c) => c.clientToken)).toEqual(walk.map((_, i) => candidateToken('mf-ev-1', i)));
    expect(new Set(walk.map((c) => c.clientToken)).size).toBe(8);
    expect(priorityWalk('mf-ev-1', range, 8)).toEqual(walk);
  });
});
