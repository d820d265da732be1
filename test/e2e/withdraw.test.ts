/**
 * Withdraw through the EventBridge trigger, end to end: the session a request created is deleted and one
 * Deleted event answers — however often the withdraw is delivered; a withdraw by Ticket deletes every session
 * of the ticket, one Deleted event each; a withdraw of something unknown, foreign
 * or malformed is answered by one Failed event with a clear code, and deletes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionDeleteToken } from '../../functions/lib/contract/clientToken.js';
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

const SOURCE = 'tickets.withdraw';
const put = (id: string, type: 'Submitted' | 'Withdrawn', data: unknown, copies = 1) =>
  putRequestEvent(cloud, { source: SOURCE, id, type, data }, copies);
const live = (source: string) => cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes(source));

describe('withdraw', () => {
  it('by the ClientToken of the request that created it, delivered 3 times: one delete, one Deleted event', async () => {
    const created = await put(
      'sub-1',
      'Submitted',
      demoRequest('eni-bp1web01', { Correlation: { ticket: 'SEC-9' } }),
    );
    const [ready] = await waitForCompletion(cloud, created);
    const sessionId = (ready!.data as { sessionId: string }).sessionId;
    const token = await put(
      'wd-1',
      'Withdrawn',
      { RegionId: 'cn-hangzhou', ClientToken: created, Correlation: { ticket: 'SEC-9' } },
      3,
    );
    const [deleted] = await waitForCompletion(cloud, token);
    await settle(cloud);
    expect(deleted).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Deleted',
      subject: expect.stringMatching(new RegExp(`trafficmirrorsession/${sessionId}$`)),
      data: { outcome: 'Deleted', operation: 'withdraw', sessionId, correlation: { ticket: 'SEC-9' } },
    });
    expect(completionEvents(cloud, token)).toHaveLength(1);
    expect(live('eni-bp1web01')).toEqual([]);
    expect(
      cloud.vpc.calls.filter((c) => c.action === 'DeleteTrafficMirrorSession' && c.code === 'OK'),
    ).toHaveLength(1);
  });

  it('by session id', async () => {
    const created = await put('sub-2', 'Submitted', demoRequest('eni-bp1web02'));
    const [ready] = await waitForCompletion(cloud, created);
    const sessionId = (ready!.data as { sessionId: string }).sessionId;
    const token = await put('wd-2', 'Withdrawn', {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: sessionId,
    });
    expect((await waitForCompletion(cloud, token))[0]).toMatchObject({
      data: { outcome: 'Deleted', sessionId },
    });
    expect(live('eni-bp1web02')).toEqual([]);
  });

  it('through the webhook (generic mapping, operation "withdraw"), resent after the delete: the same 202, one Deleted event', async () => {
    const submitted = await postWebhook(cloud, { request: demoRequest('eni-bp1db01') }, 'wh-sub-1');
    const { clientToken: created } = (await submitted.json()) as { clientToken: string };
    await waitForCompletion(cloud, created);
    const body = {
      operation: 'withdraw',
      request: { RegionId: 'cn-hangzhou', ClientToken: created },
      correlation: { ticket: 'SEC-10' },
    };
    const first = await postWebhook(cloud, body, 'wh-wd-1');
    expect(first.status).toBe(202);
    const answer = (await first.json()) as Record<string, unknown> & { clientToken: string };
    expect(answer).toMatchObject({
      operation: 'withdraw',
      outcome: 'Deleting',
      trafficMirrorSessionId: expect.stringMatching(/^tms-/),
      executionName: answer.clientToken,
    });
    const [deleted] = await waitForCompletion(cloud, answer.clientToken);
    await settle(cloud);
    // Resent after the delete finished: the session is gone, so the answer comes from the execution the first
    // delivery started (DescribeExecution) — the same body — and no second event.
    const described = () => cloud.fnf.calls.filter((c) => c.action === 'DescribeExecution').length;
    const before = described();
    const again = await postWebhook(cloud, body, 'wh-wd-1');
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(answer);
    expect(described()).toBe(before + 1);
    await settle(cloud);
    expect(deleted).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Deleted',
      data: { sessionId: answer.trafficMirrorSessionId, correlation: { ticket: 'SEC-10' } },
    });
    expect(completionEvents(cloud, answer.clientToken)).toHaveLength(1);
    expect(live('eni-bp1db01')).toEqual([]);
  });

  it('through the webhook, of nothing known, resent: the same 422 each time, one Failed event', async () => {
    const body = {
      operation: 'withdraw',
      request: { RegionId: 'cn-hangzhou', ClientToken: 'mf-wh-nothing' },
    };
    const first = await postWebhook(cloud, body, 'wh-wd-unknown');
    expect(first.status).toBe(422);
    const answer = (await first.json()) as { clientToken: string };
    expect(answer).toMatchObject({ outcome: 'Rejected', error: { code: 'Mirror.SessionNotFound' } });
    await waitForCompletion(cloud, answer.clientToken);
    await settle(cloud);
    const again = await postWebhook(cloud, body, 'wh-wd-unknown');
    expect(again.status).toBe(422);
    expect(await again.json()).toEqual(answer);
    await settle(cloud);
    expect(completionEvents(cloud, answer.clientToken)).toHaveLength(1);
  });

  it('by Ticket, delivered twice: every session of the ticket deleted, one Deleted event each', async () => {
    const created = [
      await put('sub-t1', 'Submitted', demoRequest('eni-bp1app01', { Correlation: { ticket: 'SEC-11' } })),
      await put('sub-t2', 'Submitted', demoRequest('eni-bp1app02', { Correlation: { ticket: 'SEC-11' } })),
    ];
    const sessionIds = await Promise.all(
      created.map(
        async (t) => ((await waitForCompletion(cloud, t))[0]!.data as { sessionId: string }).sessionId,
      ),
    );
    const token = await put('wd-t', 'Withdrawn', { RegionId: 'cn-hangzhou', Ticket: 'SEC-11' }, 2);
    const deleted = await Promise.all(
      sessionIds.map(async (id) => (await waitForCompletion(cloud, sessionDeleteToken(token, id)))[0]!),
    );
    await settle(cloud);
    expect(deleted.map((e) => [e.type, (e.data as { sessionId: string }).sessionId])).toEqual(
      sessionIds.map((id) => ['mirrorflow:TrafficMirrorSession:Deleted', id]),
    );
    for (const id of sessionIds)
      expect(completionEvents(cloud, sessionDeleteToken(token, id))).toHaveLength(1);
    expect([...live('eni-bp1app01'), ...live('eni-bp1app02')]).toEqual([]);
  });

  it('of a session mirrorflow does not own: one Failed event (Mirror.NotOwned), the session untouched', async () => {
    const foreign = await cloud.vpc.model.createSession(
      {
        regionId: 'cn-hangzhou',
        sourceIds: ['eni-bp1web03'],
        targetId: 'eni-bp1ids01',
        targetType: 'NetworkInterface',
        filterId: 'tmf-bp1all01',
        priority: 7,
        tags: [],
        dryRun: false,
        fingerprint: 'by-hand',
      },
      { stuckInCreating: false },
    );
    const token = await put('wd-3', 'Withdrawn', {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: foreign.id,
    });
    const [failed] = await waitForCompletion(cloud, token);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: { error: { code: 'Mirror.NotOwned', retryable: false } },
    });
    expect(live('eni-bp1web03').map((s) => s.id)).toEqual([foreign.id]);
  });

  it('of nothing known, or malformed: one Failed event each, with the code', async () => {
    const unknown = await put('wd-4', 'Withdrawn', {
      RegionId: 'cn-hangzhou',
      ClientToken: 'mf-ev-nothing-here',
    });
    expect((await waitForCompletion(cloud, unknown))[0]).toMatchObject({
      data: { error: { code: 'Mirror.SessionNotFound' } },
    });
    const both = await put('wd-5', 'Withdrawn', {
      RegionId: 'cn-hangzhou',
      ClientToken: 'x',
      TrafficMirrorSessionId: 'tms-abc',
    });
    expect((await waitForCompletion(cloud, both))[0]).toMatchObject({
      data: {
        error: {
          code: 'Mirror.InvalidRequest',
          message: expect.stringMatching(/exactly one of ClientToken/),
        },
      },
    });
  });
});
