import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../functions/lib/runtime/config.js';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    expect(loadConfig({})).toEqual({
      vpcEndpoint: undefined,
      httpTimeoutMs: 10_000,
      priorityRange: { min: 1000, max: 32766 },
      priorityAttempts: 32,
      owner: 'mirrorflow',
      retryMaxAttempts: 12,
      retryMaxElapsedMs: 30_000,
      fnfEndpoint: undefined,
      flowName: 'session-ready',
      eventBusName: 'mirrorflow',
      pollDeadlineSeconds: 900,
      pollFirstDelaySeconds: 5,
      pollMaxDelaySeconds: 20,
      pollShared: true,
      webhookSecret: undefined,
      webhookMapping: 'generic',
      webhookMaxBytes: 256 * 1024,
      webhookToleranceSeconds: 300,
      desiredState: undefined,
      reconcileMode: 'apply',
      reconcileCreatesPerSecond: 10,
      reconcileBatchSize: 100,
      reconcileSliceSeconds: 300,
      reconcileFlowName: 'reconcile-run',
      reconcilePrune: true,
      regions: [],
    });
  });
  it('reads an empty variable as unset', () => {
    // s.yaml sets the endpoint overrides to '' where nothing overrides them.
    const empty = loadConfig({
      MIRRORFLOW_OWNER: '',
      MIRRORFLOW_HTTP_TIMEOUT_MS: '',
      MIRRORFLOW_REGIONS: '',
      MIRRORFLOW_VPC_ENDPOINT: '',
      MIRRORFLOW_FNF_ENDPOINT: ' ',
    });
    expect(empty).toMatchObject({ owner: 'mirrorflow', httpTimeoutMs: 10_000, regions: [] });
    expect(empty.vpcEndpoint).toBeUndefined();
    expect(empty.fnfEndpoint).toBeUndefined();
  });
  it('takes an endpoint without the spaces around it', () => {
    expect(loadConfig({ MIRRORFLOW_VPC_ENDPOINT: ' http://127.0.0.1:9000\r\n' }).vpcEndpoint).toBe(
      'http://127.0.0.1:9000',
    );
  });
  it('reads every variable', () => {
    const c = loadConfig({
      MIRRORFLOW_VPC_ENDPOINT: 'http://127.0.0.1:9000',
      MIRRORFLOW_HTTP_TIMEOUT_MS: '2500',
      MIRRORFLOW_PRIORITY_RANGE: '30000-30010',
      MIRRORFLOW_PRIORITY_ATTEMPTS: '3',
      MIRRORFLOW_OWNER: 'team-a',
      MIRRORFLOW_RETRY_MAX_ATTEMPTS: '2',
      MIRRORFLOW_RETRY_MAX_ELAPSED_MS: '1000',
      MIRRORFLOW_REGIONS: 'cn-shanghai, cn-beijing',
      MIRRORFLOW_RECONCILE_PRUNE: 'false',
    });
    expect(c).toMatchObject({
      regions: ['cn-shanghai', 'cn-beijing'],
      reconcilePrune: false,
      vpcEndpoint: 'http://127.0.0.1:9000',
      priorityRange: { min: 30000, max: 30010 },
      owner: 'team-a',
    });
  });
  it('names the variable and the rule when a value is wrong', () => {
    const attempt = () =>
      loadConfig({
        MIRRORFLOW_PRIORITY_RANGE: '5-1',
        MIRRORFLOW_HTTP_TIMEOUT_MS: 'soon',
        MIRRORFLOW_OWNER: '9x',
      });
    expect(attempt).toThrow(ConfigError);
    expect(() => loadConfig({ MIRRORFLOW_WEBHOOK_SECRET: 'short' })).toThrow(
      /MIRRORFLOW_WEBHOOK_SECRET must be at least 16/,
    );
    expect(() => loadConfig({ MIRRORFLOW_RECONCILE_MODE: 'yolo' })).toThrow(/"apply" or "plan"/);
    expect(() => loadConfig({ MIRRORFLOW_REGIONS: 'cn-shanghai,Shanghai' })).toThrow(
      /MIRRORFLOW_REGIONS must be region IDs separated by commas \(got "Shanghai"\)/,
    );
    expect(() => loadConfig({ MIRRORFLOW_RECONCILE_PRUNE: 'yes' })).toThrow(/"true" or "false"/);
    for (const endpoint of [
      '127.0.0.1:9000',
      'ftp://127.0.0.1/',
      'http:127.0.0.1',
      'http://127.0.0.1\t:9000',
    ]) {
      expect(() => loadConfig({ MIRRORFLOW_VPC_ENDPOINT: endpoint })).toThrow(
        /MIRRORFLOW_VPC_ENDPOINT must be an http:\/\/ or https:\/\/ URL/,
      );
    }
    expect(() => loadConfig({ MIRRORFLOW_EVENT_BUS: 'b'.repeat(128) })).toThrow(
      /MIRRORFLOW_EVENT_BUS must be 1 to 127 characters \(got 128\)/,
    );
    expect(() => loadConfig({ MIRRORFLOW_FLOW_NAME: '9 flows' })).toThrow(
      /MIRRORFLOW_FLOW_NAME must be a CloudFlow flow name/,
    );
    try {
      attempt();
    } catch (error) {
      const paths = (error as ConfigError).problems.map((p) => p.path);
      expect(paths.sort()).toEqual([
        'MIRRORFLOW_HTTP_TIMEOUT_MS',
        'MIRRORFLOW_OWNER',
        'MIRRORFLOW_PRIORITY_RANGE',
      ]);
      expect((error as Error).message).toMatch(/MIRRORFLOW_PRIORITY_RANGE must be "MIN-MAX"/);
      // The rule that names the value, not a generic one, and nothing read from the others.
      expect((error as ConfigError).problems).toContainEqual({
        path: 'MIRRORFLOW_HTTP_TIMEOUT_MS',
        rule: 'must be a whole number from 100 to 120000 (got "soon")',
      });
    }
  });
});
