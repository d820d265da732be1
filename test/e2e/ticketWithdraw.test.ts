/**
 * A resolved Jira issue withdraws the sessions of its ticket, end to end on the local cloud through the
 * signed webhook with the shipped `jira` mapping: the issue's submits create sessions tagged with the issue key
 * (`mirrorflow-ticket`); the issue moving to Done deletes every one this deployment owns — one Deleted event
 * each — however often that delivery is resent; a later Done finds nothing (one Failed event); a session of
 * another owner with the same ticket tag is never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVpcClient, listAllSessions, type VpcApi } from '../../functions/lib/cloud/vpcClient.js';
import { sessionDeleteToken } from '../../functions/lib/contract/clientToken.js';
import { OWNERSHIP_TAG_KEY, TICKET_TAG_KEY } from '../../functions/lib/contract/sessionTags.js';
import { signHub } from '../../functions/lib/triggers/webhookSignature.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { LOCAL_ACCESS_KEY } from '../../infra/local/credentials.js';
import { completionEvents, settle, startTestCloud, waitForCompletion } from '../helpers/localCloud.js';
import { demoRequest } from '../helpers/requests.js';
import { jiraIssueEvent } from '../helpers/ticketPayloads.js';

let cloud: LocalCloud;
let vpc: VpcApi;
beforeAll(async () => {
  cloud = await startTestCloud({ env: { MIRRORFLOW_WEBHOOK_MAPPING: 'jira' } });
  vpc = createVpcClient({ regionId: 'cn-hangzhou', credentials: LOCAL_ACCESS_KEY, endpoint: cloud.vpc.url });
}, 120_000);
afterAll(() => cloud?.close());

const TICKET = 'SEC-77';
/** Each Jira event's own timestamp, the same when Jira retries that delivery. */
const stamps = new Map<string, number>();
const stampOf = (deliveryId: string) => {
  if (!stamps.has(deliveryId)) stamps.set(deliveryId, 1_795_000_000_000 + stamps.size * 1000);
  return stamps.get(deliveryId)!;
};
/** A Jira delivery of the issue, signed as Jira signs (X-Hub-Signature), with its delivery id. */
const deliver = (status: 'new' | 'indeterminate' | 'done', source: string, deliveryId: string) => {
  const raw = JSON.stringify(
    jiraIssueEvent({ key: TICKET, status, request: demoRequest(source), timestamp: stampOf(deliveryId) }),
  );
  return fetch(cloud.webhookUrl, {
    method: 'POST',
    headers: {
      'x-atlassian-webhook-identifier': deliveryId,
      'x-hub-signature': signHub(cloud.webhookSecret, raw),
    },
    body: raw,
  });
};
/** Every session listed with the ticket's tag (the cloud's List, through the real client). */
const listedWithTicket = async () => {
  const found = [];
  for await (const s of listAllSessions(vpc, {
    RegionId: 'cn-hangzhou',
    Tags: [{ Key: TICKET_TAG_KEY, Value: TICKET }],
  }))
    found.push(s);
  return found;
};
/** The completion events of one execution (a withdraw by ticket answers each session under its own token). */
const eventsOf = (executionName: string) =>
  completionEvents(cloud).filter(
    (e) => (e.data as { executionName?: string }).executionName === executionName,
  );

describe('a resolved Jira issue withdraws its sessions (MIRRORFLOW_WEBHOOK_MAPPING=jira)', () => {
  let sessionIds: string[];
  let foreignId: string;
  let answer: Record<string, unknown> & { clientToken: string; executionName: string };

  it('two submits from the open issue: two Ready events, two sessions tagged with the issue key', async () => {
    const tokens: string[] = [];
    for (const [status, source, delivery] of [
      ['new', 'eni-bp1web01', 'jira-1'],
      ['indeterminate', 'eni-bp1web02', 'jira-2'],
    ] as const) {
      const response = await deliver(status, source, delivery);
      expect(response.status).toBe(202);
      tokens.push(((await response.json()) as { clientToken: string }).clientToken);
    }
    const ready = await Promise.all(tokens.map(async (t) => (await waitForCompletion(cloud, t))[0]!));
    expect(ready.map((e) => e.data)).toEqual([
      expect.objectContaining({ outcome: 'Ready', correlation: expect.objectContaining({ ticket: TICKET }) }),
      expect.objectContaining({ outcome: 'Ready', correlation: expect.objectContaining({ ticket: TICKET }) }),
    ]);
    sessionIds = ready.map((e) => (e.data as { sessionId: string }).sessionId).sort();
    expect((await listedWithTicket()).map((s) => s.TrafficMirrorSessionId).sort()).toEqual(sessionIds);
    // Another deployment's session, tagged with the same ticket.
    const foreign = await vpc.createTrafficMirrorSession({
      RegionId: 'cn-hangzhou',
      TrafficMirrorSourceIds: ['eni-bp1web03'],
      TrafficMirrorTargetId: 'eni-bp1ids01',
      TrafficMirrorTargetType: 'NetworkInterface',
      TrafficMirrorFilterId: 'tmf-bp1all01',
      Priority: 7,
      Enabled: true,
      Tag: [
        { Key: OWNERSHIP_TAG_KEY, Value: 'another-team' },
        { Key: TICKET_TAG_KEY, Value: TICKET },
      ],
    });
    foreignId = foreign.TrafficMirrorSessionId;
  });

  it('the issue Done: 202 naming both sessions, then one Deleted event per session; resent 3 times and once after: the same 202, no more events', async () => {
    const response = await deliver('done', 'eni-bp1web02', 'jira-3');
    expect(response.status).toBe(202);
    answer = (await response.json()) as typeof answer;
    expect(answer).toEqual({
      operation: 'withdraw',
      clientToken: expect.stringMatching(/^mf-wh-/),
      trafficMirrorSessionId: null,
      trafficMirrorSessionIds: sessionIds,
      executionName: answer.clientToken,
      outcome: 'Deleting',
    });
    for (let i = 0; i < 3; i++) {
      const again = await deliver('done', 'eni-bp1web02', 'jira-3');
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual(answer);
    }
    const deleted = await Promise.all(
      sessionIds.map(
        async (id) => (await waitForCompletion(cloud, sessionDeleteToken(answer.clientToken, id)))[0]!,
      ),
    );
    await settle(cloud);
    expect(deleted.map((e) => [e.type, (e.data as { sessionId: string }).sessionId])).toEqual(
      sessionIds.map((id) => ['mirrorflow:TrafficMirrorSession:Deleted', id]),
    );
    for (const event of deleted)
      expect(event.data).toMatchObject({
        outcome: 'Deleted',
        operation: 'withdraw',
        trigger: 'webhook',
        request: { RegionId: 'cn-hangzhou', Ticket: TICKET },
        executionName: answer.executionName,
        correlation: { ticket: TICKET, webhookEvent: 'jira:issue_updated' },
      });
    expect(new Set(deleted.map((e) => e.id)).size).toBe(2);
    // Once more after both are gone: the same answer, from the execution (DescribeExecution), no event.
    const late = await deliver('done', 'eni-bp1web02', 'jira-3');
    expect([late.status, await late.json()]).toEqual([202, answer]);
    await settle(cloud);
    expect(eventsOf(answer.executionName)).toHaveLength(2);
    expect((await listedWithTicket()).map((s) => s.TrafficMirrorSessionId)).toEqual([foreignId]);
  });

  it('a later Done (a new delivery): one Failed event, Mirror.SessionNotFound with a hint; nothing deleted', async () => {
    const response = await deliver('done', 'eni-bp1web02', 'jira-4');
    expect(response.status).toBe(422);
    const refused = (await response.json()) as { clientToken: string; executionName: string };
    expect(refused).toMatchObject({
      operation: 'withdraw',
      outcome: 'Rejected',
      trafficMirrorSessionId: null,
      error: { code: 'Mirror.SessionNotFound', hint: expect.stringMatching(/mirrorflow sessions/) },
    });
    const [failed] = await waitForCompletion(cloud, refused.clientToken);
    await settle(cloud);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      subject: `mirrorflow:request/${refused.clientToken}`,
      data: {
        outcome: 'Failed',
        reason: 'Mirror.SessionNotFound',
        sessionId: null,
        request: { RegionId: 'cn-hangzhou', Ticket: TICKET },
        error: {
          code: 'Mirror.SessionNotFound',
          message: expect.stringMatching(new RegExp(`ticket ${TICKET}`)),
          hint: expect.any(String),
          retryable: false,
        },
      },
    });
    expect(eventsOf(refused.executionName)).toHaveLength(1);
    expect(eventsOf(answer.executionName)).toHaveLength(2);
  });

  it("never touches another owner's session with the same ticket; every event fits the published schema", async () => {
    const [foreign] = await listedWithTicket();
    // Still there and never deleted (Creating or Created, depending on how fast the test ran).
    expect(foreign!.TrafficMirrorSessionId).toBe(foreignId);
    expect(foreign!.TrafficMirrorSessionStatus).not.toBe('Deleting');
    const deletes = cloud.vpc.calls.filter((c) => c.action === 'DeleteTrafficMirrorSession');
    expect(deletes.map((c) => c.code)).toEqual(['OK', 'OK']);
    // completionEvents checks each event against schemas/completion-event.schema.json as it reads it.
    expect(completionEvents(cloud)).toHaveLength(2 + 2 + 1);
  });
});
