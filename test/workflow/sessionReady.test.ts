/**
 * workflows/session-ready.yaml when check-status keeps failing: the Catch path still answers every request
 * that has no completion event yet with a Failed event (built in the flow), and only those.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobItem, newJob } from '../../functions/lib/flowJob.js';
import { validateMirrorRequest } from '../../functions/lib/request.js';
import { SimulatedClock } from '../../infra/local/clock.js';
import { startExecution } from '../../infra/local/flow/executor.js';
import { type FlowStack, startFlowStack } from '../../infra/local/flowStack.js';
import { loadFlowFile } from '../../infra/local/fnf/flows.js';
import { fixtureBundles } from '../helpers/fixtures.js';
import { validRequest } from '../helpers/requests.js';

let stack: FlowStack;
const clock = new SimulatedClock();

beforeAll(async () => {
  const dir = await fixtureBundles();
  // A check-status that always throws (the `boom` fixture under check-status's name).
  stack = await startFlowStack({
    clock,
    region: 'cn-hangzhou',
    functions: [{ name: 'check-status', bundle: join(dir, 'boom', 'index.js'), env: {}, timeoutSeconds: 30 }],
  });
}, 60_000);
afterAll(() => stack.close());

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
    // The flow's Retry ran first: FC function errors are retried 3 times before the Catch.
    expect(stack.fc.invocations.filter((i) => i.function === 'check-status')).toHaveLength(4);
    const events = stack.bus.events.filter((e) =>
      String(e.type).startsWith('mirrorflow:TrafficMirrorSession:'),
    );
    expect(events).toHaveLength(1);
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
        error: {
          code: 'FC.UnhandledInvocationError',
          message: 'boom: the fixture failed on purpose',
          retryable: false,
        },
      },
    });
  });
});
