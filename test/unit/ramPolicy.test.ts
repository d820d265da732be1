/** RAM policy evaluation and each action's documented resource-level support. */
import { describe, expect, it } from 'vitest';
import { RamAuthority } from '../../infra/local/ram/authority.js';
import { evaluate, parsePolicy, wildcardMatches } from '../../infra/local/ram/policy.js';
import { loadRoles } from '../../infra/local/ram/roles.js';

const ctx = { region: 'cn-hangzhou', accountId: '123', params: {} };

describe('policy evaluation', () => {
  it('matches actions and resources with * and ? only', () => {
    expect(wildcardMatches('vpc:*TrafficMirror*', 'vpc:CreateTrafficMirrorSession')).toBe(true);
    expect(wildcardMatches('vpc:List?rafficMirrorSessions', 'vpc:ListTrafficMirrorSessions')).toBe(true);
    expect(
      wildcardMatches(
        'acs:vpc:*:*:trafficmirrorsession/*',
        'acs:vpc:cn-hangzhou:1:trafficmirrorsession/tms-1',
      ),
    ).toBe(true);
    expect(
      wildcardMatches(
        'acs:vpc:cn-hangzhou:1:trafficmirrorsession/tms.1',
        'acs:vpc:cn-hangzhou:1:trafficmirrorsession/tmsx1',
      ),
    ).toBe(false);
  });

  it('needs every resource allowed; an explicit Deny wins', () => {
    const statements = parsePolicy(
      {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'vpc:CreateTrafficMirrorSession',
            Resource: ['acs:vpc:*:*:trafficmirrorsession/*'],
          },
        ],
      },
      'p',
    );
    const both = ['acs:vpc:r:1:trafficmirrorsession/*', 'acs:vpc:r:1:trafficmirrorfilter/tmf-1'];
    expect(evaluate(statements, 'vpc:CreateTrafficMirrorSession', both)).toEqual({
      allowed: false,
      deny: 'ImplicitDeny',
      resource: both[1],
    });
    const withDeny = [
      ...statements,
      { effect: 'Allow' as const, actions: ['vpc:*'], resources: ['*'] },
      { effect: 'Deny' as const, actions: ['vpc:Create*'], resources: ['acs:vpc:*:*:trafficmirrorfilter/*'] },
    ];
    expect(evaluate(withDeny, 'vpc:CreateTrafficMirrorSession', both)).toMatchObject({
      deny: 'ExplicitDeny',
    });
    expect(
      evaluate(withDeny, 'vpc:ListTrafficMirrorSessions', ['acs:vpc:r:1:trafficmirrorsession/*']).allowed,
    ).toBe(true);
  });

  it('refuses a policy RAM would not accept, or one the local cloud cannot judge', () => {
    expect(() =>
      parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'x:y' }] }, 'p.json'),
    ).toThrow(/p\.json/);
    expect(() =>
      parsePolicy(
        { Version: '1', Statement: [{ Effect: 'Allow', Action: 'x:y', Resource: '*', Condition: {} }] },
        'p',
      ),
    ).toThrow(/Condition/);
  });
});

describe('resource-level support', () => {
  const role = (resource: string) => ({
    name: 'r',
    arn: 'acs:ram::123:role/r',
    trustedServices: ['fc.aliyuncs.com'],
    statements: [{ effect: 'Allow' as const, actions: ['fnf:StartExecution'], resources: [resource] }],
  });

  it('fnf:StartExecution has none ("All Resources"): only "*" allows it, a flow ARN does not (audit R6)', () => {
    for (const [resource, allowed] of [
      ['acs:fnf:cn-hangzhou:123:flow/session-ready', false],
      ['acs:fnf:*:*:flows/session-ready/executions/*', false],
      ['*', true],
    ] as const) {
      const authority = new RamAuthority('123', [role(resource)]);
      const keys = authority.assumeRole('acs:ram::123:role/r', 'fc.aliyuncs.com', 's');
      expect(
        authority.authorize(keys.accessKeyId, 'fnf:StartExecution', {
          ...ctx,
          params: { FlowName: 'session-ready' },
        }) === undefined,
        resource,
      ).toBe(allowed);
    }
  });

  it('lets only the trusted service assume a role, and gives it the same keys per session', () => {
    const authority = new RamAuthority('123', [role('*')]);
    expect(() => authority.assumeRole('acs:ram::123:role/r', 'fnf.aliyuncs.com', 's')).toThrow(
      /trust policy/,
    );
    expect(() => authority.assumeRole('acs:ram::123:role/none', 'fc.aliyuncs.com', 's')).toThrow(
      /not exists/,
    );
    expect(authority.assumeRole('acs:ram::123:role/R', 'fc.aliyuncs.com', 's')).toEqual(
      authority.assumeRole('acs:ram::123:role/r', 'fc.aliyuncs.com', 's'),
    );
  });

  it("loads mirrorflow's roles as create-roles.sh fills them", () => {
    const roles = loadRoles('infra/ram', {
      region: 'cn-hangzhou',
      accountId: '123',
      eventBus: 'mirrorflow',
      deadLetterQueue: 'dlq',
    });
    const flow = roles.find((r) => r.name === 'mirrorflow-session-ready')!;
    expect(flow.trustedServices).toEqual(['fnf.aliyuncs.com']);
    expect(JSON.stringify(roles)).not.toContain('${');
    const authority = new RamAuthority('123', roles);
    const keys = authority.assumeRole(flow.arn, 'fnf.aliyuncs.com', 'session-ready');
    const put = (bus: string) =>
      authority.authorize(keys.accessKeyId, 'eventbridge:PutEvents', {
        ...ctx,
        params: { EventBusName: bus },
      });
    expect(put('mirrorflow')).toBeUndefined();
    expect(put('default')).toMatchObject({
      noPermissionType: 'ImplicitDeny',
      resource: 'acs:eventbridge:cn-hangzhou:123:eventbus/default',
    });
  });
});
