/** Every state type and constructor, in small flows run end to end on a simulated clock (virtual seconds). */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../infra/local/clock.js';
import { FlowError } from '../../infra/local/flow/errors.js';
import { flowOf, noIntegrations, runToEnd, secondsBetween } from '../helpers/flows.js';

const clock = () => new SimulatedClock();

describe('Pass and the constructors', () => {
  it('InputConstructor replaces the input; OutputConstructor sees it as $Input, and replaces the output', async () => {
    const e = await runToEnd(
      flowOf([
        {
          Type: 'Pass',
          Name: 'Shape',
          InputConstructor: { 'value.$': '$Input.raw', constant: 'c' },
          OutputConstructor: {
            'doubled.$': '[$Input.value, $Input.value]',
            'kept.$': '$Input.constant',
            'run.$': '$Context.Execution.Name',
          },
          End: true,
        },
      ]),
      { raw: 7, noise: true },
      clock(),
    );
    expect(e.status).toBe('Succeeded');
    expect(e.output).toEqual({ doubled: [7, 7], kept: 'c', run: e.name });
  });

  it('a Task GlobalConstructor writes $Global (from the raw $Output) for later states; nested literal maps keep the .$ rule', async () => {
    const e = await runToEnd(
      flowOf([
        {
          Type: 'Task',
          Name: 'Remember',
          Action: 'FC:InvokeFunction',
          Parameters: { resourceArn: 'acs:fc:::functions/f/LATEST', invocationType: 'Sync' },
          GlobalConstructor: { 'ticket.$': '$Input.ticket', 'raw.$': '$Output.Body.n' },
          OutputConstructor: { step: 1 },
          Next: 'Use',
        },
        {
          Type: 'Pass',
          Name: 'Use',
          OutputConstructor: {
            'ticket.$': '$Global.ticket',
            'raw.$': '$Global.raw',
            nested: { 'step.$': '$Input.step', literal: 'x' },
          },
          End: true,
        },
      ]),
      { ticket: 'SEC-1' },
      clock(),
      { ...noIntegrations, invokeFunction: async () => ({ Body: { n: 42 } }) },
    );
    expect(e.output).toEqual({ ticket: 'SEC-1', raw: 42, nested: { step: 1, literal: 'x' } });
  });
});

describe('Wait', () => {
  it('waits exactly Seconds, or Seconds.$, in virtual seconds, passing its input through', async () => {
    const e = await runToEnd(
      flowOf([
        { Type: 'Wait', Name: 'Fixed', Seconds: 10, Next: 'FromInput' },
        { Type: 'Wait', Name: 'FromInput', 'Seconds.$': '$Input.delay', End: true },
      ]),
      { delay: 300 },
      clock(),
    );
    expect(e.status).toBe('Succeeded');
    expect(secondsBetween(e, 'Fixed', 'StateStarted', 'StateSucceeded')).toBe(10);
    expect(secondsBetween(e, 'FromInput', 'StateStarted', 'StateSucceeded')).toBe(300);
    expect(e.output).toEqual({ delay: 300 });
  });

  it.each([301, 0, 2.5, 'ten'])(
    'fails the execution when Seconds.$ is %s (Standard mode: whole seconds 1–300)',
    async (delay) => {
      const e = await runToEnd(
        flowOf([{ Type: 'Wait', Name: 'W', 'Seconds.$': '$Input.delay', End: true }]),
        { delay },
        clock(),
      );
      expect(e.status).toBe('Failed');
      expect(e.errorCode).toBe('FnF.InvalidWaitSeconds');
    },
  );
});

describe('Choice', () => {
  const decide = flowOf([
    {
      Type: 'Choice',
      Name: 'Decide',
      Branches: [
        { Condition: '$Input.phase == "ready"', Next: 'Ready' },
        { Condition: '$Input.phase == "pending" && $Input.attempt < 3', Next: 'Again' },
      ],
      Default: 'Other',
    },
    { Type: 'Pass', Name: 'Ready', OutputConstructor: { went: 'ready' }, End: true },
    {
      Type: 'Pass',
      Name: 'Again',
      OutputConstructor: { went: 'again', 'attempt.$': '$Input.attempt' },
      End: true,
    },
    { Type: 'Pass', Name: 'Other', OutputConstructor: { went: 'default' }, End: true },
  ]);

  it.each([
    [{ phase: 'ready', attempt: 9 }, { went: 'ready' }],
    [
      { phase: 'pending', attempt: 1 },
      { went: 'again', attempt: 1 },
    ],
    [{ phase: 'pending', attempt: 3 }, { went: 'default' }],
    [{ phase: 'failed', attempt: 0 }, { went: 'default' }],
  ])('%j → %j (first true branch wins, else Default; input passes through)', async (input, output) => {
    expect((await runToEnd(decide, input, clock())).output).toEqual(output);
  });

  it('fails the execution when a condition reads a missing field', async () => {
    const e = await runToEnd(decide, { attempt: 1 }, clock());
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'FnF.InvalidExpression' });
  });
});

describe('Succeed and Fail', () => {
  it('Succeed ends the flow with its input', async () => {
    const e = await runToEnd(flowOf([{ Type: 'Succeed', Name: 'Done' }]), { a: 1 }, clock());
    expect(e).toMatchObject({ status: 'Succeeded', output: { a: 1 } });
  });

  it('Fail ends the flow with its Code and Detail', async () => {
    const e = await runToEnd(
      flowOf([{ Type: 'Fail', Name: 'Stop', Code: 'Mirror.Failed', Detail: 'the session vanished' }]),
      {},
      clock(),
    );
    expect(e).toMatchObject({
      status: 'Failed',
      errorCode: 'Mirror.Failed',
      errorDetail: 'the session vanished',
    });
    expect(e.events.at(-1)?.Type).toBe('ExecutionFailed');
  });
});

describe('Parallel and Map', () => {
  it('Parallel runs branches at the same time and maps their outputs to Branch0, Branch1', async () => {
    const e = await runToEnd(
      flowOf([
        {
          Type: 'Parallel',
          Name: 'Both',
          Branches: [
            {
              StartAt: 'Slow',
              States: [
                { Type: 'Wait', Name: 'Slow', Seconds: 30, Next: 'A' },
                { Type: 'Pass', Name: 'A', OutputConstructor: { b: 0 }, End: true },
              ],
            },
            {
              StartAt: 'Fast',
              States: [
                { Type: 'Wait', Name: 'Fast', Seconds: 20, Next: 'B' },
                { Type: 'Succeed', Name: 'B' },
              ],
            },
          ],
          End: true,
        },
      ]),
      { x: 1 },
      clock(),
    );
    expect(e.output).toEqual({ Branch0: { b: 0 }, Branch1: { x: 1 } });
    expect(secondsBetween(e, 'Both', 'StateStarted', 'StateSucceeded')).toBe(30); // not 50
  });

  it('a Fail inside a branch fails the whole execution', async () => {
    const e = await runToEnd(
      flowOf([
        {
          Type: 'Parallel',
          Name: 'P',
          Branches: [
            { StartAt: 'F', States: [{ Type: 'Fail', Name: 'F', Code: 'Branch.Failed', Detail: 'no' }] },
          ],
          End: true,
        },
      ]),
      {},
      clock(),
    );
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'Branch.Failed' });
  });

  it('Map runs the Processor per item of ItemsPath and merges under Items', async () => {
    const e = await runToEnd(
      flowOf([
        {
          Type: 'Map',
          Name: 'Each',
          ItemsPath: '$Input.sessions',
          Processor: {
            StartAt: 'Tag',
            States: [
              {
                Type: 'Pass',
                Name: 'Tag',
                OutputConstructor: { 'id.$': '$Input.id', seen: true },
                End: true,
              },
            ],
          },
          End: true,
        },
      ]),
      { sessions: [{ id: 'tms-1' }, { id: 'tms-2' }] },
      clock(),
    );
    expect(e.output).toEqual({
      Items: [
        { id: 'tms-1', seen: true },
        { id: 'tms-2', seen: true },
      ],
    });
  });
});

describe('negation, in, and seeded built-ins in a running flow', () => {
  const flow = () =>
    flowOf([
      {
        Type: 'Choice',
        Name: 'Route',
        Branches: [{ Condition: '!($Input.kind in ["a", "b"])', Next: 'Other' }],
        Default: 'Known',
      },
      {
        Type: 'Pass',
        Name: 'Known',
        OutputConstructor: {
          route: 'known',
          'pick.$': 'randomInt(0, 1000000)',
          'next.$': 'intAdd($Input.n, 1)',
        },
        End: true,
      },
      { Type: 'Pass', Name: 'Other', OutputConstructor: { route: 'other' }, End: true },
    ]);

  it('routes with ! and in', async () => {
    expect((await runToEnd(flow(), { kind: 'z', n: 1 }, clock())).output).toEqual({ route: 'other' });
    expect((await runToEnd(flow(), { kind: 'a', n: 1 }, clock())).output).toMatchObject({
      route: 'known',
      next: 2,
    });
  });

  it('randomInt() repeats for the same seed and differs for another', async () => {
    const pick = async (seed: number) =>
      (
        (await runToEnd(flow(), { kind: 'b', n: 1 }, clock(), noIntegrations, seed)).output as {
          pick: number;
        }
      ).pick;
    expect(await pick(11)).toBe(await pick(11));
    expect(await pick(11)).not.toBe(await pick(12));
  });
});

describe('Map concurrency (virtual time)', () => {
  // Each iteration waits 10 virtual seconds inside a Task, so the Map's duration shows how many ran at once.
  const mapFlow = (extra: Record<string, unknown>) =>
    flowOf([
      {
        Type: 'Map',
        Name: 'Each',
        ItemsPath: '$Input.items',
        ...extra,
        Processor: {
          StartAt: 'Work',
          States: [
            {
              Type: 'Task',
              Name: 'Work',
              Action: 'FC:InvokeFunction',
              Parameters: { resourceArn: 'acs:fc:::functions/f', invocationType: 'Sync', 'body.$': '$Input' },
              OutputConstructor: { 'n.$': '$Output.Body.n' },
              End: true,
            },
          ],
        },
        End: true,
      },
    ]);
  const counting = (sim: SimulatedClock) => {
    const seen = { running: 0, peak: 0 };
    return {
      seen,
      integrations: {
        ...noIntegrations,
        invokeFunction: async (params: Record<string, unknown>) => {
          seen.running++;
          seen.peak = Math.max(seen.peak, seen.running);
          await sim.sleep(10_000);
          seen.running--;
          return { Body: params.body as Record<string, unknown> };
        },
      },
    };
  };
  const items = (count: number) => ({ items: Array.from({ length: count }, (_, n) => ({ n })) });

  it('runs every iteration at once when MaxConcuccency is not set, keeping Items in item order', async () => {
    const sim = clock();
    const { seen, integrations } = counting(sim);
    const e = await runToEnd(mapFlow({}), items(5), sim, integrations);
    expect(e.status).toBe('Succeeded');
    expect(seen.peak).toBe(5);
    expect(secondsBetween(e, 'Each', 'StateStarted', 'StateSucceeded')).toBe(10);
    expect(e.output).toEqual({ Items: [0, 1, 2, 3, 4].map((n) => ({ n })) });
  });

  it('honours MaxConcuccency: 5 items two at a time take three rounds', async () => {
    const sim = clock();
    const { seen, integrations } = counting(sim);
    const e = await runToEnd(mapFlow({ MaxConcuccency: 2 }), items(5), sim, integrations);
    expect(e.status).toBe('Succeeded');
    expect(seen.peak).toBe(2);
    expect(secondsBetween(e, 'Each', 'StateStarted', 'StateSucceeded')).toBe(30);
  });

  it('never runs more than the inline-mode limit of 40 at once', async () => {
    const sim = clock();
    const { seen, integrations } = counting(sim);
    const e = await runToEnd(mapFlow({}), items(45), sim, integrations);
    expect(e.status).toBe('Succeeded');
    expect(seen.peak).toBe(40);
    expect(secondsBetween(e, 'Each', 'StateStarted', 'StateSucceeded')).toBe(20);
  });

  it('a failed iteration fails the Map once the running ones finish; no new iteration starts', async () => {
    const sim = clock();
    const started: number[] = [];
    const e = await runToEnd(mapFlow({ MaxConcuccency: 2 }), items(5), sim, {
      ...noIntegrations,
      invokeFunction: async (params: Record<string, unknown>) => {
        const { n } = params.body as { n: number };
        started.push(n);
        if (n === 0) throw new FlowError('Item.Failed', 'item 0');
        await sim.sleep(10_000);
        return { Body: { n } };
      },
    });
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'Item.Failed' });
    expect(started).toEqual([0, 1]);
  });
});

describe('platform limits', () => {
  it('fails an execution whose history reaches 5,000 events', async () => {
    const e = await runToEnd(
      flowOf([
        { Type: 'Pass', Name: 'Ping', Next: 'Pong' },
        { Type: 'Pass', Name: 'Pong', Next: 'Ping' },
      ]),
      {},
      clock(),
    );
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'FnF.HistoryEventLimitExceeded' });
    expect(e.events.length).toBe(5000);
  });

  it('fails a state whose data exceeds 64 KiB', async () => {
    const e = await runToEnd(
      flowOf([{ Type: 'Pass', Name: 'Big', End: true }]),
      { blob: 'x'.repeat(70 * 1024) },
      clock(),
    );
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'FnF.DataLimitExceeded' });
  });

  it('times an execution out at the flow Timeout', async () => {
    const e = await runToEnd(
      flowOf([{ Type: 'Wait', Name: 'Long', Seconds: 300, End: true }], { Timeout: 60 }),
      {},
      clock(),
    );
    expect(e).toMatchObject({ status: 'TimedOut', errorCode: 'FnF.Timeout' });
    expect(((e.stoppedAt ?? 0) - e.startedAt) / 1000).toBe(60);
  });
});
