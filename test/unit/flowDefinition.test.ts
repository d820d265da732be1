import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkDefinition, parseDefinition } from '../../infra/local/flow/definition/check.js';
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
        { Type: 'Choice', Name: 'A', Branches: [{ Condition: '!$Input.x', Next: 'B' }], Default: 'B' },
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
  ])('refuses %s', (_what, states, message) => {
    expect(problems(flow(states)).join('\n')).toMatch(message);
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
});
