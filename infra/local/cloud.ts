/**
 * The whole local cloud, deployed rather than wired: it reads the artefacts a user deploys — `s.yaml`
 * (functions, triggers, the flow), `infra/ram` (roles and policies) and `infra/eventbridge` (buses and
 * rules) — and runs them on the VPC emulator, the CloudFlow (fnf) API, the FC host and EventBridge, with
 * RAM judging every call. What s.yaml cannot say comes from `overlay.ts`. The pieces talk over HTTP only.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Clock, VirtualClock } from './clock.js';
import { LOCAL_ACCESS_KEY } from './credentials.js';
import { applyRuleFiles, readRuleFiles } from './deploy/eventbridgeFiles.js';
import { type Deployment, type FunctionDeployment, loadDeployment } from './deploy/topology.js';
import { SpecError } from './deploy/variables.js';
import { type Bus, startBus } from './eventbridge/bus.js';
import { createDelivery, type RecordedDelivery } from './eventbridge/delivery.js';
import type { FcFunctionConfig, FcHost } from './fc/host.js';
import { startFcHost } from './fc/host.js';
import type { TimerTrigger } from './fc/timers.js';
import type { FlowDefinition } from './flow/definition/schema.js';
import { localIntegrations } from './flow/localIntegrations.js';
import { type FnfApi, startFnfApi } from './fnf/api.js';
import { functionOverlay, LOCAL_ACCOUNT_ID, renderInputs } from './overlay.js';
import type { ServiceAccess } from './ram/access.js';
import { RamAuthority } from './ram/authority.js';
import { loadRoles, type RoleDefinition } from './ram/roles.js';
import { startVpcEmulator, type VpcEmulator } from './vpc/emulator.js';
import { type Inventory, loadInventoryFile } from './vpc/inventory.js';

export { LOCAL_ACCOUNT_ID } from './overlay.js';

export interface LocalCloudOptions {
  /** First of four consecutive ports (VPC, fnf, FC, EventBridge); 0 picks free ports. */
  portBase?: number;
  timeScale?: number;
  clock?: Clock;
  /** Where the built code folders are: s.yaml's `./dist/<fn>` is read from `<functionsDir>/<fn>`. */
  functionsDir: string;
  /** The deployment (defaults: `s.yaml`, `infra/ram`, `infra/eventbridge` of the working directory). */
  sYaml?: string;
  ramDir?: string;
  eventBridgeDir?: string;
  inventory?: Inventory;
  stateFile?: string;
  webhookSecret?: string;
  /** The desired-state file reconcile reads (passed to s.yaml as MIRRORFLOW_DESIRED_STATE). */
  desiredState?: string;
  /** More environment for rendering s.yaml (as a shell running `s deploy` would have). */
  env?: Record<string, string | undefined>;
  /** Run timer triggers on the clock (default true; tests fire them by hand). */
  runTimers?: boolean;
  random?: () => number;
  onLog?: (fn: string, line: string) => void;
}

export interface LocalCloud {
  vpc: VpcEmulator;
  fnf: FnfApi;
  stack: { fc: FcHost; bus: Bus };
  authority: RamAuthority;
  deployment: Deployment;
  clock: Clock;
  regionId: string;
  webhookUrl: string;
  webhookSecret: string;
  /** Deliveries to targets with no local service behind them (queues, API destinations). */
  recordedDeliveries: RecordedDelivery[];
  /** Fires reconcile's timer trigger now (the console's "test trigger") and returns the function's answer. */
  reconcile(triggerTime?: string, payload?: Record<string, unknown>): Promise<unknown>;
  /** The JSON line of `mirrorflow up --json`. */
  endpoints(): Record<string, string>;
  close(): Promise<void>;
}

/**
 * EventBridge's service-linked role for invoking functions (fc3 creates it: `initSlrRole('SENDTOFC')`,
 * devsapp/fc3 src/base.ts; "AliyunServiceRoleForEventBridgeSendToFC").
 */
function eventBridgeSendToFcRole(accountId: string): RoleDefinition {
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

function fcConfig(fn: FunctionDeployment, env: Record<string, string>): FcFunctionConfig {
  const http = fn.triggers.find((t) => t.triggerType === 'http');
  return {
    name: fn.name,
    bundle: join(fn.codeDir, `${fn.handler.split('.')[0]}.js`),
    handler: fn.handler,
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

function timersOf(functions: FunctionDeployment[]): TimerTrigger[] {
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
function triggerRules(bus: Bus, functions: FunctionDeployment[], region: string): void {
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

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const base = options.portBase ?? 0;
  const port = (offset: number) => (base === 0 ? 0 : base + offset);
  const clock = options.clock ?? new VirtualClock(options.timeScale ?? 1);
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
  const access: ServiceAccess = { authority, region };

  const closers: (() => Promise<void>)[] = [];
  try {
    const vpc = await startVpcEmulator({
      port: port(0),
      clock,
      inventory,
      access,
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    closers.push(vpc.close);
    // The fnf API, the FC host and EventBridge need each other's URLs: integrations are bound after.
    let integrationsFor: ((flow: string) => ReturnType<typeof localIntegrations>) | undefined;
    const flows = new Map<string, FlowDefinition>(deployment.flows.map((f) => [f.name, f.definition]));
    const fnf = await startFnfApi({
      port: port(1),
      clock,
      flows,
      access,
      integrations: (flow) => integrationsFor!(flow),
    });
    closers.push(fnf.close);
    const overlay = functionOverlay(
      { vpc: vpc.url, fnf: fnf.url },
      clock instanceof VirtualClock ? clock.describe() : undefined,
    );
    const timers = timersOf(deployment.functions);
    const fc = await startFcHost({
      port: port(2),
      functions: deployment.functions.map((fn) => fcConfig(fn, overlay)),
      access,
      clock,
      timers,
      runTimers: options.runTimers ?? true,
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
    closers.push(fc.close);
    const recordedDeliveries: RecordedDelivery[] = [];
    const bus = await startBus({
      port: port(3),
      clock,
      access,
      deliver: createDelivery({
        fcEndpoint: fc.url,
        accountId: LOCAL_ACCOUNT_ID,
        region,
        credentials: authority.assumeRole(
          eventBridgeSendToFcRole(LOCAL_ACCOUNT_ID).arn,
          'eventbridge.aliyuncs.com',
          'eventbridge',
        ),
        recorded: recordedDeliveries,
      }),
    });
    closers.push(bus.close);
    triggerRules(bus, deployment.functions, region);
    await applyRuleFiles(ruleFiles, bus.url, LOCAL_ACCESS_KEY);
    const flowRoles = new Map(deployment.flows.map((f) => [f.name, f.roleArn]));
    integrationsFor = (flow) => {
      const roleArn = flowRoles.get(flow);
      return localIntegrations({
        fcEndpoint: fc.url,
        busUrl: bus.url,
        accountId: LOCAL_ACCOUNT_ID,
        region,
        // CloudFlow runs each execution as the flow's role; no role, no credentials.
        credentials: roleArn
          ? authority.assumeRole(roleArn, 'fnf.aliyuncs.com', flow)
          : { accessKeyId: '', accessKeySecret: '' },
      });
    };
    for (const f of deployment.flows)
      if (f.roleArn) authority.assumeRole(f.roleArn, 'fnf.aliyuncs.com', f.name);

    const webhook = deployment.functions.find((fn) => fn.triggers.some((t) => t.triggerType === 'http'));
    const webhookUrl = webhook ? `${fc.url}/http/${webhook.name}` : '';
    const reconcileTimer = timers.find((t) => t.functionName === 'reconcile');
    return {
      vpc,
      fnf,
      stack: { fc, bus },
      authority,
      deployment,
      clock,
      regionId: region,
      webhookUrl,
      webhookSecret,
      recordedDeliveries,
      reconcile: async (triggerTime, payload) => {
        if (!reconcileTimer) throw new Error('s.yaml gives reconcile no timer trigger');
        const outcome = await fc.fireTimer(
          'reconcile',
          reconcileTimer.triggerName,
          triggerTime,
          payload === undefined ? undefined : JSON.stringify(payload),
        );
        if (!outcome.ok) throw new Error(`reconcile failed: ${JSON.stringify(outcome.error)}`);
        return outcome.result.kind === 'json' ? JSON.parse(outcome.result.payload) : outcome.result.payload;
      },
      endpoints: () => ({
        vpc: vpc.url,
        fnf: fnf.url,
        fc: fc.url,
        eventbridge: bus.url,
        eventBus,
        webhook: webhookUrl,
        admin: vpc.adminUrl,
        regionId: region,
        accessKeyId: LOCAL_ACCESS_KEY.accessKeyId,
        accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
        webhookSecret,
      }),
      close: async () => {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
