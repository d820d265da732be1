import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../functions/lib/contract/requestLimits.js';
import { SHIPPED_MAPPINGS } from '../../functions/lib/triggers/shippedMappings.js';
import { applyMapping, MappingError } from '../../functions/lib/triggers/webhookMapping.js';
import {
  signHub,
  signMirrorflow,
  verifyWebhookSignature,
} from '../../functions/lib/triggers/webhookSignature.js';
import { jiraIssueEvent, serviceNowRitm } from '../helpers/ticketPayloads.js';

const secret = 'a-very-long-shared-secret';
const body = Buffer.from('{"hello":"world"}');
const now = Date.parse('2026-11-22T04:00:00Z');
const verify = (headers: Record<string, string>, b = body, at = now) =>
  verifyWebhookSignature({ headers, body: b, secret, nowMs: at, toleranceSeconds: 300 });

describe('webhook signatures', () => {
  it('accepts the Jira-style X-Hub-Signature and the timestamped X-Mirrorflow-Signature', () => {
    expect(verify({ 'x-hub-signature': signHub(secret, body) })).toEqual({
      ok: true,
      scheme: 'hub',
      signsDelivery: false,
    });
    expect(verify({ 'x-mirrorflow-signature': signMirrorflow(secret, body, now / 1000) })).toEqual({
      ok: true,
      scheme: 'mirrorflow',
      signsDelivery: false,
    });
  });

  it('v2 signs the delivery id too: a captured body under another delivery id is refused', () => {
    const signed = signMirrorflow(secret, body, now / 1000, 'delivery-1');
    expect(verify({ 'x-mirrorflow-signature': signed, 'x-mirrorflow-delivery': 'delivery-1' })).toEqual({
      ok: true,
      scheme: 'mirrorflow',
      signsDelivery: true,
    });
    expect(verify({ 'x-mirrorflow-signature': signed, 'x-mirrorflow-delivery': 'delivery-2' })).toMatchObject(
      {
        ok: false,
        reason: expect.stringMatching(/delivery id and body/),
      },
    );
    expect(verify({ 'x-mirrorflow-signature': signed }).ok).toBe(false);
  });

  it('refuses a changed body, a wrong secret, a missing or malformed header', () => {
    expect(verify({ 'x-hub-signature': signHub(secret, body) }, Buffer.from('{"hello":"World"}')).ok).toBe(
      false,
    );
    expect(verify({ 'x-hub-signature': signHub('another-secret-value', body) }).ok).toBe(false);
    expect(verify({})).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    expect(verify({ 'x-hub-signature': 'md5=abc' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/sha256=/),
    });
    expect(verify({ 'x-hub-signature': 'sha256=zz' }).ok).toBe(false);
    // A valid signature with one hex digit more (or less) is not that signature.
    expect(verify({ 'x-hub-signature': `${signHub(secret, body)}0` }).ok).toBe(false);
    expect(verify({ 'x-hub-signature': signHub(secret, body).slice(0, -1) }).ok).toBe(false);
    expect(verify({ 'x-mirrorflow-signature': `${signMirrorflow(secret, body, now / 1000)}f` }).ok).toBe(
      false,
    );
    expect(verify({ 'x-mirrorflow-signature': 'v1=abc' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/t=/),
    });
  });

  it('refuses a timestamped signature outside the 5-minute tolerance (replays)', () => {
    const old = signMirrorflow(secret, body, now / 1000 - 301);
    expect(verify({ 'x-mirrorflow-signature': old })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/300 seconds/),
    });
    const edge = signMirrorflow(secret, body, now / 1000 - 299);
    expect(verify({ 'x-mirrorflow-signature': edge }).ok).toBe(true);
  });
});

describe('webhook mappings', () => {
  const mirror = {
    RegionId: 'cn-hangzhou',
    TrafficMirrorSourceIds: ['eni-a'],
    TrafficMirrorTargetId: 'eni-b',
    TrafficMirrorTargetType: 'NetworkInterface',
    TrafficMirrorFilterId: 'tmf-c',
  };

  it('generic: body.request, body.correlation, X-Mirrorflow-Delivery', () => {
    const mapped = applyMapping(
      SHIPPED_MAPPINGS.generic!,
      { request: mirror, correlation: { ticket: 'T-1', n: 5, nested: { x: 1 } } },
      { 'x-mirrorflow-delivery': 'd-1' },
    );
    expect(mapped).toEqual({
      operation: 'submit',
      request: mirror,
      correlation: { ticket: 'T-1', n: '5' },
      deliveryId: 'd-1',
    });
  });

  it('keeps at most the contract’s number of correlation entries, so a chatty ticket is still a valid request', () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, `v${i}`]));
    const mapped = applyMapping(SHIPPED_MAPPINGS.generic!, { request: mirror, correlation: many }, {});
    expect(Object.keys(mapped.correlation)).toHaveLength(LIMITS.correlationEntries);
  });

  it('generic: body.operation chooses submit, modify or withdraw; anything else is refused', () => {
    const withdraw = { RegionId: 'cn-hangzhou', ClientToken: 'mf-wh-1' };
    expect(
      applyMapping(SHIPPED_MAPPINGS.generic!, { operation: 'withdraw', request: withdraw }, {}),
    ).toMatchObject({
      operation: 'withdraw',
      request: withdraw,
    });
    expect(() =>
      applyMapping(SHIPPED_MAPPINGS.generic!, { operation: 'delete', request: withdraw }, {}),
    ).toThrow(/operation must be "submit", "modify" or "withdraw"/);
  });

  it('jira: the request as JSON in a custom field, the issue key and reporter as correlation', () => {
    const payload = {
      webhookEvent: 'jira:issue_created',
      issue: {
        key: 'SEC-42',
        fields: {
          summary: 'Mirror web01',
          reporter: { emailAddress: 'bob@example.com' },
          customfield_10500: JSON.stringify(mirror),
        },
      },
    };
    const mapped = applyMapping(SHIPPED_MAPPINGS.jira!, payload, {
      'x-atlassian-webhook-identifier': '1234',
    });
    expect(mapped.request).toEqual(mirror);
    expect(mapped.correlation).toEqual({
      ticket: 'SEC-42',
      summary: 'Mirror web01',
      requester: 'bob@example.com',
      webhookEvent: 'jira:issue_created',
    });
    expect(mapped.deliveryId).toBe('1234');
  });

  it('servicenow: catalog variables become the request; absent ones are left out', () => {
    const payload = {
      number: 'RITM0010001',
      sys_id: 'abc123',
      sys_mod_count: 2,
      requested_for: 'carol',
      variables: {
        region_id: 'cn-hangzhou',
        source_eni_id: 'eni-a',
        target_id: 'eni-b',
        target_type: 'NetworkInterface',
        filter_id: 'tmf-c',
      },
    };
    const mapped = applyMapping(SHIPPED_MAPPINGS.servicenow!, payload, {});
    expect(mapped.request).toEqual(mirror);
    expect(mapped.correlation).toEqual({ ticket: 'RITM0010001', requester: 'carol', sysId: 'abc123' });
    expect(mapped.deliveryId).toBe('abc123:2');
  });

  it('jira: an open issue (new or in progress) submits its request; a Done one withdraws {RegionId, Ticket}', () => {
    const headers = { 'x-atlassian-webhook-identifier': '77' };
    for (const status of ['new', 'indeterminate'] as const) {
      const mapped = applyMapping(
        SHIPPED_MAPPINGS.jira!,
        jiraIssueEvent({ key: 'SEC-42', status, request: mirror }),
        headers,
      );
      expect(mapped).toMatchObject({
        operation: 'submit',
        request: mirror,
        correlation: { ticket: 'SEC-42' },
      });
    }
    const done = applyMapping(
      SHIPPED_MAPPINGS.jira!,
      jiraIssueEvent({ key: 'SEC-42', status: 'done', request: { ...mirror, RegionId: 'cn-shanghai' } }),
      headers,
    );
    expect(done).toEqual({
      operation: 'withdraw',
      // The region comes from the custom field's request, the ticket is the issue key.
      request: { RegionId: 'cn-shanghai', Ticket: 'SEC-42' },
      correlation: {
        ticket: 'SEC-42',
        summary: 'Mirror web traffic to the IDS',
        requester: 'bob@example.com',
        webhookEvent: 'jira:issue_updated',
      },
      deliveryId: '77',
    });
  });

  it('servicenow: an open RITM submits its variables; a closed one (3, 4, 7 or their labels) withdraws {RegionId, Ticket}', () => {
    for (const state of [1, '2', -5, '']) {
      const mapped = applyMapping(
        SHIPPED_MAPPINGS.servicenow!,
        serviceNowRitm({ number: 'RITM0010001', state, modCount: 1 }),
        {},
      );
      expect(mapped, String(state)).toMatchObject({ operation: 'submit', request: mirror });
    }
    for (const state of ['3', 4, '7', 'Closed Complete', 'Closed Incomplete', 'Closed Skipped']) {
      const mapped = applyMapping(
        SHIPPED_MAPPINGS.servicenow!,
        serviceNowRitm({ number: 'RITM0010001', state, modCount: 5 }),
        {},
      );
      expect(mapped, String(state)).toEqual({
        operation: 'withdraw',
        request: { RegionId: 'cn-hangzhou', Ticket: 'RITM0010001' },
        correlation: { ticket: 'RITM0010001', requester: 'carol', sysId: '9d385017c611228701d22104cc95c371' },
        deliveryId: '9d385017c611228701d22104cc95c371:5',
      });
    }
  });

  it('cuts mapped correlation values to the contract limits, so a long ticket summary does not spoil the request', () => {
    const payload = {
      issue: {
        key: 'SEC-1',
        fields: { summary: 's'.repeat(1000), customfield_10500: JSON.stringify(mirror) },
      },
    };
    const mapped = applyMapping(SHIPPED_MAPPINGS.jira!, payload, {});
    expect(mapped.correlation.summary).toHaveLength(256);
    expect(mapped.correlation.summary!.endsWith('…')).toBe(true);
  });

  it('says clearly when the payload holds no request where the mapping looks', () => {
    expect(() => applyMapping(SHIPPED_MAPPINGS.generic!, { something: 'else' }, {})).toThrow(MappingError);
    expect(() =>
      applyMapping(SHIPPED_MAPPINGS.jira!, { issue: { fields: { customfield_10500: 'not json' } } }, {}),
    ).toThrow(MappingError);
  });
});
