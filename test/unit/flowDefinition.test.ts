import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ASSUMPTIONS } from '../../infra/local/flow/assumptions.js';
import { checkDefinition, parseDefinition } from '../../infra/local/flow/definition/check.js';
import { STATE_SCHEMAS } from '../../infra/local/flow/definition/schema.js';
import { DefinitionError } from '../../infra/local/flow/errors.js';
import { rawFlow } from '../helpers/flows.js';

const flow = rawFlow;

function problems(definition: unknown): string[] {
  try {
    checkDefinition(definition);
    return [];
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    return error.problems.map((p) => `${p.state}: ${p.reason}`);
  }
}

describe('flow definition checks (before running)', () => {
  it('accepts a valid flow', () => {
    expect(
      problems(
        flow([
          { Type: 'Pass', Name: 'A', OutputConstructor: { 'x.$': '$Input.x' }, Next: 'B' },
          { Type: 'Choice', Name: 'B', Branches: [{ Condition: '$Input.x == 1', Next: 'C' }], Default: 'D' },
          { Type: 'Wait', Name: 'C', Seconds: 5, Next: 'D' },
          { Type: 'Succeed', Name: 'D' },
        ]),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'an unknown field',
      [{ Type: 'Pass', Name: 'A', End: true, ResultPath: '$.x' }],
      /A: unknown field "ResultPath"/,
    ],
    [
      'a Choice without Default',
      [
        { Type: 'Choice', Name: 'A', Branches: [{ Condition: '$Input.x == 1', Next: 'B' }] },
        { Type: 'Succeed', Name: 'B' },
      ],
      /A: .*Default/,
    ],
    ['Next to a missing state', [{ Type: 'Pass', Name: 'A', Next: 'Nowhere' }], /A: goes to "Nowhere"/],
    [
      'both Next and End',
      [
        { Type: 'Pass', Name: 'A', Next: 'B', End: true },
        { Type: 'Succeed', Name: 'B' },
      ],
      /A: needs exactly one of Next and End/,
    ],
    ['neither Next nor End', [{ Type: 'Pass', Name: 'A' }], /A: needs exactly one of Next and End/],
    [
      'an unreachable state',
      [
        { Type: 'Pass', Name: 'A', End: true },
        { Type: 'Succeed', Name: 'Orphan' },
      ],
      /Orphan: is unreachable/,
    ],
    [
      'a duplicate name',
      [
        { Type: 'Pass', Name: 'A', Next: 'A' },
        { Type: 'Pass', Name: 'A', End: true },
      ],
      /A: another state/,
    ],
    ['an unknown type', [{ Type: 'Sleep', Name: 'A', End: true }], /A: unknown Type "Sleep"/],
    [
      'a Wait over 300 s',
      [{ Type: 'Wait', Name: 'A', Seconds: 301, End: true }],
      /A: Seconds must be a whole number from 1 to 300/,
    ],
    ['a Wait of 0 s', [{ Type: 'Wait', Name: 'A', Seconds: 0, End: true }], /1 to 300/],
    [
      'a Wait with both Seconds and Seconds.$',
      [{ Type: 'Wait', Name: 'A', Seconds: 3, 'Seconds.$': '$Input.s', End: true }],
      /exactly one of Seconds/,
    ],
    [
      '$Output in an InputConstructor',
      [{ Type: 'Pass', Name: 'A', InputConstructor: { 'x.$': '$Output.x' }, End: true }],
      /reads \$Output/,
    ],
    [
      'a bad expression',
      [{ Type: 'Pass', Name: 'A', OutputConstructor: { 'x.$': '$Input.x + 1' }, End: true }],
      /"\+" is not part/,
    ],
    [
      'a .$ key with a non-string',
      [{ Type: 'Pass', Name: 'A', OutputConstructor: { 'x.$': 5 }, End: true }],
      /must be an expression string/,
    ],
    [
      'a bad Choice condition',
      [
        { Type: 'Choice', Name: 'A', Branches: [{ Condition: '$Input.x + 1 > 2', Next: 'B' }], Default: 'B' },
        { Type: 'Succeed', Name: 'B' },
      ],
      /Condition/,
    ],
    [
      'an action the runner cannot run',
      [{ Type: 'Task', Name: 'A', Action: 'ECS:DescribeInstances', End: true }],
      /cannot run locally/,
    ],
    [
      'an FC task without resourceArn',
      [
        {
          Type: 'Task',
          Name: 'A',
          Action: 'FC:InvokeFunction',
          Parameters: { invocationType: 'Sync' },
          End: true,
        },
      ],
      /needs Parameters.resourceArn/,
    ],
    [
      'a PutEvents task without id',
      [
        {
          Type: 'Task',
          Name: 'A',
          Action: 'EventBridge:PutEvents',
          Parameters: { eventBusName: 'b', source: 's', type: 't', data: {} },
          End: true,
        },
      ],
      /needs Parameters.id/,
    ],
    [
      'a Retry without Description',
      [
        {
          Type: 'Task',
          Name: 'A',
          Action: 'FC:InvokeFunction',
          Parameters: { resourceArn: 'x', invocationType: 'Sync' },
          Retry: [{ Errors: ['FnF.ALL'], MaxAttempts: 1, IntervalSeconds: 1 }],
          End: true,
        },
      ],
      /A: Retry.0.Description/,
    ],
    ['a Fail without Detail', [{ Type: 'Fail', Name: 'A', Code: 'X' }], /A: Detail/],
    ['a Succeed with Next', [{ Type: 'Succeed', Name: 'A', Next: 'A' }], /unknown field "Next"/],
    [
      'a nested scope with a missing state',
      [
        {
          Type: 'Parallel',
          Name: 'P',
          Branches: [{ StartAt: 'X', States: [{ Type: 'Pass', Name: 'Y', End: true }] }],
          End: true,
        },
      ],
      /StartAt "X"/,
    ],
    [
      'GlobalConstructor on a Pass state (not in the Pass attribute table)',
      [{ Type: 'Pass', Name: 'A', GlobalConstructor: { 'x.$': '$Input.x' }, End: true }],
      /A: unknown field "GlobalConstructor": not an attribute of a Pass state.*document_detail\/2412526/,
    ],
    [
      'a Description on a Choice branch (ChoiceBranch lists Condition and Next)',
      [
        {
          Type: 'Choice',
          Name: 'A',
          Branches: [{ Condition: '$Input.x == 1', Next: 'B', Description: 'd' }],
          Default: 'B',
        },
        { Type: 'Succeed', Name: 'B' },
      ],
      /A: unknown field "Branches.0.Description"/,
    ],
    [
      'MaxConcurrency on a Map (the docs spell it MaxConcuccency)',
      [
        {
          Type: 'Map',
          Name: 'A',
          ItemsPath: '$Input.items',
          MaxConcurrency: 2,
          Processor: { StartAt: 'P', States: [{ Type: 'Pass', Name: 'P', End: true }] },
          End: true,
        },
      ],
      /A: unknown field "MaxConcurrency".*spells it MaxConcuccency/,
    ],
    [
      'a Map MaxConcuccency over 40',
      [
        {
          Type: 'Map',
          Name: 'A',
          ItemsPath: '$Input.items',
          MaxConcuccency: 41,
          Processor: { StartAt: 'P', States: [{ Type: 'Pass', Name: 'P', End: true }] },
          End: true,
        },
      ],
      /A: MaxConcuccency/,
    ],
    [
      'an InputConstructor on a Fail state',
      [{ Type: 'Fail', Name: 'A', Detail: 'd', InputConstructor: {} }],
      /A: unknown field "InputConstructor": not an attribute of a Fail state/,
    ],
    [
      'a Retry on a Wait state',
      [
        {
          Type: 'Wait',
          Name: 'A',
          Seconds: 1,
          Retry: [{ Errors: ['FnF.ALL'], Description: 'd', MaxAttempts: 1, IntervalSeconds: 1 }],
          End: true,
        },
      ],
      /A: unknown field "Retry": not an attribute of a Wait state/,
    ],
    [
      'a Task with both Timeout and Timeout.$',
      [
        {
          Type: 'Task',
          Name: 'A',
          Action: 'FC:InvokeFunction',
          Parameters: { resourceArn: 'x', invocationType: 'Sync' },
          Timeout: '5',
          'Timeout.$': '$Input.t',
          End: true,
        },
      ],
      /A: needs at most one of Timeout and Timeout.\$/,
    ],
  ])('refuses %s', (_what, states, message) => {
    expect(problems(flow(states)).join('\n')).toMatch(message);
  });

  it('each state type accepts exactly the attributes its documentation page lists', () => {
    // The attribute tables of the CloudFlow pages named in STATE_DOCS (schema.ts); Task also takes
    // GlobalConstructor (global-io page) and Timeout.$ (the Task page's own example).
    const documented: Record<string, string[]> = {
      Task: [
        'Name',
        'Description',
        'Type',
        'Action',
        'TaskMode',
        'InputConstructor',
        'Parameters',
        'Timeout',
        'Timeout.$',
        'Retry',
        'Catch',
        'OutputConstructor',
        'GlobalConstructor',
        'Next',
        'End',
      ],
      Pass: ['Name', 'Description', 'Type', 'Next', 'End', 'InputConstructor', 'OutputConstructor'],
      Wait: [
        'Name',
        'Description',
        'Type',
        'Seconds',
        'Seconds.$',
        'Next',
        'End',
        'InputConstructor',
        'OutputConstructor',
      ],
      Choice: ['Name', 'Description', 'Type', 'InputConstructor', 'Default', 'Branches'],
      Succeed: ['Name', 'Description', 'Type', 'InputConstructor', 'OutputConstructor'],
      Fail: ['Name', 'Description', 'Type', 'Code', 'Detail'],
      Parallel: [
        'Name',
        'Description',
        'Type',
        'InputConstructor',
        'Branches',
        'OutputConstructor',
        'Next',
        'End',
        'Retry',
        'Catch',
      ],
      Map: [
        'Name',
        'Description',
        'Type',
        'InputConstructor',
        'ItemsPath',
        'Processor',
        'OutputConstructor',
        'Next',
        'End',
        'Retry',
        'Catch',
        'MaxConcuccency',
      ],
    };
    for (const [type, schema] of Object.entries(STATE_SCHEMAS)) {
      expect(Object.keys(schema.shape).sort(), type).toEqual([...documented[type]!].sort());
    }
  });

  it('accepts Choice conditions with !, prefix -, in and parentheses (the Choice page lists them)', () => {
    expect(
      problems(
        flow([
          {
            Type: 'Choice',
            Name: 'A',
            Branches: [
              { Condition: '!($Input.done == true) && -$Input.n < 0', Next: 'B' },
              { Condition: '$Input.phase in ["a", "b"] || !("x" in $Input)', Next: 'B' },
            ],
            Default: 'B',
          },
          { Type: 'Succeed', Name: 'B' },
        ]),
      ),
    ).toEqual([]);
  });

  it('accepts GlobalConstructor and Timeout.$ on a Task', () => {
    expect(
      problems(
        flow([
          {
            Type: 'Task',
            Name: 'A',
            Action: 'FC:InvokeFunction',
            Parameters: { resourceArn: 'x', invocationType: 'Sync' },
            'Timeout.$': '$Input.timeout',
            GlobalConstructor: { 'raw.$': '$Output.Body' },
            End: true,
          },
        ]),
      ),
    ).toEqual([]);
  });

  it('refuses the legacy spec and a bad flow name', () => {
    expect(problems({ version: 'v1', type: 'flow', steps: [] }).join('\n')).toMatch(/StateMachine/);
    expect(problems(flow([{ Type: 'Succeed', Name: 'A' }], { Name: '9lives' })).join('\n')).toMatch(
      /\(flow\): Name/,
    );
  });

  it('reports every problem at once', () => {
    const found = problems(
      flow([
        { Type: 'Pass', Name: 'A', Next: 'Gone', Extra: 1 },
        { Type: 'Wait', Name: 'B', Seconds: 999, End: true },
      ]),
    );
    expect(found.length).toBeGreaterThanOrEqual(3);
  });

  it('parses YAML and names YAML syntax errors', () => {
    const text = stringify(flow([{ Type: 'Succeed', Name: 'A' }]));
    expect(parseDefinition(text).Name).toBe('test-flow');
    expect(() => parseDefinition('Type: [unclosed')).toThrow(/not valid YAML/);
  });

  it('accepts the reference polling example', () => {
    const reference = readFileSync('test/fixtures/flows/poll-job.yaml', 'utf8');
    expect(parseDefinition(reference).Name).toBe('poll-job');
  });

  it('every entry of assumptions.ts is read by the runner and names its source', () => {
    const text = readFileSync('infra/local/flow/assumptions.ts', 'utf8');
    const code = readdirSync('infra/local', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('assumptions.ts'))
      .map((f) => readFileSync(join('infra/local', f), 'utf8'))
      .join('\n');
    const entries = text.split(/\n {2}\/\*\*/).slice(1);
    expect(entries.length).toBe(Object.keys(ASSUMPTIONS).length);
    for (const entry of entries) {
      const key = /\*\/\n {2}(\w+):/.exec(entry)?.[1];
      expect(key, entry).toBeDefined();
      expect(code, `ASSUMPTIONS.${key} is not read`).toContain(`ASSUMPTIONS.${key}`);
      expect(entry, `${key} has no source`).toMatch(/https:\/\/|github\.com\//);
    }
  });
});
