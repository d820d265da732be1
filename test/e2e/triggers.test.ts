/**
 * mirrorflow end to end on the local cloud, through the real clients: one request through each trigger ends
 * in exactly one Created session and exactly one Ready event carrying its correlation; failures end in exactly
 * one Failed event with the cloud's code and a hint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.js';
import {
  completionEvents,
  postWebhook,
  putRequestEvent,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest } from '../helpers/requests.js';

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
}, 120_000);
afterAll(() => cloud?.close());

const mirrorRequest = demoRequest;

const submitEvent = (id: string, data: unknown) =>
  putRequestEvent(cloud, { source: 'acs.test.tickets', id, type: 'Submitted', data });

const sessionsFrom = (source: string) =>
  cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes(source));

describe('each trigger, end to end', () => {
  it('an EventBridge event → one Created session → one Ready event with the correlation map', async () => {
    const token = await submitEvent(
      'evt-1',
      mirrorRequest('eni-bp1web01', { Correlation: { ticket: 'SEC-1', requester: 'alice' } }),
    );
    const [ready] = await waitForCompletion(cloud, token);
    expect(ready).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Ready',
      source: 'mirrorflow',
      subject: expect.stringMatching(/^acs:vpc:cn-hangzhou:\d+:trafficmirrorsession\/tms-/),
      data: {
        outcome: 'Ready',
        trigger: 'event',
        provisioning: 'Created',
        clientToken: token,
        correlation: { ticket: 'SEC-1', requester: 'alice' },
        session: { status: 'Created', enabled: true },
        request: { TrafficMirrorSourceIds: ['eni-bp1web01'] },
      },
    });
    expect(sessionsFrom('eni-bp1web01')).toHaveLength(1);
    expect(sessionsFrom('eni-bp1web01')[0]!.enabled).toBe(true);
    await settle(cloud);
    expect(completionEvents(cloud, token)).toHaveLength(1);
    // Its one event was the job's last: once it is put, the next round ends the flow without a look.
    const execution = [...cloud.fnf.executions.values()].find((e) => e.name === token);
    const entered = execution!.events.filter((h) => h.Type === 'StateEntered').map((h) => h.StepName);
    expect(entered.slice(-5)).toEqual(['Emit', 'PutCompletionEvent', 'CheckStatus', 'Decide', 'Done']);
    expect(execution!.status).toBe('Succeeded');
  });

  it('a signed webhook → 202 with the session and execution → one Ready event; a resend gets the same answer', async () => {
    const body = { request: mirrorRequest('eni-bp1db01'), correlation: { ticket: 'CHG-7' } };
    const first = await postWebhook(cloud, body, 'delivery-1');
    expect(first.status).toBe(202);
    const answer = (await first.json()) as Record<string, string>;
    expect(answer).toMatchObject({
      outcome: 'Created',
      trafficMirrorSessionId: expect.stringMatching(/^tms-/),
      executionName: answer.clientToken,
    });
    const again = await postWebhook(cloud, body, 'delivery-1');
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(answer);
    const [ready] = await waitForCompletion(cloud, answer.clientToken!);
    expect(ready!.data).toMatchObject({
      outcome: 'Ready',
      trigger: 'webhook',
      correlation: { ticket: 'CHG-7' },
      sessionId: answer.trafficMirrorSessionId,
    });
    await settle(cloud);
    expect(completionEvents(cloud, answer.clientToken)).toHaveLength(1);
    expect(sessionsFrom('eni-bp1db01')).toHaveLength(1);
  });

  it('the reconcile timer → the missing sessions created → one Ready event each; fired twice, nothing doubles', async () => {
    const triggerTime = '2026-11-22T03:00:00Z';
    const report = (await cloud.reconcile(triggerTime)) as {
      counts: Record<string, number>;
      handOffs: unknown[];
      text: string;
    };
    expect(report.counts).toMatchObject({ desired: 3, created: 3 });
    expect(report.handOffs).toHaveLength(1);
    const again = (await cloud.reconcile(triggerTime)) as { counts: Record<string, number> };
    // The same firing: its sessions are the ones it created (reported so again), and nothing new is made.
    expect(again.counts).toMatchObject({ created: 3, unchanged: 0 });
    await settle(cloud);
    const reconciled = completionEvents(cloud).filter(
      (e) => (e.data as { trigger?: string }).trigger === 'reconcile',
    );
    expect(reconciled).toHaveLength(3);
    expect(reconciled.every((e) => e.type === 'mirrorflow:TrafficMirrorSession:Ready')).toBe(true);
    expect(
      reconciled
        .map((e) => (e.data as { correlation: Record<string, string> }).correlation.reconcileEntry)
        .sort(),
    ).toEqual(['app-tier-to-ndr', 'web02-to-ids', 'web03-to-ids']);
    for (const source of ['eni-bp1web02', 'eni-bp1web03', 'eni-bp1app01'])
      expect(sessionsFrom(source)).toHaveLength(1);
  });

  it('reconcile in plan mode reports what it would do and changes nothing', async () => {
    const before = cloud.vpc.model.liveSessions().length;
    const callsBefore = cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession').length;
    const report = (await cloud.reconcile('2026-11-22T04:00:00Z', { mode: 'plan' })) as {
      mode: string;
      counts: Record<string, number>;
      handOffs: unknown[];
      text: string;
    };
    expect(report.mode).toBe('plan');
    expect(report.handOffs).toEqual([]);
    expect(report.text).toMatch(/^reconcile 2026-11-22T04:00:00Z \(plan, owner mirrorflow, prune on\)/);
    expect(cloud.vpc.model.liveSessions()).toHaveLength(before);
    expect(cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession')).toHaveLength(
      callsBefore,
    );
  });

  it('a request the cloud refuses → one Failed event with the cloud code and a hint', async () => {
    const token = await submitEvent('evt-missing-eni', mirrorRequest('eni-bp1nope99'));
    const [failed] = await waitForCompletion(cloud, token);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: {
        outcome: 'Failed',
        reason: 'ResourceNotFound.NetworkInterface',
        error: {
          code: 'ResourceNotFound.NetworkInterface',
          hint: expect.stringMatching(/ENI/),
          retryable: false,
        },
      },
    });
    await settle(cloud);
    expect(completionEvents(cloud, token)).toHaveLength(1);
  });

  it('a malformed event is answered with one Failed event (nobody waits forever), never retried', async () => {
    const token = await submitEvent('evt-bad', {
      RegionId: 'cn-hangzhou',
      Priority: 'high',
      Correlation: { ticket: 'SEC-404', 'not a key': 'x' },
    });
    const [failed] = await waitForCompletion(cloud, token);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: {
        reason: 'Mirror.InvalidRequest',
        // What could be read of it comes back, so the sender can match the answer to what it sent.
        correlation: { ticket: 'SEC-404' },
        request: { RegionId: 'cn-hangzhou', Priority: 'high' },
        error: { message: expect.stringContaining('TrafficMirrorSourceIds: is required') },
      },
    });
    await settle(cloud);
    const intakeRuns = cloud.stack.fc.invocations.filter(
      (i) => i.function === 'intake-event' && i.outcome === 'error',
    );
    expect(intakeRuns).toHaveLength(0);
  });
});
