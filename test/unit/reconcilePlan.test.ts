import { describe, expect, it } from 'vitest';
import { DesiredStateError, parseDesiredState } from '../../functions/lib/contract/desiredState.js';
import { OWNERSHIP_TAG_KEY } from '../../functions/lib/contract/request.js';
import { planReconcile, type RegionalSession } from '../../functions/lib/steps/reconcilePlan.js';

const entry = (name: string, source: string, extra = '') => `
  - name: ${name}
    request:
      RegionId: cn-hangzhou
      TrafficMirrorSourceIds: [${source}]
      TrafficMirrorTargetId: eni-tgt
      TrafficMirrorTargetType: NetworkInterface
      TrafficMirrorFilterId: tmf-1${extra}`;

const existing = (
  id: string,
  source: string,
  overrides: Partial<RegionalSession> = {},
  ours = true,
): RegionalSession => ({
  RegionId: 'cn-hangzhou',
  TrafficMirrorSessionId: id,
  TrafficMirrorSessionStatus: 'Created',
  Enabled: true,
  Priority: 20000,
  TrafficMirrorFilterId: 'tmf-1',
  TrafficMirrorSourceIds: [source],
  TrafficMirrorTargetId: 'eni-tgt',
  TrafficMirrorTargetType: 'NetworkInterface',
  Tags: ours ? [{ Key: OWNERSHIP_TAG_KEY, Value: 'mirrorflow' }] : [],
  ...overrides,
});

describe('desired state', () => {
  it('parses and checks the document', () => {
    expect(parseDesiredState(`version: 1\nsessions:${entry('a', 'eni-1')}`).sessions).toHaveLength(1);
    expect(() => parseDesiredState(`version: 2\nsessions: []`)).toThrow(/version must be 1/);
    expect(() =>
      parseDesiredState(`version: 1\nsessions:${entry('a', 'eni-1')}${entry('a', 'eni-2')}`),
    ).toThrow(/unique/);
    expect(() => parseDesiredState('version: [')).toThrow(DesiredStateError);
  });

  it('the shipped example is valid', async () => {
    const { readFileSync } = await import('node:fs');
    expect(
      parseDesiredState(readFileSync('infra/examples/desired-state.yaml', 'utf8')).sessions.length,
    ).toBeGreaterThan(0);
  });
});

describe('planReconcile', () => {
  const desired = parseDesiredState(
    `version: 1\nsessions:${entry('b-new', 'eni-new')}${entry('a-same', 'eni-same')}${entry('c-drift', 'eni-drift', '\n      Priority: 5')}${entry('d-foreign', 'eni-foreign')}${entry('e-bad', 'eni-x', '\n      Priority: 0')}`,
  );
  const plan = planReconcile(
    desired,
    [
      existing('tms-same', 'eni-same'),
      existing('tms-drift', 'eni-drift', { Priority: 6 }),
      existing('tms-foreign', 'eni-foreign', {}, false),
      existing('tms-orphan', 'eni-old'),
      existing('tms-theirs', 'eni-other', {}, false),
      existing('tms-going', 'eni-old2', { TrafficMirrorSessionStatus: 'Deleting' }),
      existing('tms-elsewhere', 'eni-new', { RegionId: 'cn-shanghai' }),
    ],
    'mirrorflow',
  );

  it('classifies each entry, in name order', () => {
    expect(plan.entries.map((e) => [e.name, e.status, e.sessionId])).toEqual([
      ['a-same', 'unchanged', 'tms-same'],
      ['b-new', 'create', null],
      ['c-drift', 'drifted', 'tms-drift'],
      ['d-foreign', 'unchanged', 'tms-foreign'],
      ['e-bad', 'invalid', null],
    ]);
    expect(plan.entries.find((e) => e.name === 'c-drift')!.differences).toEqual(['Priority: wanted 5, is 6']);
    expect(plan.entries.find((e) => e.name === 'd-foreign')!.foreign).toBe(true);
    expect(plan.entries.find((e) => e.name === 'e-bad')!.problems[0]!.path).toBe('Priority');
  });

  it('reports sessions nobody wants: not ours, or ours but no longer desired (never Deleting ones)', () => {
    expect(plan.notOurs).toEqual(['tms-theirs']);
    // Same source in another region: not the entry's session; it carries our tag, so it is orphaned.
    expect(plan.orphaned.sort()).toEqual(['tms-elsewhere', 'tms-orphan']);
  });
});
