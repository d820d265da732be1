/**
 * What the local cloud deploys, decided before anything starts: the region (the inventory's first region with
 * traffic mirroring opened), s.yaml rendered and checked with the local overlay, the roles of infra/ram and
 * EventBridge's service-linked role, and the rule files of infra/eventbridge, all filled in alike.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Bus } from '../eventbridge/bus.js';
import type { FcFunctionConfig } from '../fc/host.js';
import type { TimerTrigger } from '../fc/timers.js';
import { LOCAL_ACCOUNT_ID, renderInputs } from '../overlay.js';
import { RamAuthority } from '../ram/authority.js';
import { loadRoles, type RoleDefinition } from '../ram/roles.js';
import { type Inventory, loadInventoryFile } from '../vpc/inventory.js';
import { readRuleFiles } from './eventbridgeFiles.js';
import { type FunctionDeployment, loadDeployment } from './topology.js';
import { SpecError } from './variables.js';

export interface PlanOptions {
  functionsDir: string;
  sYaml?: string;
  ramDir?: string;
  eventBridgeDir?: string;
  inventory?: Inventory;
  webhookSecret?: string;
  desiredState?: string;
  env?: Record<string, string | undefined>;
}

/**
 * EventBridge's service-linked role for invoking functions (fc3 creates it: `initSlrRole('SENDTOFC')`,
 * devsapp/fc3 src/base.ts; "AliyunServiceRoleForEventBridgeSendToFC").
 */
export function eventBridgeSendToFcRole(accountId: string): RoleDefinition {
  return {
    name: 'aliyunserviceroleforeventbridgesendtofc',
    arn: `acs:ram::${accountId}:role/aliyunserviceroleforeventbridgesendtofc`,
    trustedServices: ['eventbridge.aliyuncs.com'],
    statements: [{ effect: 'Allow', actions: ['fc:InvokeFunction'], resources: ['*'] }],
  };
}

function firstOpenRegion(inventory: Inventory): string {
  return (
    Object.entries(inventory.regions).find(([, r]) => r.trafficMirrorSupported && r.serviceOpened)?.[0] ??
    'cn-hangzhou'
  );
}

export function fcConfig(fn: FunctionDeployment, env: Record<string, string>): FcFunctionConfig {
  const http = fn.triggers.find((t) => t.triggerType === 'http');
  return {
    name: fn.name,
    bundle: join(fn.codeDir, fn.customRuntime?.entry ?? `${fn.handler.split('.')[0]}.js`),
    handler: fn.handler,
    ...(fn.customRuntime ? { customRuntime: true } : {}),
    ...(fn.instanceConcurrency ? { instanceConcurrency: fn.instanceConcurrency } : {}),
    // FC's own variables (reference: FC 3.0 environment variables), then s.yaml's, then the local overlay.
    env: {
      FC_REGION: fn.region,
      FC_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
      FC_FUNCTION_NAME: fn.name,
      FC_FUNCTION_HANDLER: fn.handler,
      FC_FUNCTION_MEMORY_SIZE: String(fn.memoryMB),
      FC_FUNC_CODE_PATH: fn.codeDir,
      ...fn.env,
      ...env,
    },
    timeoutSeconds: fn.timeoutSeconds,
    memoryMB: fn.memoryMB,
    ...(fn.roleArn ? { roleArn: fn.roleArn } : {}),
    ...(http?.triggerType === 'http'
      ? { httpTrigger: { methods: http.triggerConfig.methods, authType: http.triggerConfig.authType } }
      : {}),
    async: fn.async,
  };
}

export function timersOf(functions: FunctionDeployment[]): TimerTrigger[] {
  return functions.flatMap((fn) =>
    fn.triggers.flatMap((t) =>
      t.triggerType === 'timer'
        ? [
            {
              functionName: fn.name,
              triggerName: t.triggerName,
              cronExpression: t.triggerConfig.cronExpression,
              enable: t.triggerConfig.enable,
              ...(t.triggerConfig.payload !== undefined ? { payload: t.triggerConfig.payload } : {}),
            },
          ]
        : [],
    ),
  );
}

/**
 * An fc3 EventBridge trigger with a `Default` source: FC creates a rule `<function>-<trigger>` on the
 * `default` bus that invokes the function ("Configure event triggers for Alibaba Cloud services": "Function
 * Compute automatically creates an event rule on the default event bus"); other sources need services the
 * local cloud does not have.
 */
export function triggerRules(bus: Bus, functions: FunctionDeployment[], region: string): void {
  for (const fn of functions)
    for (const t of fn.triggers) {
      if (t.triggerType !== 'eventbridge' || !t.triggerConfig.triggerEnable) continue;
      if (t.triggerConfig.eventSourceConfig.eventSourceType !== 'Default')
        throw new SpecError(
          `[${fn.name}] the local cloud has no ${t.triggerConfig.eventSourceConfig.eventSourceType} event source`,
        );
      bus.model.createRule({
        EventBusName: 'default',
        RuleName: `${fn.name}-${t.triggerName}`,
        FilterPattern: t.triggerConfig.eventRuleFilterPattern,
        EventTargets: JSON.stringify([
          {
            Id: `${fn.name}-${t.triggerName}`,
            Type: 'acs.fc.function',
            Endpoint: `acs:fc:${region}:${LOCAL_ACCOUNT_ID}:services/default.LATEST/functions/${fn.name}`,
            ParamList: [
              { ResourceKey: 'serviceName', Form: 'CONSTANT', Value: 'default' },
              { ResourceKey: 'functionName', Form: 'CONSTANT', Value: fn.name },
              { ResourceKey: 'Qualifier', Form: 'CONSTANT', Value: t.qualifier },
              { ResourceKey: 'InvocationType', Form: 'CONSTANT', Value: 'Async' },
              { ResourceKey: 'DataFormat', Form: 'CONSTANT', Value: 'Object' },
              { ResourceKey: 'Body', Form: 'ORIGINAL' },
            ],
          },
        ]),
      });
    }
}

export function planLocalDeployment(options: PlanOptions) {
  const inventory = options.inventory ?? loadInventoryFile();
  const region = firstOpenRegion(inventory);
  const webhookSecret = options.webhookSecret ?? randomBytes(24).toString('base64url');

  // What `s deploy` would create, checked before anything starts.
  const inputs = renderInputs({
    region,
    webhookSecret,
    ...(options.desiredState ? { desiredState: options.desiredState } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const deployment = loadDeployment(options.sYaml ?? 's.yaml', {
    ...inputs,
    codeRoot: { from: 'dist', to: options.functionsDir },
  });
  for (const r of [...deployment.functions, ...deployment.flows])
    if (r.region !== region)
      throw new SpecError(`${r.name} is deployed to ${r.region}; the local cloud runs one region, ${region}`);
  const eventBus = String(deployment.vars.eventBus ?? 'mirrorflow');
  const fileValues = {
    region,
    accountId: LOCAL_ACCOUNT_ID,
    eventBus,
    deadLetterQueue: String(deployment.vars.deadLetterQueue ?? 'mirrorflow-dlq'),
    fcService: options.env?.MIRRORFLOW_FC_SERVICE ?? 'default',
  };
  const authority = new RamAuthority(LOCAL_ACCOUNT_ID, [
    ...loadRoles(options.ramDir ?? 'infra/ram', fileValues),
    eventBridgeSendToFcRole(LOCAL_ACCOUNT_ID),
  ]);
  const ruleFiles = readRuleFiles(options.eventBridgeDir ?? 'infra/eventbridge', fileValues);

  return { inventory, region, webhookSecret, deployment, eventBus, authority, ruleFiles };
}
