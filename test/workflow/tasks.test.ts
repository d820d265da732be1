/**
 * Task states against the local FC host (fixture handlers bundled by esbuild, invoked through the real
 * @alicloud/fc2 client) and the local bus: outputs, Retry ordering and backoff in virtual seconds, Catch.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../infra/local/clock.js';
import { retryDelaySeconds } from '../../infra/local/flow/executor.js';
import { type FlowStack, startFlowStack } from '../../infra/local/flowStack.js';
import { fixtureBundles } from '../helpers/fixtures.js';
import { flowOf, runToEnd } from '../helpers/flows.js';

let stack: FlowStack;
const clock = new SimulatedClock();
const arn = (fn: string) => `acs:fc:cn-hangzhou:1234567890123456:functions/${fn}/LATEST`;
const invoke = (fn: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Action: 'FC:InvokeFunction',
  Parameters: { resourceArn: arn(fn), invocationType: 'Sync', 'body.$': '$Input' },
  ...extra,
});
/** A Catch that hands `{code, detail}` of any error to a Pass named Report. */
const reportError = [
  {
    Errors: ['FnF.ALL'],
    Description: 'report',
    OutputConstructor: {
      'code.$': '$Context.Current.Error.Code',
      'detail.$': '$Context.Current.Error.Detail',
    },
    Next: 'Report',
  },
];
const retried = (e: Awaited<ReturnType<typeof runToEnd>>) =>
  e.events
    .filter((ev) => ev.Type === 'StateRetried')
    .map((ev) => JSON.parse(ev.EventDetail) as { delaySeconds: number; code: string });

beforeAll(async () => {
  stack = await startFlowStack({
    clock,
    region: 'cn-hangzhou',
    functionsDir: await fixtureBundles(),
    // sleepy: FC kills it after 1 s. hang: FC would wait 600 s, so a Task Timeout test never races FC's timer.
    configure: (name) => ({
      timeoutSeconds: name === 'sleepy' ? 1 : name === 'hang' ? 600 : 30,
      env: { MF_FIXTURE: name },
    }),
  });
}, 60_000);
afterAll(() => stack.close());

const run = (states: unknown[], input: Record<string, unknown>) =>
  runToEnd(flowOf(states), input, clock, stack.integrations);

describe('FC:InvokeFunction', () => {
  it('puts the function result under Body, for the OutputConstructor to read', async () => {
    const e = await run(
      [
        {
          ...invoke('echo'),
          Name: 'Call',
          OutputConstructor: { 'env.$': '$Output.Body.fixtureEnv', 'got.$': '$Output.Body.event.ask' },
          End: true,
        },
      ],
      { ask: 'hi' },
    );
    expect(e).toMatchObject({ status: 'Succeeded', output: { env: 'echo', got: 'hi' } });
  });

  it('an Async invocation returns at once with an empty output', async () => {
    const e = await run(
      [
        {
          Type: 'Task',
          Name: 'Fire',
          Action: 'FC:InvokeFunction',
          Parameters: { resourceArn: arn('echo'), invocationType: 'Async', body: { x: 1 } },
          End: true,
        },
      ],
      {},
    );
    expect(e).toMatchObject({ status: 'Succeeded', output: {} });
  });

  it('retries with the first matching rule, at IntervalSeconds × BackoffRate^(n−1), in virtual seconds', async () => {
    const e = await run(
      [
        {
          ...invoke('flaky'),
          Name: 'Flaky',
          Retry: [
            {
              Errors: ['FC.ResourceThrottled'],
              Description: 'never matches',
              IntervalSeconds: 1,
              MaxAttempts: 9,
            },
            {
              // A thrown Node error reaches the flow as its errorType, `Error`.
              Errors: ['Error'],
              Description: 'function errors',
              IntervalSeconds: 2,
              BackoffRate: 2,
              MaxAttempts: 3,
            },
            {
              Errors: ['FnF.ALL'],
              Description: 'would match too, but comes later',
              IntervalSeconds: 100,
              MaxAttempts: 9,
            },
          ],
          OutputConstructor: {
            'attempts.$': '$Output.Body.attempts',
            'retries.$': '$Context.Current.RetryCount',
          },
          End: true,
        },
      ],
      { key: `retry-${randomUUID()}`, failTimes: 2 },
    );
    expect(e).toMatchObject({ status: 'Succeeded', output: { attempts: 3, retries: 2 } });
    expect(retried(e).map((r) => r.delaySeconds)).toEqual([2, 4]);
    const succeeded = e.events.find((ev) => ev.Type === 'TaskSucceeded')!;
    expect(succeeded.ElapsedMs).toBe(6000);
  });

  it('caps the backoff at MaxBackoffSeconds', async () => {
    const e = await run(
      [
        {
          ...invoke('flaky'),
          Name: 'Capped',
          Retry: [
            {
              Errors: ['FnF.ALL'],
              Description: 'capped',
              IntervalSeconds: 10,
              BackoffRate: 3,
              MaxBackoffSeconds: 20,
              MaxAttempts: 3,
            },
          ],
          End: true,
        },
      ],
      { key: `cap-${randomUUID()}`, failTimes: 3 },
    );
    expect(e.status).toBe('Succeeded');
    expect(retried(e).map((r) => r.delaySeconds)).toEqual([10, 20, 20]);
    expect(
      retryDelaySeconds(
        { Errors: ['x'], Description: 'd', IntervalSeconds: 10, BackoffRate: 3, MaxAttempts: 3 },
        3,
      ),
    ).toBe(90);
  });

  it('after the retries, Catch takes over with the error in $Context.Current.Error', async () => {
    const e = await run(
      [
        {
          ...invoke('boom'),
          Name: 'Boom',
          Retry: [{ Errors: ['FnF.ALL'], Description: 'twice', IntervalSeconds: 1, MaxAttempts: 2 }],
          Catch: reportError,
          End: true,
        },
        { Type: 'Pass', Name: 'Report', End: true },
      ],
      {},
    );
    expect(e).toMatchObject({
      status: 'Succeeded',
      output: { code: 'Error', detail: 'boom: the fixture failed on purpose' },
    });
    expect(retried(e)).toHaveLength(2);
  });

  it('a handler that times out takes the Catch path', async () => {
    const e = await run(
      [
        {
          ...invoke('sleepy'),
          Name: 'Slow',
          Catch: [{ Errors: ['FnF.ALL'], Description: 'timeout', Next: 'Handle' }],
          End: true,
        },
        { Type: 'Pass', Name: 'Handle', End: true },
      ],
      {},
    );
    expect(e.status).toBe('Succeeded');
    // Without an OutputConstructor, Catch hands on {Error: {Code, Detail}} (an assumption, see assumptions.ts).
    expect(e.output).toEqual({
      Error: { Code: 'FunctionTimeout', Detail: 'Function timed out after 1 seconds' },
    });
  });

  it('Catch rules are tried in order: a specific error before FnF.ALL', async () => {
    const e = await run(
      [
        {
          ...invoke('no-such-function'),
          Name: 'Missing',
          Catch: [
            {
              Errors: ['FC.FunctionNotFound'],
              Description: 'specific',
              OutputConstructor: { route: 'specific' },
              Next: 'Out',
            },
            {
              Errors: ['FnF.ALL'],
              Description: 'general',
              OutputConstructor: { route: 'general' },
              Next: 'Out',
            },
          ],
          End: true,
        },
        { Type: 'Pass', Name: 'Out', End: true },
      ],
      {},
    );
    expect(e.output).toEqual({ route: 'specific' });
  });

  it('a Task Timeout fails the task with FnF.TaskTimeout after that many virtual seconds', async () => {
    // The function never answers and FC's own timeout is 600 s away: the only thing that can end the call is
    // the Task Timeout on the virtual clock, so the outcome and its timing cannot depend on machine load.
    const e = await run([{ ...invoke('hang'), Name: 'Bounded', Timeout: 5, End: true }], {});
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'FnF.TaskTimeout' });
    expect(e.events.find((ev) => ev.Type === 'TaskFailed')!.ElapsedMs).toBe(5000);
  });

  it('Timeout.$ takes the timeout from the input; a value out of 0–604800 fails the Task before any call', async () => {
    const e = await run([{ ...invoke('hang'), Name: 'Bounded', 'Timeout.$': '$Input.t', End: true }], {
      t: 7,
    });
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'FnF.TaskTimeout' });
    expect(e.events.find((ev) => ev.Type === 'TaskFailed')!.ElapsedMs).toBe(7000);
    const before = stack.fc.invocations.length;
    const bad = await run([{ ...invoke('echo'), Name: 'Bad', 'Timeout.$': '$Input.t', End: true }], {
      t: -1,
    });
    expect(bad).toMatchObject({ status: 'Failed', errorCode: 'FnF.InvalidArgument' });
    expect(stack.fc.invocations.length).toBe(before);
  });

  it('an uncaught task error fails the execution with its name', async () => {
    const e = await run([{ ...invoke('boom'), Name: 'Boom', End: true }], {});
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'Error' });
  });

  it("a thrown error is named by its errorType (FC answers 200 + x-fc-error-type), so Retry can match the function's own type", async () => {
    const e = await run(
      [
        {
          ...invoke('custom-error'),
          Name: 'Custom',
          Retry: [
            {
              Errors: ['MyCustomError'],
              Description: 'the docs example',
              IntervalSeconds: 1,
              MaxAttempts: 2,
            },
          ],
          Catch: reportError,
          End: true,
        },
        { Type: 'Pass', Name: 'Report', End: true },
      ],
      {},
    );
    expect(retried(e).map((r) => r.code)).toEqual(['MyCustomError', 'MyCustomError']);
    expect(e.output).toEqual({ code: 'MyCustomError', detail: 'custom-error: a business rule failed' });
    // The FC host really answered 200 with the error header: the naming is the flow's reading of it.
    const calls = stack.fc.invocations.filter((i) => i.function === 'custom-error');
    expect(calls.at(-1)).toMatchObject({ outcome: 'error', errorType: 'MyCustomError' });
  });

  it('a non-2xx FC answer is FC.{ErrorCode}', async () => {
    const e = await run([{ ...invoke('no-such-function'), Name: 'Missing', End: true }], {});
    expect(e).toMatchObject({ status: 'Failed', errorCode: 'FC.FunctionNotFound' });
  });
});

describe('FC:InvokeFunction resourceArn forms', () => {
  const call = (resourceArn: string) =>
    run(
      [
        {
          Type: 'Task',
          Name: 'Call',
          Action: 'FC:InvokeFunction',
          Parameters: { resourceArn, invocationType: 'Sync', body: { ask: 'arn' } },
          OutputConstructor: { 'got.$': '$Output.Body.event.ask' },
          End: true,
        },
      ],
      {},
    );

  it.each([
    ['the full FC 3.0 ARN with a qualifier', 'acs:fc:cn-hangzhou:1234567890123456:functions/echo/LATEST'],
    ['the full FC 3.0 ARN without a qualifier', 'acs:fc:cn-hangzhou:1234567890123456:functions/echo'],
    ['region and account left empty', 'acs:fc:::functions/echo/LATEST'],
    ['the FC 2.0 form', 'acs:fc:cn-hangzhou:1234567890123456:services/mirrorflow.LATEST/functions/echo'],
  ])('accepts %s', async (_what, resourceArn) => {
    expect(await call(resourceArn)).toMatchObject({ status: 'Succeeded', output: { got: 'arn' } });
  });

  it.each([
    [
      'another region',
      'acs:fc:cn-shanghai:1234567890123456:functions/echo/LATEST',
      'FC.FunctionNotFound',
      /region cn-shanghai/,
    ],
    [
      'another account',
      'acs:fc:cn-hangzhou:999999999999:functions/echo/LATEST',
      'FC.AccessDenied',
      /account 999999999999/,
    ],
    [
      'a malformed ARN',
      'acs:fc:cn-hangzhou:1234567890123456:function/echo',
      'FC.InvalidArgument',
      /does not name a function/,
    ],
  ])('fails the Task for %s', async (_what, resourceArn, code, detail) => {
    const before = stack.fc.invocations.length;
    const e = await call(resourceArn);
    expect(e).toMatchObject({ status: 'Failed', errorCode: code });
    expect(e.errorDetail).toMatch(detail);
    // Refused before any call reaches FC.
    expect(stack.fc.invocations.length).toBe(before);
  });
});

describe('EventBridge:PutEvents', () => {
  it('puts one CloudEvent on the bus with the given id, source, type, subject, bus name and data', async () => {
    const before = stack.bus.events.length;
    const e = await run(
      [
        {
          Type: 'Task',
          Name: 'Emit',
          Action: 'EventBridge:PutEvents',
          Parameters: {
            eventBusName: 'mirrorflow',
            source: 'mirrorflow',
            type: 'mirrorflow:TrafficMirrorSession:Ready',
            'id.$': '$Input.id',
            subject: 'acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-1',
            data: { 'sessionId.$': '$Input.sessionId', outcome: 'Ready' },
          },
          End: true,
        },
      ],
      { id: 'evt-ready-1', sessionId: 'tms-1' },
    );
    expect(e).toMatchObject({ status: 'Succeeded', output: {} });
    expect(stack.bus.events.slice(before)).toEqual([
      expect.objectContaining({
        specversion: '1.0',
        id: 'evt-ready-1',
        source: 'mirrorflow',
        type: 'mirrorflow:TrafficMirrorSession:Ready',
        subject: 'acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-1',
        aliyuneventbusname: 'mirrorflow',
        data: { sessionId: 'tms-1', outcome: 'Ready' },
      }),
    ]);
  });
});
