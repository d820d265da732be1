import { describe, expect, it } from 'vitest';
import { DesiredStateError, jsonDesiredState } from '../../functions/lib/contract/desiredState.js';
import { parseDesiredState } from '../../functions/lib/contract/desiredStateText.js';
import { ORIGIN_TAG_KEY, OWNERSHIP_TAG_KEY } from '../../functions/lib/contract/sessionTags.js';
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

  it('reads JSON without the YAML reader, to the same document, and the same problems', () => {
    const yaml = `version: 1\nsessions:${entry('a', 'eni-1')}${entry('b', 'eni-2')}`;
    const fromYaml = parseDesiredState(yaml);
    const json = JSON.stringify(fromYaml);
    expect(jsonDesiredState(json)).toEqual(fromYaml);
    expect(parseDesiredState(json)).toEqual(fromYaml);
    // Not JSON: left to the YAML reader, flow style included.
    expect(jsonDesiredState(yaml)).toBeUndefined();
    expect(jsonDesiredState('{version: 1, sessions: []}')).toBeUndefined();
    expect(parseDesiredState('{version: 1, sessions: []}')).toEqual({ version: 1, sessions: [] });
    expect(jsonDesiredState(`\uFEFF${json}`)).toEqual(fromYaml);
    // As a user writes it (the build, a URL): a key given twice is refused, JSON or not.
    expect(() => parseDesiredState('{"version": 1, "sessions": [], "sessions": []}')).toThrow(/duplicated/);
    // JSON that breaks the schema is refused with the same problem as its YAML would be.
    expect(() => jsonDesiredState('{"version": 2, "sessions": []}')).toThrow(/version must be 1/);
    expect(() => jsonDesiredState(' \n{"version": 1, "sessions": [{"name": "a"}]}')).toThrow(
      /sessions\[0\]\.request/,
    );
  });

  it('the shipped example is valid', async () => {
    const { readFileSync } = await import('node:fs');
    expect(
      parseDesiredState(readFileSync('infra/examples/desired-state.yaml', 'utf8')).sessions.length,
    ).toBeGreaterThan(0);
  });
});

const origin = (name: string) => [
  { Key: OWNERSHIP_TAG_KEY, Value: 'mirrorflow' },
  { Key: ORIGIN_TAG_KEY, Value: `reconcile.${name}` },
];

describe('planReconcile', () => {
  const desired = parseDesiredState(
    `version: 1\nsessions:${entry('b-new', 'eni-new')}${entry('a-same', 'eni-same')}${entry('c-drift', 'eni-drift', '\n      Priority: 5')}${entry('d-foreign', 'eni-foreign', '\n      Priority: 5')}${entry('e-bad', 'eni-x', '\n      Priority: 0')}`,
  );
  const plan = planReconcile(
    desired,
    [
      existing('tms-same', 'eni-same'),
      existing('tms-drift', 'eni-drift', { Priority: 6 }),
      existing('tms-foreign', 'eni-foreign', { Priority: 6 }, false),
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
      ['c-drift', 'update', 'tms-drift'],
      ['d-foreign', 'drifted', 'tms-foreign'],
      ['e-bad', 'invalid', null],
    ]);
    const drift = plan.entries.find((e) => e.name === 'c-drift')!;
    expect(drift.differences).toEqual(['Priority: wanted 5, is 6']);
    expect(drift.changes).toEqual({ Priority: 5 });
    expect(plan.entries.find((e) => e.name === 'd-foreign')!.foreign).toBe(true);
    expect(plan.entries.find((e) => e.name === 'e-bad')!.problems[0]!.path).toBe('Priority');
  });

  it('reports sessions nobody wants: not ours, or ours from requests (never Deleting ones); prunes nothing untagged', () => {
    expect(plan.foreign).toEqual(['tms-theirs']);
    // Same source in another region: not the entry's session; it carries our tag, so it is orphaned.
    expect(plan.orphaned.sort()).toEqual(['tms-elsewhere', 'tms-orphan']);
    expect(plan.prune).toEqual([]);
  });

  it("finds an entry's own session by its origin tag, whatever changed, and brings every field back", () => {
    const doc = parseDesiredState(`version: 1\nsessions:${entry('web', 'eni-b', '\n      Enabled: false')}`);
    const own = existing('tms-own', 'eni-a', {
      TrafficMirrorFilterId: 'tmf-old',
      TrafficMirrorTargetId: 'lb-old',
      TrafficMirrorTargetType: 'SLB',
      Tags: origin('web'),
    });
    // An equivalent session of ours from a request is not the entry's: the entry keeps its own.
    const adHoc = existing('tms-adhoc', 'eni-b', { Enabled: false });
    const [web] = planReconcile(doc, [adHoc, own], 'mirrorflow').entries;
    expect(web).toMatchObject({ status: 'update', sessionId: 'tms-own' });
    expect(web!.changes).toEqual({
      TrafficMirrorFilterId: 'tmf-1',
      Enabled: false,
      TrafficMirrorTargetId: 'eni-tgt',
      TrafficMirrorTargetType: 'NetworkInterface',
      TrafficMirrorSourceIds: ['eni-b'],
    });
  });

  it('prunes only sessions reconcile made for entries that are gone or moved region; an invalid entry protects its own', () => {
    const doc = parseDesiredState(
      `version: 1\nsessions:${entry('kept', 'eni-1')}${entry('broken', 'eni-2', '\n      Priority: 0')}${entry('moved', 'eni-3')}`,
    );
    const plan2 = planReconcile(
      doc,
      [
        existing('tms-kept', 'eni-1', { Tags: origin('kept') }),
        existing('tms-broken', 'eni-2', { Tags: origin('broken') }),
        existing('tms-moved', 'eni-3', { RegionId: 'cn-shanghai', Tags: origin('moved') }),
        existing('tms-gone', 'eni-4', { Tags: origin('gone') }),
        existing('tms-going', 'eni-5', { Tags: origin('gone2'), TrafficMirrorSessionStatus: 'Deleting' }),
        existing('tms-theirs', 'eni-6', { Tags: [{ Key: ORIGIN_TAG_KEY, Value: 'reconcile.gone' }] }, false),
        existing('tms-request', 'eni-7', {
          Tags: [...origin('x').slice(0, 1), { Key: ORIGIN_TAG_KEY, Value: 'webhook' }],
        }),
      ],
      'mirrorflow',
    );
    // One already Deleting is listed too: handed off again, in case the run that deleted it died first.
    expect(plan2.prune.map((s) => s.TrafficMirrorSessionId).sort()).toEqual([
      'tms-going',
      'tms-gone',
      'tms-moved',
    ]);
    expect(plan2.orphaned.sort()).toEqual(['tms-broken', 'tms-request']);
    expect(plan2.foreign).toEqual(['tms-theirs']);
    expect(plan2.entries.map((e) => [e.name, e.status])).toEqual([
      ['broken', 'invalid'],
      ['kept', 'unchanged'],
      ['moved', 'create'],
    ]);
  });

  it('an entry replacing another on the same traffic under another filter takes its session over: updated, not pruned', () => {
    const doc = parseDesiredState(
      JSON.stringify({
        version: 1,
        sessions: [
          {
            name: 'b-new',
            request: {
              RegionId: 'cn-hangzhou',
              TrafficMirrorSourceIds: ['eni-1'],
              TrafficMirrorTargetId: 'eni-tgt',
              TrafficMirrorTargetType: 'NetworkInterface',
              TrafficMirrorFilterId: 'tmf-2',
            },
          },
        ],
      }),
    );
    const replaced = planReconcile(
      doc,
      [existing('tms-a', 'eni-1', { Tags: origin('a-old') })],
      'mirrorflow',
    );
    expect(replaced.entries).toMatchObject([{ name: 'b-new', status: 'update', sessionId: 'tms-a' }]);
    expect(replaced.entries[0]!.changes).toEqual({ TrafficMirrorFilterId: 'tmf-2' });
    expect(replaced.prune).toEqual([]);
    // Another owner's session on the same traffic is never taken over.
    const theirs = planReconcile(doc, [existing('tms-x', 'eni-1', {}, false)], 'mirrorflow');
    expect(theirs.entries).toMatchObject([{ status: 'create' }]);
  });

  it('plans 20,000 entries against 20,000 sessions, each entry finding its own', () => {
    const n = 20_000;
    const doc = {
      version: 1 as const,
      sessions: Array.from({ length: n }, (_, i) => ({
        name: `e${i}`,
        request: {
          RegionId: 'cn-hangzhou',
          TrafficMirrorSourceIds: [`eni-s${i}`],
          TrafficMirrorTargetId: 'eni-tgt',
          TrafficMirrorTargetType: 'NetworkInterface',
          TrafficMirrorFilterId: 'tmf-1',
        },
      })),
    };
    const sessions = Array.from({ length: n }, (_, i) =>
      existing(`tms-${i}`, `eni-s${i}`, { Tags: origin(`e${i}`) }),
    );
    const result = planReconcile(doc, sessions, 'mirrorflow');
    expect(result.entries.every((e) => e.status === 'unchanged')).toBe(true);
    expect(result.prune).toEqual([]);
  });
});
