/**
 * Modify through EventBridge and the webhook, end to end: the session a request created is changed in place
 * (attributes through Update, sources through Add/Remove), and one Updated event answers once every change is
 * listed — the same session id, however often the modify is delivered; pause and resume are `Enabled`.
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

const SOURCE = 'tickets.modify';
const put = (id: string, type: 'Submitted' | 'Modified', data: unknown, copies = 1) =>
  putRequestEvent(cloud, { source: SOURCE, id, type, data }, copies);
const sessionNamed = (id: string) => cloud.vpc.model.liveSessions().find((s) => s.id === id)!;

async function submitted(id: string, source: string): Promise<{ token: string; sessionId: string }> {
  const token = await put(id, 'Submitted', demoRequest(source));
  const [ready] = await waitForCompletion(cloud, token);
  return { token, sessionId: (ready!.data as { sessionId: string }).sessionId };
}

describe('modify', () => {
  it('filter, priority and name in place, delivered 3 times: one Updated event, the same session', async () => {
    const { token, sessionId } = await submitted('sub-1', 'eni-bp1web01');
    const changes = {
      TrafficMirrorFilterId: 'tmf-bp1http01',
      Priority: 123,
      TrafficMirrorSessionName: 'renamed',
    };
    const modify = await put(
      'mod-1',
      'Modified',
      { RegionId: 'cn-hangzhou', ClientToken: token, changes },
      3,
    );
    const [updated] = await waitForCompletion(cloud, modify);
    await settle(cloud);
    expect(updated).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Updated',
      data: { outcome: 'Updated', operation: 'modify', sessionId },
    });
    expect(completionEvents(cloud, modify)).toHaveLength(1);
    expect(sessionNamed(sessionId)).toMatchObject({
      filterId: 'tmf-bp1http01',
      priority: 123,
      name: 'renamed',
    });
    expect(cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes('eni-bp1web01'))).toHaveLength(
      1,
    );
  });

  it('pause and resume are Enabled false and true', async () => {
    const { token, sessionId } = await submitted('sub-2', 'eni-bp1web02');
    const pause = await put('pause-2', 'Modified', {
      RegionId: 'cn-hangzhou',
      ClientToken: token,
      changes: { Enabled: false },
    });
    await waitForCompletion(cloud, pause);
    expect(sessionNamed(sessionId).enabled).toBe(false);
    const resume = await put('resume-2', 'Modified', {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: sessionId,
      changes: { Enabled: true },
    });
    expect((await waitForCompletion(cloud, resume))[0]).toMatchObject({ data: { outcome: 'Updated' } });
    expect(sessionNamed(sessionId).enabled).toBe(true);
  });

  it('sources become exactly those asked for (added and removed), through the webhook', async () => {
    const { token, sessionId } = await submitted('sub-3', 'eni-bp1web03');
    const body = {
      operation: 'modify',
      request: {
        RegionId: 'cn-hangzhou',
        ClientToken: token,
        changes: { TrafficMirrorSourceIds: ['eni-bp1db01', 'eni-bp1db02'] },
      },
    };
    const answer = await postWebhook(cloud, body, 'wh-mod-3');
    expect(answer.status).toBe(202);
    const accepted = (await answer.json()) as { clientToken: string; operation: string; outcome: string };
    expect(accepted).toMatchObject({ operation: 'modify', outcome: 'Modifying' });
    await waitForCompletion(cloud, accepted.clientToken);
    expect([...sessionNamed(sessionId).sourceIds].sort()).toEqual(['eni-bp1db01', 'eni-bp1db02']);
  });

  it('a second Submitted request for the same traffic with other attributes updates the session and says so', async () => {
    const { sessionId } = await submitted('sub-6', 'eni-bp1app01');
    const again = await put(
      'sub-7',
      'Submitted',
      demoRequest('eni-bp1app01', { Enabled: false, Priority: 321 }),
    );
    const [updated] = await waitForCompletion(cloud, again);
    expect(updated).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Updated',
      data: { outcome: 'Updated', provisioning: 'Updated', sessionId },
    });
    expect(sessionNamed(sessionId)).toMatchObject({ enabled: false, priority: 321 });
    expect(cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes('eni-bp1app01'))).toHaveLength(
      1,
    );
  });

  it('of a foreign session, or without changes: one Failed event each, nothing changed', async () => {
    const foreign = await cloud.vpc.model.createSession(
      {
        regionId: 'cn-hangzhou',
        sourceIds: ['eni-bp1app02'],
        targetId: 'eni-bp1ids01',
        targetType: 'NetworkInterface',
        filterId: 'tmf-bp1all01',
        priority: 9,
        tags: [],
        dryRun: false,
        fingerprint: 'by-hand',
      },
      { stuckInCreating: false },
    );
    const notOwned = await put('mod-4', 'Modified', {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: foreign.id,
      changes: { Enabled: true },
    });
    expect((await waitForCompletion(cloud, notOwned))[0]).toMatchObject({
      data: { error: { code: 'Mirror.NotOwned' } },
    });
    expect(sessionNamed(foreign.id).enabled).toBe(false);
    const empty = await put('mod-5', 'Modified', {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: foreign.id,
      changes: {},
    });
    expect((await waitForCompletion(cloud, empty))[0]).toMatchObject({
      data: {
        error: { code: 'Mirror.InvalidRequest', message: expect.stringMatching(/at least one attribute/) },
      },
    });
  });
});
