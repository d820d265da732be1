/**
 * workflows/session-ready.yaml when check-status keeps failing: the Catch path still answers every request
 * that has no completion event yet with a Failed event (built in the flow), and only those.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowErrorEvent } from '../../functions/lib/contract/completionEvent.js';
import { jobItem, newJob } from '../../functions/lib/contract/flowJob.js';
import {
  buildReconcileCompletedEvent,
  reconcileCounts,
} from '../../functions/lib/contract/reconcileEvent.js';
import { validateMirrorRequest } from '../../functions/lib/contract/request.js';
import { emptyLists } from '../../functions/lib/steps/reconcileReport.js';
import { SimulatedClock } from '../../infra/local/clock.js';
import { FlowError } from '../../infra/local/flow/errors.js';
import { startExecution } from '../../infra/local/flow/executor.js';
import { type FlowStack, startFlowStack } from '../../infra/local/flowStack.js';
import { loadFlowFile } from '../../infra/local/fnf/flows.js';
import { assertCompletionEvent, assertReconcileEvent } from '../helpers/eventSchema.js';
import { fixtureBundles } from '../helpers/fixtures.js';
import { validRequest } from '../helpers/requests.js';

let stack: FlowStack;
let emitThenBoom: FlowStack;
const clock = new SimulatedClock();

beforeAll(async () => {
  const dir = await fixtureBundles();
  // A check-status that always throws (the `boom` fixture under check-status's name).
  stack = await startFlowStack({
    clock,
    region: 'cn-hangzhou',
    functions: [{ name: 'check-status', bundle: join(dir, 'boom', 'index.js'), env: {}, timeoutSeconds: 30 }],
  });
  // check-status that fails only after a round of events was put.
  emitThenBoom = await startFlowStack({
    clock,
    region: 'cn-hangzhou',
    functions: [
      { name: 'check-status', bundle: join(dir, 'emit-then-boom', 'index.js'), env: {}, timeoutSeconds: 30 },
    ],
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  await emitThenBoom.close();
});

describe('session-ready when check-status fails for good', () => {
  it('emits a Failed event for each unanswered request, then fails with Mirror.WorkflowError', async () => {
    const checked = validateMirrorRequest(validRequest({ Correlation: { ticket: 'SEC-9' } }));
    if (!checked.ok) throw new Error('fixture');
    const item = (token: string, sessionId: string) =>
      jobItem(
        { outcome: 'Created', sessionId, priority: 20000, clientToken: token, request: checked.value },
        'event',
        '1234567890123456',
      );
    const answered = { ...item('tok-answered', 'tms-a'), emitted: true };
    const job = newJob({
      executionName: 'exec-broken',
      eventBusName: 'mirrorflow',
      accountId: '1234567890123456',
      now: clock.now(),
      deadlineSeconds: 900,
      items: [item('tok-waiting', 'tms-b'), answered],
    });
    const execution = startExecution(loadFlowFile('workflows/session-ready.yaml'), {
      name: 'exec-broken',
      input: { job },
      clock,
      integrations: stack.integrations,
    });
    while (execution.status === 'Running') await execution.waitForEnd(30_000);

    expect(execution).toMatchObject({ status: 'Failed', errorCode: 'Mirror.WorkflowError' });
    // The flow's FnF.ALL Retry ran first: a function error is retried 3 times before the Catch, whatever its name.
    expect(stack.fc.invocations.filter((i) => i.function === 'check-status')).toHaveLength(4);
    const events = stack.bus.events.filter((e) =>
      String(e.type).startsWith('mirrorflow:TrafficMirrorSession:'),
    );
    expect(events).toHaveLength(1);
    events.forEach(assertCompletionEvent);
    // The FDL builds the event field by field as the contract module says, nothing more and nothing less.
    const expected = workflowErrorEvent(job, job.items[0]!);
    expect(events[0]).toMatchObject({ id: expected.id, type: expected.type, subject: expected.subject });
    expect(events[0]!.data).toEqual(expected.data);
    expect(events[0]).toMatchObject({
      id: 'exec-broken:tok-waiting:Failed',
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      subject: 'acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-b',
      aliyuneventbusname: 'mirrorflow',
      data: {
        outcome: 'Failed',
        reason: 'Mirror.WorkflowError',
        clientToken: 'tok-waiting',
        sessionId: 'tms-b',
        correlation: { ticket: 'SEC-9' },
        error: { code: 'Mirror.WorkflowError', retryable: false },
      },
    });
    // The real cause stays in the execution history (the Catch of CheckStatus).
    const caught = execution.events.find((e) => e.Type === 'StateCaught' && e.StepName === 'CheckStatus');
    expect(JSON.parse(caught!.EventDetail)).toMatchObject({
      error: { Code: 'Error', Detail: 'boom: the fixture failed on purpose' },
    });
  });

  it('still answers each request once when the cloud refuses a `.$` path to null (F26): same id, fewer fields', async () => {
    const checked = validateMirrorRequest(validRequest({ Correlation: { ticket: 'SEC-10' } }));
    if (!checked.ok) throw new Error('fixture');
    const base = jobItem(
      {
        outcome: 'Created',
        sessionId: 'tms-c',
        priority: 20000,
        clientToken: 'tok-null',
        request: checked.value,
      },
      'event',
      '1234567890123456',
    );
    // A request that never got a session: regionId, sessionId, session (and request) are null.
    const withNulls = { ...base, regionId: null, sessionId: null, session: null, request: null };
    const complete = {
      ...jobItem(
        {
          outcome: 'Created',
          sessionId: 'tms-d',
          priority: 20001,
          clientToken: 'tok-full',
          request: checked.value,
        },
        'event',
        '1234567890123456',
      ),
      // Seen once, so nothing the flow reads for it is null.
      session: {
        id: 'tms-d',
        status: 'Creating',
        businessStatus: 'Normal',
        enabled: true,
        priority: 20001,
        virtualNetworkId: 7,
        packetLength: 1500,
      },
    };
    const job = newJob({
      executionName: 'exec-nulls',
      eventBusName: 'mirrorflow',
      accountId: '1234567890123456',
      now: clock.now(),
      deadlineSeconds: 900,
      items: [withNulls, complete],
    });
    // The other reading of the docs: evaluating a path to null fails the state. Modelled at the integration
    // boundary: a PutEvents whose data still holds a null field fails as the cloud's expression error would.
    const puts: Record<string, unknown>[] = [];
    const strictNulls = {
      ...stack.integrations,
      putEvents: async (params: Record<string, unknown>) => {
        const data = params.data as Record<string, unknown>;
        if (Object.values(data).some((v) => v === null))
          throw new FlowError('FnF.InvalidExpression', 'a path evaluated to null');
        puts.push(params);
        return stack.integrations.putEvents(params);
      },
    };
    const execution = startExecution(loadFlowFile('workflows/session-ready.yaml'), {
      name: 'exec-nulls',
      input: { job },
      clock,
      integrations: strictNulls,
    });
    while (execution.status === 'Running') await execution.waitForEnd(30_000);

    expect(execution).toMatchObject({ status: 'Failed', errorCode: 'Mirror.WorkflowError' });
    // Exactly one Failed event per request, whichever way each was put.
    expect(puts.map((p) => p.id).sort()).toEqual([
      'exec-nulls:tok-full:Failed',
      'exec-nulls:tok-null:Failed',
    ]);
    const slim = puts.find((p) => p.id === 'exec-nulls:tok-null:Failed')!;
    expect(slim.data).toMatchObject({
      outcome: 'Failed',
      clientToken: 'tok-null',
      correlation: { ticket: 'SEC-10' },
    });
    expect(slim.data).not.toHaveProperty('sessionId');
    const full = puts.find((p) => p.id === 'exec-nulls:tok-full:Failed')!;
    expect(full.data).toMatchObject({ sessionId: 'tms-d', regionId: 'cn-hangzhou' });
    // Both forms are events of the published contract.
    stack.bus.events.filter((e) => String(e.id).startsWith('exec-nulls:')).forEach(assertCompletionEvent);
  });

  it("puts a reconcile run's Completed event even when check-status never runs", async () => {
    const run = {
      triggerTime: '2026-11-22T03:00:00Z',
      mode: 'apply' as const,
      owner: 'mirrorflow',
      regions: ['cn-hangzhou'],
      prune: true,
      lists: emptyLists(),
    };
    const completed = buildReconcileCompletedEvent(run, reconcileCounts(run.lists, 0), {
      eventBusName: 'mirrorflow',
      executionName: 'mfc-0badc0de',
    });
    const job = newJob({
      executionName: 'mfc-0badc0de',
      eventBusName: 'mirrorflow',
      accountId: '1234567890123456',
      now: clock.now(),
      deadlineSeconds: 900,
      items: [],
      notices: [completed],
    });
    const execution = startExecution(loadFlowFile('workflows/session-ready.yaml'), {
      name: 'mfc-0badc0de',
      input: { job },
      clock,
      integrations: stack.integrations,
    });
    while (execution.status === 'Running') await execution.waitForEnd(30_000);
    expect(execution).toMatchObject({ status: 'Failed', errorCode: 'Mirror.WorkflowError' });
    const put = stack.bus.events.filter((e) => e.id === 'mfc-0badc0de:Completed');
    expect(put).toHaveLength(1);
    expect(put[0]).toMatchObject({
      type: 'mirrorflow:Reconcile:Completed',
      data: { triggerTime: run.triggerTime },
    });
    put.forEach(assertReconcileEvent);
  });

  it('never puts a Failed event after a Ready one: items answered before check-status failed are skipped', async () => {
    const checked = validateMirrorRequest(validRequest());
    if (!checked.ok) throw new Error('fixture');
    const job = newJob({
      executionName: 'exec-answered',
      eventBusName: 'mirrorflow',
      accountId: '1234567890123456',
      now: clock.now(),
      deadlineSeconds: 900,
      items: ['tok-1', 'tok-2'].map((token, i) =>
        jobItem(
          {
            outcome: 'Created',
            sessionId: `tms-r${i}`,
            priority: 20000 + i,
            clientToken: token,
            request: checked.value,
          },
          'event',
          '1234567890123456',
        ),
      ),
    });
    const execution = startExecution(loadFlowFile('workflows/session-ready.yaml'), {
      name: 'exec-answered',
      input: { job },
      clock,
      integrations: emitThenBoom.integrations,
    });
    while (execution.status === 'Running') await execution.waitForEnd(30_000);
    expect(execution).toMatchObject({ status: 'Failed', errorCode: 'Mirror.WorkflowError' });
    const put = emitThenBoom.bus.events.filter((e) => String(e.id).startsWith('exec-answered:'));
    expect(put.map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
      'mirrorflow:TrafficMirrorSession:Ready',
    ]);
  });
});
