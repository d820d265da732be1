import { describe, expect, it } from 'vitest';
import {
  validateMirrorRequest,
  validateModifyRequest,
  validateWithdrawRequest,
} from '../../functions/lib/contract/request.js';
import { LIMITS } from '../../functions/lib/contract/requestLimits.js';
import { OWNERSHIP_TAG_KEY, TOKEN_TAG_KEY } from '../../functions/lib/contract/sessionTags.js';
import { validRequest } from '../helpers/requests.js';

const problemsOf = (input: unknown) => {
  const result = validateMirrorRequest(input);
  return result.ok ? [] : result.problems;
};
const accepts = (overrides: Record<string, unknown>) =>
  expect(problemsOf(validRequest(overrides))).toEqual([]);
const rejects = (overrides: Record<string, unknown>, path: string, rule: RegExp) => {
  const problems = problemsOf(validRequest(overrides));
  expect(problems, JSON.stringify(overrides).slice(0, 200)).toContainEqual({
    path,
    rule: expect.stringMatching(rule),
  });
};
const chars = (n: number, c = 'a') => c.repeat(n);

describe('mirror request: the CreateTrafficMirrorSession limits', () => {
  it('accepts the minimal request and applies the product defaults', () => {
    const result = validateMirrorRequest(validRequest());
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.Enabled).toBe(true); // the API's default is false; a disabled session mirrors nothing
      expect(result.value.Priority).toBeUndefined(); // mirrorflow allocates one
    }
  });

  it('respects an explicit Enabled=false', () => {
    const result = validateMirrorRequest(validRequest({ Enabled: false }));
    expect(result.ok && result.value.Enabled).toBe(false);
  });

  it.each([
    'RegionId',
    'TrafficMirrorSourceIds',
    'TrafficMirrorTargetId',
    'TrafficMirrorTargetType',
    'TrafficMirrorFilterId',
  ])('requires %s', (field) => {
    const input = validRequest();
    delete (input as Record<string, unknown>)[field];
    expect(problemsOf(input)).toContainEqual({ path: field, rule: 'is required' });
  });

  it('Priority: 1 to 32766, whole numbers', () => {
    accepts({ Priority: LIMITS.priority.min });
    accepts({ Priority: LIMITS.priority.max });
    rejects({ Priority: 0 }, 'Priority', /whole number from 1 to 32766/);
    rejects({ Priority: 32767 }, 'Priority', /whole number from 1 to 32766/);
    rejects({ Priority: 1.5 }, 'Priority', /whole number/);
    rejects({ Priority: '5' }, 'Priority', /whole number/);
  });

  it('VirtualNetworkId: 0 to 16777215', () => {
    accepts({ VirtualNetworkId: 0 });
    accepts({ VirtualNetworkId: 16777215 });
    rejects({ VirtualNetworkId: -1 }, 'VirtualNetworkId', /0 to 16777215/);
    rejects({ VirtualNetworkId: 16777216 }, 'VirtualNetworkId', /0 to 16777215/);
  });

  it('PacketLength: 64 to 9600', () => {
    accepts({ PacketLength: 64 });
    accepts({ PacketLength: 9600 });
    rejects({ PacketLength: 63 }, 'PacketLength', /64 to 9600/);
    rejects({ PacketLength: 9601 }, 'PacketLength', /64 to 9600/);
  });

  it('TrafficMirrorSessionName: 1 to 128 characters, not starting with http:// or https://', () => {
    accepts({ TrafficMirrorSessionName: chars(1) });
    accepts({ TrafficMirrorSessionName: chars(128) });
    accepts({ TrafficMirrorSessionName: 'mirror of http://x' });
    rejects({ TrafficMirrorSessionName: '' }, 'TrafficMirrorSessionName', /1 to 128 characters/);
    rejects({ TrafficMirrorSessionName: chars(129) }, 'TrafficMirrorSessionName', /1 to 128 characters/);
    rejects({ TrafficMirrorSessionName: 'http://x' }, 'TrafficMirrorSessionName', /must not start with http/);
    rejects(
      { TrafficMirrorSessionName: 'https://x' },
      'TrafficMirrorSessionName',
      /must not start with http/,
    );
  });

  it('TrafficMirrorSessionDescription: 1 to 256 characters, not starting with http:// or https://', () => {
    accepts({ TrafficMirrorSessionDescription: chars(1) });
    accepts({ TrafficMirrorSessionDescription: chars(256) });
    rejects({ TrafficMirrorSessionDescription: '' }, 'TrafficMirrorSessionDescription', /1 to 256/);
    rejects({ TrafficMirrorSessionDescription: chars(257) }, 'TrafficMirrorSessionDescription', /1 to 256/);
    rejects({ TrafficMirrorSessionDescription: 'HTTPS://x' }, 'TrafficMirrorSessionDescription', /http/);
  });

  it('TrafficMirrorTargetType: NetworkInterface or SLB, with a matching target ID prefix', () => {
    accepts({ TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'lb-bp1x' });
    rejects({ TrafficMirrorTargetType: 'Gwlb' }, 'TrafficMirrorTargetType', /NetworkInterface" or "SLB/);
    rejects(
      { TrafficMirrorTargetType: 'SLB', TrafficMirrorTargetId: 'eni-x' },
      'TrafficMirrorTargetId',
      /SLB instance ID/,
    );
    rejects({ TrafficMirrorTargetId: 'lb-x' }, 'TrafficMirrorTargetId', /ENI ID/);
  });

  it('sources: ENIs only, 1 to 10, no repeats, none equal to the target', () => {
    accepts({ TrafficMirrorSourceIds: Array.from({ length: 10 }, (_, i) => `eni-s${i}`) });
    rejects({ TrafficMirrorSourceIds: [] }, 'TrafficMirrorSourceIds', /at least one/);
    rejects(
      { TrafficMirrorSourceIds: Array.from({ length: 11 }, (_, i) => `eni-s${i}`) },
      'TrafficMirrorSourceIds',
      /at most 10/,
    );
    rejects({ TrafficMirrorSourceIds: ['lb-x'] }, 'TrafficMirrorSourceIds[0]', /ENI ID/);
    rejects({ TrafficMirrorSourceIds: ['eni-a', 'eni-a'] }, 'TrafficMirrorSourceIds[1]', /listed twice/);
    rejects({ TrafficMirrorSourceIds: ['eni-tgt1'] }, 'TrafficMirrorTargetId', /both source and target/);
  });

  it('filter and resource group IDs have their prefixes', () => {
    rejects({ TrafficMirrorFilterId: 'tmr-x' }, 'TrafficMirrorFilterId', /traffic mirror filter ID/);
    accepts({ ResourceGroupId: 'rg-acfm' });
    rejects({ ResourceGroupId: 'group1' }, 'ResourceGroupId', /resource group ID/);
  });

  it('Tag: at most 15 user tags (mirrorflow adds owner, token, expiry, origin and ticket; the API allows 20)', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    accepts({ Tag: tags(LIMITS.tagsPerResource - 5) });
    rejects({ Tag: tags(LIMITS.tagsPerResource - 4) }, 'Tag', /at most 15 tags/);
    rejects({ Tag: [{ Key: 'mirrorflow-origin', Value: 'x' }] }, 'Tag[0].Key', /mirrorflow sets that tag/);
  });

  it('ExpiresAt: RFC 3339 with its zone; DurationSeconds: 60 s to 90 days; not both', () => {
    accepts({ ExpiresAt: '2026-12-01T18:00:00Z' });
    accepts({ ExpiresAt: '2026-12-01T18:00:00.5+08:00' });
    rejects({ ExpiresAt: '2026-12-01 18:00' }, 'ExpiresAt', /RFC 3339/);
    rejects({ ExpiresAt: '2026-12-01T18:00:00' }, 'ExpiresAt', /RFC 3339/);
    accepts({ DurationSeconds: 3600 });
    rejects({ DurationSeconds: 59 }, 'DurationSeconds', /60/);
    rejects({ ExpiresAt: '2026-12-01T18:00:00Z', DurationSeconds: 3600 }, 'DurationSeconds', /not both/);
  });

  it('Tag key: 1 to 128 characters, not aliyun/acs: prefixed, no URLs, unique, not the ownership key', () => {
    accepts({ Tag: [{ Key: chars(128), Value: '' }] });
    rejects({ Tag: [{ Key: '', Value: 'v' }] }, 'Tag[0].Key', /must not be empty/);
    rejects({ Tag: [{ Key: chars(129), Value: 'v' }] }, 'Tag[0].Key', /at most 128/);
    rejects({ Tag: [{ Key: 'aliyunx', Value: 'v' }] }, 'Tag[0].Key', /aliyun/);
    rejects({ Tag: [{ Key: 'acs:x', Value: 'v' }] }, 'Tag[0].Key', /acs:/);
    rejects({ Tag: [{ Key: 'see https://x', Value: 'v' }] }, 'Tag[0].Key', /must not contain http/);
    rejects(
      {
        Tag: [
          { Key: 'a', Value: '1' },
          { Key: 'a', Value: '2' },
        ],
      },
      'Tag[1].Key',
      /unique/,
    );
    rejects({ Tag: [{ Key: OWNERSHIP_TAG_KEY, Value: 'x' }] }, 'Tag[0].Key', /mirrorflow sets that tag/);
    rejects({ Tag: [{ Key: TOKEN_TAG_KEY, Value: 'x' }] }, 'Tag[0].Key', /mirrorflow sets that tag/);
  });

  it('Tag value: may be empty, at most 128 characters, not aliyun/acs: prefixed, no URLs', () => {
    accepts({ Tag: [{ Key: 'k', Value: '' }] });
    accepts({ Tag: [{ Key: 'k', Value: chars(128) }] });
    rejects({ Tag: [{ Key: 'k', Value: chars(129) }] }, 'Tag[0].Value', /at most 128/);
    rejects({ Tag: [{ Key: 'k', Value: 'acs:x' }] }, 'Tag[0].Value', /acs:/);
    rejects({ Tag: [{ Key: 'k', Value: 'http://x' }] }, 'Tag[0].Value', /http/);
  });

  it('ClientToken: printable ASCII, at most 64 characters', () => {
    accepts({ ClientToken: chars(64, 'x') });
    accepts({ ClientToken: '0c593ea1-3bea-11e9-b96b-88e9fe63' });
    rejects({ ClientToken: chars(65, 'x') }, 'ClientToken', /at most 64/);
    rejects({ ClientToken: 'tökén' }, 'ClientToken', /ASCII/);
    rejects({ ClientToken: '' }, 'ClientToken', /empty/);
  });

  it('Correlation: a flat map of short strings, at most 20 entries', () => {
    accepts({ Correlation: { ticket: 'SEC-1', requester: 'alice@example.com' } });
    accepts({ Correlation: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])) });
    rejects(
      { Correlation: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      'Correlation',
      /at most 20/,
    );
    rejects({ Correlation: { ticket: 42 } }, 'Correlation.ticket', /strings/);
    rejects({ Correlation: { ticket: { id: 1 } } }, 'Correlation.ticket', /strings/);
    rejects({ Correlation: { k: chars(257) } }, 'Correlation.k', /at most 256/);
    accepts({ Correlation: { k: chars(256) } });
  });

  it('names unknown fields, so a typo is not silently ignored', () => {
    expect(problemsOf(validRequest({ Prioirty: 5 }))).toContainEqual({
      path: 'Prioirty',
      rule: 'is not a known field',
    });
  });

  it('reports every problem at once, cross-field rules included', () => {
    const problems = problemsOf(validRequest({ Priority: 0, TrafficMirrorSourceIds: ['eni-a', 'eni-a'] }));
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['Priority', 'TrafficMirrorSourceIds[1]']),
    );
  });

  it('reports a value of the wrong type once, without length rules that do not apply to it', () => {
    expect(problemsOf(validRequest({ TrafficMirrorSourceIds: 'eni-bp1web01234' }))).toEqual([
      { path: 'TrafficMirrorSourceIds', rule: 'must be an array of ENI IDs' },
    ]);
    expect(problemsOf(validRequest({ TrafficMirrorSessionName: 12345 }))).toEqual([
      { path: 'TrafficMirrorSessionName', rule: 'must be a string (got a number)' },
    ]);
  });

  it('explains a document that is not an object', () => {
    expect(problemsOf([1, 2])).toEqual([{ path: '(request)', rule: 'must be an object (got an array)' }]);
    expect(problemsOf(null)).toEqual([{ path: '(request)', rule: 'must be an object (got null)' }]);
  });
});

describe('withdraw and modify: how they name their sessions', () => {
  const withdrawProblems = (input: unknown) => {
    const result = validateWithdrawRequest(input);
    return result.ok ? [] : result.problems;
  };
  const region = { RegionId: 'cn-hangzhou' };

  it('a withdraw names them by exactly one of ClientToken, TrafficMirrorSessionId or Ticket', () => {
    for (const name of [
      { ClientToken: 'mf-wh-1' },
      { TrafficMirrorSessionId: 'tms-abc' },
      { Ticket: 'SEC-7' },
    ])
      expect(withdrawProblems({ ...region, ...name })).toEqual([]);
    const rule = expect.stringMatching(/exactly one of ClientToken .*, TrafficMirrorSessionId or Ticket/);
    expect(withdrawProblems(region)).toEqual([{ path: 'ClientToken', rule }]);
    expect(withdrawProblems({ ...region, ClientToken: 'mf-wh-1', Ticket: 'SEC-7' })).toEqual([
      { path: 'ClientToken', rule },
    ]);
  });

  it('a Ticket must be a value the List can filter tags on', () => {
    for (const ticket of ['7-SEC', 'SEC 7', '', chars(129)])
      expect(withdrawProblems({ ...region, Ticket: ticket })).toEqual([
        { path: 'Ticket', rule: expect.stringMatching(/must be a ticket key like SEC-7/) },
      ]);
    expect(withdrawProblems({ ...region, Ticket: 'RITM0010001' })).toEqual([]);
  });

  it('a modify names one session only: a Ticket is not a field of it', () => {
    const result = validateModifyRequest({ ...region, Ticket: 'SEC-7', changes: { Enabled: false } });
    expect(result.ok ? [] : result.problems).toContainEqual({ path: 'Ticket', rule: 'is not a known field' });
    const both = validateModifyRequest({
      ...region,
      ClientToken: 'mf-wh-1',
      TrafficMirrorSessionId: 'tms-abc',
      changes: { Enabled: false },
    });
    expect(both.ok ? [] : both.problems).toEqual([
      {
        path: 'ClientToken',
        rule: 'name the session by exactly one of ClientToken (of the request that created it) or TrafficMirrorSessionId',
      },
    ]);
  });
});
