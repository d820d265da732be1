/**
 * Reading s.yaml as Serverless Devs does (variables, template/extend) and refusing what the fc3 and flow
 * components (or the cloud behind them) refuse, with their messages.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFc3Props } from '../../infra/local/deploy/fc3.js';
import { FLOW_COMPONENT_REGIONS, parseFlowProps } from '../../infra/local/deploy/flowComponent.js';
import { deepExtend, loadSpec } from '../../infra/local/deploy/spec.js';
import { loadDeployment } from '../../infra/local/deploy/topology.js';
import { render, SpecError } from '../../infra/local/deploy/variables.js';

const base = { env: {}, config: { AccountID: '1234567890123456' }, baseDir: process.cwd() };

function specFile(text: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-spec-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 's.yaml'), text);
  return join(dir, 's.yaml');
}

const fn = (extra: Record<string, unknown> = {}) => ({
  region: 'cn-hangzhou',
  functionName: 'f',
  runtime: 'nodejs20',
  code: './dist/f',
  handler: 'index.handler',
  ...extra,
});

describe('Serverless Devs variables', () => {
  it('reads the environment with defaults; an empty variable counts as unset; a missing one without default fails', () => {
    const context = { ...base, env: { SET: 'x', EMPTY: '' } };
    expect(render("${env('SET', 'd')}", context)).toBe('x');
    expect(render("${env('EMPTY', 'd')}", context)).toBe('d');
    expect(render("${env('UNSET', '')}", context)).toBe('');
    expect(() => render("${env('UNSET')}", context)).toThrow("env('UNSET') not found");
  });

  it('fills config, vars and string templates; a whole-value expression keeps its type', () => {
    const context = { ...base, vars: { region: 'cn-shanghai', obj: { a: 1 } } };
    expect(render("acs:ram::${config('AccountID')}:role/x", context)).toBe(
      'acs:ram::1234567890123456:role/x',
    );
    expect(render('${vars.obj}', context)).toEqual({ a: 1 });
    expect(render('${vars.obj.a}', context)).toBe(1);
    expect(() => render('${vars.missing}', context)).toThrow('${vars.missing} not found');
    expect(() => render("${config('Nope')}", context)).toThrow("config('Nope') not found");
  });

  it('renders the variables inside a file read by ${yaml(file())}, and drops keys that render to null', () => {
    const path = specFile(
      [
        'edition: 3.0.0',
        'name: t',
        'vars:',
        "  region: ${env('R', 'cn-hangzhou')}",
        'resources:',
        '  flow:',
        '    component: flow',
        '    props:',
        "      definition: ${yaml(file('./flow.yaml'))}",
        '      gone: null',
      ].join('\n'),
      { 'flow.yaml': "Arn: acs:fc:${vars.region}:${config('AccountID')}:functions/x\nList: [1, 2]\n" },
    );
    const spec = loadSpec(path, { env: { R: 'cn-beijing' }, config: base.config });
    expect(spec.resources[0]!.props).toEqual({
      definition: { Arn: 'acs:fc:cn-beijing:1234567890123456:functions/x', List: [1, 2] },
    });
  });

  it('merges the template under the props (deep for maps, arrays replaced), leaving out what extend ignores', () => {
    expect(deepExtend({ a: { x: 1, y: 2 }, l: [1, 2], k: 'template' }, { a: { y: 3 }, l: [9] })).toEqual({
      a: { x: 1, y: 3 },
      l: [9],
      k: 'template',
    });
    const path = specFile(
      [
        'edition: 3.0.0',
        'name: t',
        'template:',
        '  t1: { memorySize: 256, environmentVariables: { A: a, B: b }, timeout: 9 }',
        'resources:',
        '  f:',
        '    component: fc3',
        '    extend: { name: t1, ignore: [timeout] }',
        '    props: { environmentVariables: { B: own } }',
      ].join('\n'),
    );
    expect(loadSpec(path, { env: {}, config: {} }).resources[0]!.props).toEqual({
      memorySize: 256,
      environmentVariables: { A: 'a', B: 'own' },
    });
  });
});

describe('fc3 props', () => {
  it('accepts a complete function', () => {
    expect(parseFc3Props('f', fn()).timeout).toBe(3);
  });

  it('refuses what s (with validation) refuses, in its words', () => {
    const { handler: _, ...noHandler } = fn();
    expect(() => parseFc3Props('f', noHandler)).toThrow("f/props must have required property 'handler'");
    expect(() =>
      parseFc3Props('f', fn({ triggers: [{ triggerName: 't', triggerType: 'cron', triggerConfig: {} }] })),
    ).toThrow(
      'f/props/triggers/0/triggerType must be equal to one of the allowed values: cdn_events, eventbridge, http, log, mns_topic, oss, tablestore, timer',
    );
  });

  it('refuses a prop fc3 does not define (a deploy would silently drop it) and fields FC 3.0 no longer has', () => {
    expect(() => parseFc3Props('f', fn({ handlr: 'x' }))).toThrow('f/props/handlr is not an fc3 prop');
    const trigger = {
      triggerName: 'eb',
      triggerType: 'eventbridge',
      triggerConfig: {
        triggerEnable: true,
        asyncInvocationType: true,
        eventRuleFilterPattern: '{}',
        eventSourceConfig: { eventSourceType: 'Default' },
        eventSinkConfig: { deliveryOption: { mode: 'event-driven', eventSchema: 'CloudEvents' } },
      },
    };
    // FC 3.0 DeliveryOption has concurrency and eventSchema only (audit S15).
    expect(() => parseFc3Props('f', fn({ triggers: [trigger] }))).toThrow(
      'f/props/triggers/0/triggerConfig/eventSinkConfig/deliveryOption/mode is not an fc3 prop',
    );
    expect(() => parseFc3Props('f', fn({ instanceConcurrency: 10 }))).toThrow(
      'nodejs20 instanceConcurrency is not supported in fc3.0',
    );
    expect(() => parseFc3Props('f', fn({ environmentVariables: { FC_X: '1' } }))).toThrow(/FC_ are reserved/);
    expect(() =>
      parseFc3Props('f', fn({ customRuntimeConfig: { command: ['node'], args: ['server.js'] } })),
    ).toThrow('f/props/customRuntimeConfig: only for custom runtimes, not nodejs20');
    const timer = (cronExpression: string) =>
      fn({
        triggers: [
          { triggerName: 't', triggerType: 'timer', triggerConfig: { cronExpression, enable: true } },
        ],
      });
    expect(() => parseFc3Props('f', timer('0 */15 * * *'))).toThrow(
      /cronExpression must be a cron expression/,
    );
    expect(() => parseFc3Props('f', timer('@every 0s'))).toThrow(/cronExpression/);
    expect(parseFc3Props('f', timer('CRON_TZ=Asia/Shanghai 0 0 3 * * *')).triggers).toHaveLength(1);
    expect(parseFc3Props('f', timer('@every 5m')).triggers).toHaveLength(1);
  });
});

describe('flow props', () => {
  const flow = { name: 'session-ready', region: 'cn-hangzhou', definition: { Name: 'session-ready' } };

  it('refuses a region the flow component does not serve, in its words (audit S23)', () => {
    expect(() => parseFlowProps('r', { ...flow, region: 'cn-chengdu' })).toThrow(
      `region is must be in ${JSON.stringify(FLOW_COMPONENT_REGIONS)}`,
    );
    expect(parseFlowProps('r', flow).executionMode).toBe('Standard');
  });

  it('refuses an unknown prop', () => {
    expect(() => parseFlowProps('r', { ...flow, mode: 'Standard' })).toThrow(/props\/mode is not/);
  });
});

describe('a custom runtime', () => {
  const spec = (runtime: string, command: string) =>
    specFile(
      [
        'edition: 3.0.0',
        'name: t',
        'access: default',
        'resources:',
        '  f:',
        '    component: fc3',
        '    props:',
        '      region: cn-hangzhou',
        '      functionName: f',
        `      runtime: ${runtime}`,
        '      code: .',
        '      handler: index.handler',
        '      customRuntimeConfig:',
        `        command: [${command}]`,
        '        args: [server.js]',
        '      instanceConcurrency: 10',
      ].join('\n'),
      { 'server.js': '' },
    );
  const load = (path: string) => loadDeployment(path, { env: {}, config: { AccountID: '1' } });

  it('runs custom.debian10 with its built-in Node.js and the entry file', () => {
    const [f] = load(spec('custom.debian10', '/var/fc/lang/nodejs20/bin/node')).functions;
    expect(f).toMatchObject({ customRuntime: { entry: 'server.js' }, instanceConcurrency: 10 });
  });

  it('refuses a bare `node` (not on the PATH of a custom runtime) and runtimes the docs list no Node.js for', () => {
    expect(() => load(spec('custom.debian10', 'node'))).toThrow(/its built-in Node.js is not on the PATH/);
    expect(() => load(spec('custom.debian11', '/var/fc/lang/nodejs20/bin/node'))).toThrow(
      /as custom.debian10/,
    );
  });
});

describe("mirrorflow's s.yaml", () => {
  const deployment = loadDeployment('s.yaml', {
    env: {},
    config: { AccountID: '1234567890123456' },
    codeRoot: { from: 'dist', to: 'test/fixtures/fake-dist' },
  });

  it('deploys five functions with their own roles, the webhook over HTTP, reconcile on a timer, and no EventBridge trigger', () => {
    expect(deployment.functions.map((f) => [f.name, f.roleArn])).toEqual([
      ['check-status', 'acs:ram::1234567890123456:role/mirrorflow-check-status'],
      ['intake-event', 'acs:ram::1234567890123456:role/mirrorflow-intake-event'],
      ['dead-letter', 'acs:ram::1234567890123456:role/mirrorflow-dead-letter'],
      ['intake-webhook', 'acs:ram::1234567890123456:role/mirrorflow-intake-webhook'],
      ['reconcile', 'acs:ram::1234567890123456:role/mirrorflow-reconcile'],
    ]);
    const triggers = deployment.functions.flatMap((f) => f.triggers.map((t) => `${f.name}:${t.triggerType}`));
    expect(triggers).toEqual(['intake-webhook:http', 'reconcile:timer']);
    const reconcile = deployment.functions.find((f) => f.name === 'reconcile')!;
    expect(reconcile.triggers[0]).toMatchObject({
      triggerConfig: { cronExpression: '0 */15 * * * *', payload: '{"mode":"apply"}' },
    });
    // intake-event's failures go to the dead-letter function, and its own to the queue.
    const intake = deployment.functions.find((f) => f.name === 'intake-event')!;
    expect(intake.async.onFailure).toBe('acs:fc:cn-hangzhou:1234567890123456:functions/dead-letter');
    const deadLetter = deployment.functions.find((f) => f.name === 'dead-letter')!;
    expect(deadLetter.async.onFailure).toBe(
      'acs:mns:cn-hangzhou:1234567890123456:/queues/mirrorflow-dlq/messages',
    );
    expect(deployment.flows.map((f) => [f.name, f.roleArn, f.executionMode])).toEqual([
      ['session-ready', 'acs:ram::1234567890123456:role/mirrorflow-session-ready', 'Standard'],
      ['reconcile-run', 'acs:ram::1234567890123456:role/mirrorflow-reconcile-run', 'Standard'],
    ]);
  });

  it('runs check-status on custom.debian10 with its built-in Node.js, taking 100 invocations per instance', () => {
    const checkStatus = deployment.functions.find((f) => f.name === 'check-status')!;
    expect(checkStatus.customRuntime).toEqual({ entry: 'server.js' });
    expect(checkStatus.instanceConcurrency).toBe(100);
    expect(deployment.functions.filter((f) => f.customRuntime).map((f) => f.name)).toEqual(['check-status']);
  });

  it("names check-status in the flow by its full FC 3.0 ARN, filled in from s.yaml's vars (audit F5)", () => {
    const task = deployment.flows[0]!.definition.States.find((state) => state.Name === 'CheckStatus') as {
      Parameters: Record<string, unknown>;
    };
    expect(task.Parameters.resourceArn).toBe(
      'acs:fc:cn-hangzhou:1234567890123456:functions/check-status/LATEST',
    );
  });

  it('fails, naming the function, when its code was not built', () => {
    expect(() =>
      loadDeployment('s.yaml', {
        env: {},
        config: { AccountID: '1' },
        codeRoot: { from: 'dist', to: '/nonexistent' },
      }),
    ).toThrow(SpecError);
  });
});
