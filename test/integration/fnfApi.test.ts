/** The local CloudFlow (fnf 2019-03-15) API through @alicloud/pop-core, signed like the cloud's. */
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudCallPolicy } from '../../functions/lib/cloud/retry.js';
import { createWorkflowClient, findExecution, handOff } from '../../functions/lib/cloud/workflowClient.js';
import type { Job } from '../../functions/lib/contract/flowJob.js';
import { VirtualClock } from '../../infra/local/clock.js';
import { LOCAL_ACCESS_KEY } from '../../infra/local/credentials.js';
import { type FnfApi, startFnfApi } from '../../infra/local/fnf/api.js';
import { loadFlowsDir } from '../../infra/local/fnf/flows.js';
import { noIntegrations } from '../helpers/flows.js';

let api: FnfApi;
let client: RPCClient;
const clock = new VirtualClock(1);
type Described = {
  Name: string;
  Status: string;
  StartedTime: string;
  StoppedTime: string;
  Output: string;
  Input: string;
};
const call = <T = Described>(action: string, params: Record<string, unknown>) =>
  client.request<T>(action, params, { method: 'POST' });
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK').catch((e: { code?: string }) => e.code);

beforeAll(async () => {
  api = await startFnfApi({
    clock,
    flows: loadFlowsDir('test/fixtures/workflows'),
    integrations: noIntegrations,
  });
  client = new RPCClient({
    endpoint: api.url,
    apiVersion: '2019-03-15',
    accessKeyId: LOCAL_ACCESS_KEY.accessKeyId,
    accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
  });
});
afterAll(() => api.close());

describe('fnf API', () => {
  it('StartExecution twice: running → the same execution; finished → ExecutionAlreadyExists', async () => {
    const input = JSON.stringify({ seconds: 30 });
    const first = await call('StartExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'mf-ev-abc',
      Input: input,
    });
    expect(first).toMatchObject({ Name: 'mf-ev-abc', FlowName: 'wait-then-done', Status: 'Running' });
    const again = await call('StartExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'mf-ev-abc',
      Input: input,
    });
    expect(again.StartedTime).toBe(first.StartedTime);
    expect(api.executions.size).toBe(1);
    clock.advance(31_000);
    const done = await call('DescribeExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'mf-ev-abc',
      WaitTimeSeconds: 5,
    });
    expect(done).toMatchObject({ Status: 'Succeeded', Output: input });
    expect(
      await codeOf(
        call('StartExecution', { FlowName: 'wait-then-done', ExecutionName: 'mf-ev-abc', Input: input }),
      ),
    ).toBe('ExecutionAlreadyExists');
  });

  it('DescribeExecution with WaitTimeSeconds answers as soon as the execution ends', async () => {
    await call('StartExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'long-poll',
      Input: JSON.stringify({ seconds: 2 }),
    });
    const started = Date.now();
    const described = await call('DescribeExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'long-poll',
      WaitTimeSeconds: 30,
    });
    expect(described.Status).toBe('Succeeded');
    expect(Date.now() - started).toBeLessThan(10_000);
    const quick = await call('DescribeExecution', { FlowName: 'wait-then-done', ExecutionName: 'long-poll' });
    expect(quick.StoppedTime).not.toBe('');
  });

  it('ListExecutions lists the executions of a flow, by status and name prefix, a page at a time', async () => {
    for (const name of ['list-a', 'list-b', 'other-c'])
      await call('StartExecution', {
        FlowName: 'wait-then-done',
        ExecutionName: name,
        Input: '{"seconds": 200}',
      });
    type Listed = { Executions: { Name: string; Status: string }[]; NextToken: string };
    const running = await call<Listed>('ListExecutions', { FlowName: 'wait-then-done', Status: 'Running' });
    expect(running.Executions.map((e) => e.Name)).toEqual(
      expect.arrayContaining(['list-a', 'list-b', 'other-c']),
    );
    expect(running.Executions.every((e) => e.Status === 'Running')).toBe(true);
    const prefixed = await call<Listed>('ListExecutions', {
      FlowName: 'wait-then-done',
      ExecutionNamePrefix: 'list-',
      Limit: 1,
    });
    expect(prefixed.Executions.map((e) => e.Name)).toEqual(['list-a']);
    const next = await call<Listed>('ListExecutions', {
      FlowName: 'wait-then-done',
      ExecutionNamePrefix: 'list-',
      Limit: 1,
      NextToken: prefixed.NextToken,
    });
    expect(next).toMatchObject({ Executions: [{ Name: 'list-b' }], NextToken: '' });
    expect(await codeOf(call('ListExecutions', { FlowName: 'nope' }))).toBe('FlowNotExists');
  });

  it('GetExecutionHistory pages through the events', async () => {
    const page1 = await call<{ Events: { Type: string }[]; NextToken: string }>('GetExecutionHistory', {
      FlowName: 'wait-then-done',
      ExecutionName: 'long-poll',
      Limit: 3,
    });
    expect(page1.Events).toHaveLength(3);
    expect(page1.Events[0]!.Type).toBe('ExecutionStarted');
    const page2 = await call<{ Events: { Type: string }[]; NextToken: string }>('GetExecutionHistory', {
      FlowName: 'wait-then-done',
      ExecutionName: 'long-poll',
      Limit: 100,
      NextToken: page1.NextToken,
    });
    expect(page2.NextToken).toBe('');
    expect(page2.Events.at(-1)!.Type).toBe('ExecutionSucceeded');
  });

  it('refuses unknown flows and executions, bad names and bad input', async () => {
    expect(await codeOf(call('StartExecution', { FlowName: 'nope', ExecutionName: 'x' }))).toBe(
      'FlowNotExists',
    );
    expect(
      await codeOf(call('DescribeExecution', { FlowName: 'wait-then-done', ExecutionName: 'never' })),
    ).toBe('ExecutionNotExists');
    expect(
      await codeOf(
        call('StartExecution', { FlowName: 'wait-then-done', ExecutionName: '9-starts-with-digit' }),
      ),
    ).toBe('InvalidArgument');
    expect(
      await codeOf(call('StartExecution', { FlowName: 'wait-then-done', ExecutionName: 'x'.repeat(129) })),
    ).toBe('InvalidArgument');
    expect(
      await codeOf(
        call('StartExecution', { FlowName: 'wait-then-done', ExecutionName: 'arr', Input: '[1]' }),
      ),
    ).toBe('InvalidArgument');
    expect(
      await codeOf(
        call('StartExecution', {
          FlowName: 'wait-then-done',
          ExecutionName: 'big',
          Input: JSON.stringify({ b: 'x'.repeat(70_000) }),
        }),
      ),
    ).toBe('InvalidArgument');
  });

  it('checks signatures like every RPC API', async () => {
    const wrong = new RPCClient({
      endpoint: api.url,
      apiVersion: '2019-03-15',
      accessKeyId: LOCAL_ACCESS_KEY.accessKeyId,
      accessKeySecret: 'nope',
    });
    expect(
      await codeOf(
        wrong.request(
          'DescribeExecution',
          { FlowName: 'wait-then-done', ExecutionName: 'x' },
          { method: 'POST' },
        ),
      ),
    ).toBe('SignatureDoesNotMatch');
  });

  it("mirrorflow's findExecution (DescribeExecution through pop-core): none, running, then finished, with its job", async () => {
    const workflow = createWorkflowClient({
      regionId: 'cn-hangzhou',
      credentials: LOCAL_ACCESS_KEY,
      endpoint: api.url,
    });
    const find = (executionName: string) =>
      findExecution(workflow, {
        flowName: 'wait-then-done',
        executionName,
        policy: cloudCallPolicy({ retryMaxAttempts: 2, retryMaxElapsedMs: 1_000 }),
      });
    expect(await find('mf-wh-none')).toBeUndefined();
    const job = { executionName: 'mf-wh-found', items: [{ clientToken: 'mf-wh-found', sessionId: 'tms-a' }] };
    await call('StartExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'mf-wh-found',
      Input: JSON.stringify({ seconds: 30, job }),
    });
    expect(await find('mf-wh-found')).toEqual({ executionName: 'mf-wh-found', handOff: 'started', job });
    clock.advance(31_000);
    await call('DescribeExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'mf-wh-found',
      WaitTimeSeconds: 5,
    });
    expect(await find('mf-wh-found')).toMatchObject({ handOff: 'finished', job });
    // Handing the same job off again finds the finished execution: it happened, nothing is started twice.
    const again = await handOff(workflow, {
      flowName: 'wait-then-done',
      job: { ...(job as unknown as Job), executionName: 'mf-wh-found' },
      policy: cloudCallPolicy({ retryMaxAttempts: 2, retryMaxElapsedMs: 1_000 }),
    });
    expect(again).toEqual({ executionName: 'mf-wh-found', handOff: 'finished' });
    // An execution that was not started with a job is not one of mirrorflow's hand-offs.
    await call('StartExecution', {
      FlowName: 'wait-then-done',
      ExecutionName: 'not-a-job',
      Input: '{"seconds": 1}',
    });
    expect(await find('not-a-job')).toBeUndefined();
  });

  it('refuses a flow file whose Name is not its file name', async () => {
    const { loadFlowFile } = await import('../../infra/local/fnf/flows.js');
    expect(() => loadFlowFile('test/fixtures/flows/poll-job.yaml')).not.toThrow();
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'mf-flow-')), 'other-name.yaml');
    writeFileSync(
      file,
      'Type: StateMachine\nName: poll-job\nSpecVersion: v1\nStartAt: A\nStates:\n  - {Type: Succeed, Name: A}\n',
    );
    expect(() => loadFlowFile(file)).toThrow(/must equal the flow name "other-name"/);
  });
});
