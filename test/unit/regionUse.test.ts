/**
 * The VPC emulator's index of what a region's sessions use (infra/local/vpc/regionUse.ts) answers every
 * question the Create rules ask exactly as a scan of the sessions would. (The property test of the emulator
 * holds the index the model keeps to a freshly built one; this holds the index itself to the scan.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegionUse } from '../../infra/local/vpc/regionUse.js';

/** ENI and SLB ids, few enough that sessions share them, and sources and targets overlap. */
const IDS = ['eni-a', 'eni-b', 'eni-c', 'eni-d', 'lb-e'];

const session = fc.record({
  id: fc.uuid(),
  sourceIds: fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 3 }),
  targetId: fc.constantFrom(...IDS),
  filterId: fc.constantFrom('tmf-1', 'tmf-2'),
  priority: fc.integer({ min: 1, max: 6 }),
  virtualNetworkId: fc.integer({ min: 0, max: 6 }),
});

type Session = typeof session extends fc.Arbitrary<infer T> ? T : never;

/** The answers by scanning, as the rules computed them before the index. */
const scan = (sessions: Session[]) => ({
  sessionsWithSource: (id: string) => sessions.filter((s) => s.sourceIds.includes(id)).length,
  isTarget: (id: string) => sessions.some((s) => s.targetId === id),
  isSourceOffTarget: (id: string) => sessions.some((s) => s.targetId !== id && s.sourceIds.includes(id)),
  sessionsOnTarget: (id: string) => sessions.filter((s) => s.targetId === id).length,
  sourcesOnTargetWith: (id: string, added: string[]) =>
    new Set([...added, ...sessions.filter((s) => s.targetId === id).flatMap((s) => s.sourceIds)]).size,
  priorityTaken: (p: number) => sessions.some((s) => s.priority === p),
  sessionsWithFilter: (id: string) => sessions.filter((s) => s.filterId === id).length,
  vniTaken: (v: number) => sessions.some((s) => s.virtualNetworkId === v),
});

describe('RegionUse', () => {
  it('answers as a scan of the sessions would, built at once or added to one by one', () => {
    fc.assert(
      fc.property(
        fc.array(session, { maxLength: 12 }),
        fc.uniqueArray(fc.constantFrom(...IDS), { maxLength: 3 }),
        (sessions, added) => {
          const expected = scan(sessions);
          const grown = new RegionUse();
          for (const s of sessions) grown.add(s);
          for (const use of [RegionUse.of(sessions), grown]) {
            expect(use.count).toBe(sessions.length);
            for (const id of IDS) {
              expect(use.sessionsWithSource(id), id).toBe(expected.sessionsWithSource(id));
              expect(use.isTarget(id), id).toBe(expected.isTarget(id));
              expect(use.isSourceOffTarget(id), id).toBe(expected.isSourceOffTarget(id));
              expect(use.sessionsOnTarget(id), id).toBe(expected.sessionsOnTarget(id));
              expect(use.sourcesOnTargetWith(id, added), id).toBe(expected.sourcesOnTargetWith(id, added));
            }
            for (const filter of ['tmf-1', 'tmf-2', 'tmf-3'])
              expect(use.sessionsWithFilter(filter)).toBe(expected.sessionsWithFilter(filter));
            for (let n = 0; n <= 7; n++) {
              expect(use.priorityTaken(n), `priority ${n}`).toBe(expected.priorityTaken(n));
              expect(use.vniTaken(n), `VNI ${n}`).toBe(expected.vniTaken(n));
            }
          }
        },
      ),
      { numRuns: 500, seed: 20_261_130 },
    );
  });
});
