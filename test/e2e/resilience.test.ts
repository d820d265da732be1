/**
 * Nothing lost, nothing duplicated: redeliveries, resends, repeated timers, injected cloud faults, stuck and
 * vanishing sessions, and a fuzzed corpus of bad input — all on the local cloud through the real clients.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientToken, eventKey, executionName } from '../../functions/lib/contract/clientToken.js';
import { signHub, signMirrorflow } from '../../functions/lib/triggers/webhookSignature.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { loadInventoryFile } from '../../infra/local/vpc/inventory.js';
import {
  completionEvents,
  postWebhook,
  putRequestEvent,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest, faultRule } from '../helpers/requests.js';

let cloud: LocalCloud;
const demo = loadInventoryFile();
beforeAll(async () => {
  // A short deadline (in virtual seconds) so a stuck session times out quickly.
  cloud = await startTestCloud({
    timeScale: 200,
    env: { MIRRORFLOW_POLL_DEADLINE_SECONDS: '300', MIRRORFLOW_RETRY_MAX_ATTEMPTS: '4' },
  });
}, 120_000);
afterAll(() => cloud?.close());
beforeEach(() => {
  cloud.vpc.faults.set({ rules: [] });
  cloud.fnf.faults.set({ rules: [] });
  cloud.stack.bus.setDuplicates(0);
});

const request = demoRequest;
const cloudEvent = (id: string, data: unknown) => ({
  specversion: '1.0',
  aliyuneventbusname: 'mirrorflow',
  id,
  source: 'acs.test',
  type: 'mirrorflow:MirrorRequest:Submitted',
  data,
});
const postEvent = (event: unknown) =>
  fetch(`${cloud.stack.bus.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
  });
const sessionsFrom = (source: string) =>
  cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes(source));
const fault = faultRule;

describe('duplicates are the normal case', () => {
  it('the same event delivered 5 times concurrently → one session, one completion event', async () => {
    cloud.stack.bus.setDuplicates(4);
    await postEvent(cloudEvent('dup-evt', request('eni-bp1web01')));
    const token = clientToken('event', eventKey('acs.test', 'dup-evt'));
    await waitForCompletion(cloud, token);
    await settle(cloud);
    expect(
      cloud.stack.fc.invocations.filter((i) => i.function === 'intake-event').length,
    ).toBeGreaterThanOrEqual(5);
    expect(sessionsFrom('eni-bp1web01')).toHaveLength(1);
    expect(completionEvents(cloud, token)).toHaveLength(1);
  });

  it('the same webhook resent (Jira-style signature) → one session, one completion event, the same answer', async () => {
    const raw = JSON.stringify({ request: request('eni-bp1web02') });
    const send = () =>
      fetch(cloud.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mirrorflow-delivery': 'resend-1',
          'x-hub-signature': signHub(cloud.webhookSecret, raw),
        },
        body: raw,
      });
    const answers = await Promise.all([send(), send(), send()]);
    const bodies = await Promise.all(answers.map((a) => a.json()));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    const token = (bodies[0] as { clientToken: string }).clientToken;
    await waitForCompletion(cloud, token);
    await settle(cloud);
    expect(sessionsFrom('eni-bp1web02')).toHaveLength(1);
    expect(completionEvents(cloud, token)).toHaveLength(1);
  });
});

describe('a captured webhook sent again', () => {
  it('under new delivery ids (which X-Hub-Signature does not sign) is the same request: one session, one answer', async () => {
    const raw = JSON.stringify({
      request: request('eni-bp1web02', toNdr),
      correlation: { ticket: 'SEC-88' },
    });
    const send = (deliveryId: string) =>
      fetch(cloud.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mirrorflow-delivery': deliveryId,
          'x-hub-signature': signHub(cloud.webhookSecret, raw),
        },
        body: raw,
      });
    const first = await send('captured-1');
    expect(first.status).toBe(202);
    const answer = await first.json();
    // An attacker replays the signed body under ids of their choosing: each gets the first answer.
    for (const id of ['forged-1', 'forged-2', 'captured-2']) {
      const again = await send(id);
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual(answer);
    }
    await settle(cloud);
    expect(completionEvents(cloud, (answer as { clientToken: string }).clientToken)).toHaveLength(1);
    expect(ndrSessionsFrom('eni-bp1web02')).toHaveLength(1);
  });
});

describe('one key, another payload', () => {
  it('an event id reused with another request gets one Failed IdempotentParameterMismatch; the first request keeps its answer', async () => {
    const first = await putRequestEvent(cloud, {
      source: 'acs.test',
      id: 'reused-id',
      type: 'Submitted',
      data: request('eni-bp1db01'),
    });
    await waitForCompletion(cloud, first);
    // The same id, other sources: a sender bug or a replay. Delivered three times, answered once.
    await putRequestEvent(
      cloud,
      { source: 'acs.test', id: 'reused-id', type: 'Submitted', data: request('eni-bp1db02') },
      3,
    );
    await settle(cloud);
    // The first request keeps its one answer; the other payload gets one of its own, under its own token.
    expect(completionEvents(cloud, first).map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
    ]);
    const refused = completionEvents(cloud).filter(
      (e) => (e.data as { error?: { code?: string } }).error?.code === 'IdempotentParameterMismatch',
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      subject: expect.stringMatching(/^mirrorflow:request\/mfm-/),
      data: {
        sessionId: null,
        error: { message: expect.stringContaining(first), hint: expect.stringMatching(/new request/) },
        request: { TrafficMirrorSourceIds: ['eni-bp1db02'] },
      },
    });
    expect(sessionsFrom('eni-bp1db02')).toEqual([]);
    // The first request delivered again is still the first request: nothing new.
    await putRequestEvent(cloud, {
      source: 'acs.test',
      id: 'reused-id',
      type: 'Submitted',
      data: request('eni-bp1db01'),
    });
    await settle(cloud);
    expect(completionEvents(cloud, first)).toHaveLength(1);
    expect(
      completionEvents(cloud).filter(
        (e) => (e.data as { error?: { code?: string } }).error?.code === 'IdempotentParameterMismatch',
      ),
    ).toHaveLength(1);
  });
});

describe('one key, another payload the cloud never sees', () => {
  it('a delivery id reused with a request whose session already exists gets 422 and one Failed event; a resend gets the same', async () => {
    const first = await postWebhook(cloud, { request: request('eni-bp1app02') }, 'reused-delivery');
    expect(first.status).toBe(202);
    const token = ((await first.json()) as { clientToken: string }).clientToken;
    await waitForCompletion(cloud, token);
    // Only the name differs: the look-up finds the first request's session, no Create is sent.
    const other = { request: request('eni-bp1app02', { TrafficMirrorSessionName: 'another-request' }) };
    const answers = [
      await postWebhook(cloud, other, 'reused-delivery'),
      await postWebhook(cloud, other, 'reused-delivery'),
    ];
    expect(answers.map((a) => a.status)).toEqual([422, 422]);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as {
      clientToken: string;
      trafficMirrorSessionId: string | null;
      error: { code: string };
    }[];
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[0]).toMatchObject({
      clientToken: expect.stringMatching(/^mfm-/),
      trafficMirrorSessionId: null,
      error: { code: 'IdempotentParameterMismatch' },
    });
    await settle(cloud);
    // The first request keeps its one answer; the other payload gets one of its own, under its own token.
    expect(completionEvents(cloud, token).map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
    ]);
    expect(completionEvents(cloud, bodies[0]!.clientToken)).toMatchObject([
      { type: 'mirrorflow:TrafficMirrorSession:Failed', data: { reason: 'IdempotentParameterMismatch' } },
    ]);
    // The first request resent is still answered as the first time.
    expect((await postWebhook(cloud, { request: request('eni-bp1app02') }, 'reused-delivery')).status).toBe(
      202,
    );
    await settle(cloud);
    expect(completionEvents(cloud, token)).toHaveLength(1);
    expect(completionEvents(cloud, bodies[0]!.clientToken)).toHaveLength(1);
    expect(sessionsFrom('eni-bp1app02')).toHaveLength(1);
  });
});

describe('cloud faults', () => {
  it('a crash between create and hand-off heals on redelivery: one session, one Ready event', async () => {
    cloud.fnf.faults.set({ rules: [fault({ action: 'StartExecution', serverErrorRate: 1 })] });
    const errorsBefore = cloud.stack.fc.invocations.filter(
      (i) => i.function === 'intake-event' && i.outcome === 'error',
    ).length;
    await postEvent(
      cloudEvent(
        'heal-1',
        request('eni-bp1web01', { TrafficMirrorTargetId: 'lb-bp1ndr01', TrafficMirrorTargetType: 'SLB' }),
      ),
    );
    const token = clientToken('event', eventKey('acs.test', 'heal-1'));
    const onNdr = () =>
      cloud.vpc.model
        .liveSessions()
        .filter((s) => s.sourceIds.includes('eni-bp1web01') && s.targetId === 'lb-bp1ndr01');
    // The first delivery creates the session, then fails to hand it off and fails the invocation.
    for (let i = 0; i < 300; i++) {
      const errors = cloud.stack.fc.invocations.filter(
        (x) => x.function === 'intake-event' && x.outcome === 'error',
      ).length;
      if (errors > errorsBefore) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(onNdr()).toHaveLength(1);
    expect(completionEvents(cloud, token)).toHaveLength(0);
    cloud.fnf.faults.set({ rules: [] });
    // FC retries the asynchronous invocation: the same token finds the same session, and hands it off.
    const [ready] = await waitForCompletion(cloud, token, 1, 60_000);
    expect(ready).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Ready',
      data: { provisioning: 'Created', sessionId: onNdr()[0]!.id },
    });
    await settle(cloud);
    expect(onNdr()).toHaveLength(1);
    expect(completionEvents(cloud, token)).toHaveLength(1);
  });

  it('with 20% throttling and 5% 5xx on every VPC action, every request still completes correctly', async () => {
    cloud.vpc.faults.set({ seed: 20, rules: [fault({ throttleRate: 0.2, serverErrorRate: 0.05 })] });
    const sources = ['eni-bp1web03', 'eni-bp1db02', 'eni-bp1app02'];
    const tokens = [];
    for (const [i, source] of sources.entries()) {
      await postEvent(cloudEvent(`faulty-${i}`, request(source)));
      tokens.push(clientToken('event', eventKey('acs.test', `faulty-${i}`)));
    }
    for (const token of tokens) await waitForCompletion(cloud, token, 1, 60_000);
    await settle(cloud, 60_000);
    for (const token of tokens) {
      const events = completionEvents(cloud, token);
      expect(events).toHaveLength(1);
      expect(events[0]!.type).toBe('mirrorflow:TrafficMirrorSession:Ready');
    }
    for (const source of sources) expect(sessionsFrom(source)).toHaveLength(1);
    expect(
      cloud.vpc.calls.filter((c) => /^(Throttling|ServiceUnavailable|InternalError)/.test(c.code)).length,
    ).toBeGreaterThan(0);
  });

  it('a session stuck in Creating ends in one Failed event with reason timeout at the deadline', async () => {
    cloud.vpc.faults.set({
      rules: [fault({ action: 'CreateTrafficMirrorSession', stuckInCreatingRate: 1 })],
    });
    await postEvent(cloudEvent('stuck-1', request('eni-bp1app01')));
    const token = clientToken('event', eventKey('acs.test', 'stuck-1'));
    const [failed] = await waitForCompletion(cloud, token, 1, 60_000);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: { reason: 'Mirror.Timeout', error: { code: 'Mirror.Timeout' }, session: { status: 'Creating' } },
    });
    const elapsed = (failed!.data as { elapsedSeconds: number }).elapsedSeconds;
    expect(elapsed).toBeGreaterThanOrEqual(300); // never before the deadline
    // …and at the first look after it: the flow's own history (virtual time, exact) shows that no wait
    // ran past the deadline and that the look after the last wait is the one that gave up.
    const execution = cloud.fnf.executions.get(`session-ready\u0000${executionName(token)}`)!;
    // The event is out before the execution ends: read its history once it has ended.
    while (execution.status === 'Running') await execution.waitForEnd(60_000);
    const waits = execution.events.filter((e) => e.Type === 'StateEntered' && e.StepName === 'Backoff');
    expect(waits.length).toBeGreaterThan(0);
    for (const wait of waits) {
      const { job } = (
        JSON.parse(wait.EventDetail) as { input: { job: { nextDelaySeconds: number; deadlineAt: string } } }
      ).input;
      // The look that chose this delay started no later than the function's "now" (pollSchedule.ts: whole
      // seconds, never past the deadline, but never under CloudFlow's 1-second minimum either).
      const look = execution.events
        .filter((e) => e.Type === 'StateStarted' && e.StepName === 'CheckStatus' && e.EventId < wait.EventId)
        .at(-1)!;
      const waitEnds = Date.parse(look.Time) + job.nextDelaySeconds * 1000;
      expect(waitEnds <= Date.parse(job.deadlineAt) || job.nextDelaySeconds === 1).toBe(true);
    }
    const looks = execution.events.filter((e) => e.Type === 'TaskSucceeded' && e.StepName === 'CheckStatus');
    const phases = looks.map(
      (e) => (JSON.parse(e.EventDetail) as { output: { Body: { phase: string } } }).output.Body.phase,
    );
    // Pending until the deadline; the first look after it builds the Failed event (emit), and once it is put
    // the next round ends the execution, failed (`timeout`), without another List call.
    expect(phases.slice(-2)).toEqual(['emit', 'timeout']);
    expect(phases.slice(0, -2).every((p) => p === 'pending')).toBe(true);
    const gaveUp = looks.at(-2)!;
    expect(gaveUp.EventId).toBeGreaterThan(waits.at(-1)!.EventId);
    expect(looks.filter((l) => l.EventId > waits.at(-1)!.EventId)).toHaveLength(2);
    expect(execution.status).toBe('Failed');
  });

  it('a session that vanishes ends in one Failed event saying so', async () => {
    cloud.vpc.model.setInventory(structuredClone(demo)); // fresh quotas for eni-bp1db01
    cloud.vpc.faults.set({
      rules: [
        fault({
          action: 'CreateTrafficMirrorSession',
          vanishRate: 1,
          vanishAfterSeconds: { min: 2, max: 2 },
        }),
      ],
    });
    await postEvent(
      cloudEvent(
        'vanish-1',
        request('eni-bp1db01', { TrafficMirrorTargetId: 'lb-bp1ndr01', TrafficMirrorTargetType: 'SLB' }),
      ),
    );
    const token = clientToken('event', eventKey('acs.test', 'vanish-1'));
    const [failed] = await waitForCompletion(cloud, token, 1, 60_000);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: { reason: 'Mirror.SessionVanished' },
    });
    await settle(cloud);
    expect(completionEvents(cloud, token)).toHaveLength(1);
  });
});

describe('a cloud that keeps throttling', () => {
  it('the webhook answers 503 with Retry-After, creates nothing, and the same delivery later succeeds', async () => {
    cloud.vpc.faults.set({ rules: [fault({ throttleRate: 1 })] });
    const raw = JSON.stringify({
      request: request('eni-bp1app02', {
        TrafficMirrorTargetId: 'lb-bp1ndr01',
        TrafficMirrorTargetType: 'SLB',
      }),
    });
    const send = () =>
      fetch(cloud.webhookUrl, {
        method: 'POST',
        headers: {
          'x-mirrorflow-delivery': 'throttled-1',
          'x-hub-signature': signHub(cloud.webhookSecret, raw),
        },
        body: raw,
      });
    const busy = await send();
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('30');
    expect(await busy.json()).toMatchObject({ code: expect.stringMatching(/^Throttling/) });
    const onNdr = () =>
      cloud.vpc.model
        .liveSessions()
        .filter((s) => s.sourceIds.includes('eni-bp1app02') && s.targetId === 'lb-bp1ndr01');
    expect(onNdr()).toHaveLength(0);
    cloud.vpc.faults.set({ rules: [] });
    const later = await send();
    expect(later.status).toBe(202);
    expect(onNdr()).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('a fuzzed corpus of requests and webhook bodies never reaches the VPC API and never gets a 5xx', async () => {
    await settle(cloud, 60_000); // earlier tests' flows finish first, so every call counted below is ours
    const callsBefore = cloud.vpc.calls.length;
    const valueish = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    // Requests that break the contract somewhere: random fields, and near-valid ones with one field spoiled.
    const spoiled = fc
      .record({
        field: fc.constantFrom(
          'RegionId',
          'TrafficMirrorSourceIds',
          'TrafficMirrorTargetId',
          'TrafficMirrorTargetType',
          'TrafficMirrorFilterId',
          'Priority',
          'Tag',
          'PacketLength',
        ),
        value: valueish,
      })
      .map(({ field, value }) => ({ ...request('eni-bp1web01'), [field]: value }));
    const corpus = fc.sample(
      fc.oneof(
        fc.dictionary(fc.string(), valueish),
        spoiled,
        fc.constant('not an object'),
        fc.array(fc.integer()),
      ),
      60,
    );
    const { validateMirrorRequest } = await import('../../functions/lib/contract/request.js');
    // The webhook reads a JSON null as an absent field (JMESPath semantics), so judge what it will see.
    const asSeen = (r: unknown) =>
      r !== null && typeof r === 'object' && !Array.isArray(r)
        ? Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null))
        : r;
    const bad = corpus.filter((r) => !validateMirrorRequest(r).ok && !validateMirrorRequest(asSeen(r)).ok);
    expect(bad.length).toBeGreaterThan(40);
    for (const [i, body] of bad.entries()) {
      const raw = JSON.stringify({ request: body });
      const response = await fetch(cloud.webhookUrl, {
        method: 'POST',
        headers: {
          'x-mirrorflow-signature': signMirrorflow(cloud.webhookSecret, raw, Math.floor(Date.now() / 1000)),
          'x-mirrorflow-delivery': `fuzz-${i}`,
        },
        body: raw,
      });
      expect(response.status, raw).toBeGreaterThanOrEqual(400);
      expect(response.status, raw).toBeLessThan(500);
    }
    // Raw bodies that are not even JSON, or not signed.
    for (const raw of ['', '{', 'null', '[]', '"x"', '{"request": 5}', '\u0000\u0001']) {
      const signed = await fetch(cloud.webhookUrl, {
        method: 'POST',
        headers: {
          'x-mirrorflow-signature': signMirrorflow(cloud.webhookSecret, raw, Math.floor(Date.now() / 1000)),
        },
        body: raw,
      });
      expect(signed.status, JSON.stringify(raw)).toBeGreaterThanOrEqual(400);
      expect(signed.status).toBeLessThan(500);
    }
    expect((await fetch(cloud.webhookUrl, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(cloud.webhookUrl, { method: 'GET' })).status).toBe(405);
    // Events with bad requests: answered with Failed events, never sent to the VPC API.
    for (const [i, body] of bad.slice(0, 10).entries()) await postEvent(cloudEvent(`fuzz-evt-${i}`, body));
    await settle(cloud);
    const vpcCalls = cloud.vpc.calls.slice(callsBefore);
    expect(vpcCalls.filter((c) => c.action !== 'ListTrafficMirrorSessions')).toEqual([]);
    // The only List calls are none: invalid requests are refused before any look-up.
    expect(vpcCalls).toEqual([]);
    for (let i = 0; i < 10; i++) {
      const events = completionEvents(cloud, clientToken('event', eventKey('acs.test', `fuzz-evt-${i}`)));
      expect(events).toHaveLength(1);
      expect(events[0]!.type).toBe('mirrorflow:TrafficMirrorSession:Failed');
    }
  });

  it('refuses a stale or forged signature with 401, and an oversized body with 413', async () => {
    const raw = JSON.stringify({ request: request('eni-bp1web01') });
    const stale = signMirrorflow(cloud.webhookSecret, raw, Math.floor(Date.now() / 1000) - 600);
    expect(
      (
        await fetch(cloud.webhookUrl, {
          method: 'POST',
          headers: { 'x-mirrorflow-signature': stale },
          body: raw,
        })
      ).status,
    ).toBe(401);
    const forged = signMirrorflow('another-secret-entirely', raw, Math.floor(Date.now() / 1000));
    const response = await fetch(cloud.webhookUrl, {
      method: 'POST',
      headers: { 'x-mirrorflow-signature': forged },
      body: raw,
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'signature check failed: the signature does not match the body',
    });
    const huge = JSON.stringify({ request: request('eni-bp1web01'), pad: 'x'.repeat(300 * 1024) });
    const big = await fetch(cloud.webhookUrl, {
      method: 'POST',
      headers: {
        'x-mirrorflow-signature': signMirrorflow(cloud.webhookSecret, huge, Math.floor(Date.now() / 1000)),
      },
      body: huge,
    });
    expect(big.status).toBe(413);
  });
});

// Last in the file, and to the NDR load balancer: the earlier tests' sessions on these ENIs are not in the way.
const toNdr = {
  TrafficMirrorTargetId: 'lb-bp1ndr01',
  TrafficMirrorTargetType: 'SLB',
  TrafficMirrorFilterId: 'tmf-bp1http01',
};
const ndrSessionsFrom = (source: string) => sessionsFrom(source).filter((x) => x.targetId === 'lb-bp1ndr01');

describe('one key, another payload, before anything settled', () => {
  it('is refused while the first request is still in flight; a resend of the first, keys reordered, is the first', async () => {
    const body = { request: request('eni-bp1web03', toNdr), correlation: { ticket: 'SEC-31' } };
    const othersBefore = ndrSessionsFrom('eni-bp1web01').length;
    const first = await postWebhook(cloud, body, 'reused-in-flight');
    expect(first.status).toBe(202);
    const answer = (await first.json()) as { clientToken: string };
    // At once, before the first session is even Created: another payload under the same delivery id.
    const other = await postWebhook(cloud, { request: request('eni-bp1web01', toNdr) }, 'reused-in-flight');
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
      'IdempotentParameterMismatch',
    );
    // The first payload again, its keys in another order and its correlation updated: the same request.
    const reordered = {
      request: Object.fromEntries(Object.entries(request('eni-bp1web03', toNdr)).reverse()),
      correlation: { ticket: 'SEC-31', note: 'resent' },
    };
    const again = await postWebhook(cloud, reordered, 'reused-in-flight');
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(answer);
    await settle(cloud);
    expect(completionEvents(cloud, answer.clientToken).map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Ready',
    ]);
    expect(ndrSessionsFrom('eni-bp1web01')).toHaveLength(othersBefore);
  });

  it('a modify under a reused event id changes nothing and is answered once', async () => {
    const created = await putRequestEvent(cloud, {
      source: 'acs.test',
      id: 'reuse-mod-base',
      type: 'Submitted',
      data: request('eni-bp1app01', toNdr),
    });
    await waitForCompletion(cloud, created);
    const modify = (changes: unknown) => ({
      source: 'acs.test',
      id: 'reuse-mod',
      type: 'Modified' as const,
      data: { RegionId: 'cn-hangzhou', ClientToken: created, changes },
    });
    const first = await putRequestEvent(cloud, modify({ Enabled: false }));
    await waitForCompletion(cloud, first);
    await putRequestEvent(cloud, modify({ TrafficMirrorSourceIds: ['eni-bp1app01', 'eni-bp1db01'] }), 2);
    await settle(cloud);
    expect(ndrSessionsFrom('eni-bp1app01')).toMatchObject([{ sourceIds: ['eni-bp1app01'], enabled: false }]);
    expect(completionEvents(cloud, first).map((e) => e.type)).toEqual([
      'mirrorflow:TrafficMirrorSession:Updated',
    ]);
    const refused = completionEvents(cloud).filter(
      (e) =>
        (e.data as { operation?: string; error?: { code?: string } }).operation === 'modify' &&
        (e.data as { error?: { code?: string } }).error?.code === 'IdempotentParameterMismatch',
    );
    expect(refused).toHaveLength(1);
  });
});
