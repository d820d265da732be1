import { type Clock, VirtualClock } from './clock.js';
import { LOCAL_ACCESS_KEY } from './credentials.js';
import { applyRuleFiles } from './deploy/eventbridgeFiles.js';
import {
  eventBridgeSendToFcRole,
  fcConfig,
  planLocalDeployment,
  timersOf,
  triggerRules,
} from './deploy/plan.js';
import type { Deployment } from './deploy/topology.js';
import { openStateDir } from './durable/stateDir.js';
import { type Bus, startBus } from './eventbridge/bus.js';
import { createDelivery, type RecordedDelivery } from './eventbridge/delivery.js';
import type { FcHost } from './fc/host.js';
import { startFcHost } from './fc/host.js';
import type { FlowDefinition } from './flow/definition/schema.js';
import { localIntegrations } from './flow/localIntegrations.js';
import { type FnfApi, startFnfApi } from './fnf/api.js';
import { foldExecutions } from './fnf/executionJournal.js';
import { functionOverlay, LOCAL_ACCOUNT_ID } from './overlay.js';
import type { ServiceAccess } from './ram/access.js';
import type { RamAuthority } from './ram/authority.js';
import { startVpcEmulator, type VpcEmulator } from './vpc/emulator.js';
import type { Inventory } from './vpc/inventory.js';

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
  /** Keep only the VPC emulator's state in this file (sessions, tokens, inventory). */
  stateFile?: string;
  /**
   * Keep everything the real services keep in this directory (`durable/stateDir.ts`): a restarted stack
   * resumes flows, owed deliveries and queued invocations. Without it the local cloud is ephemeral.
   */
  stateDir?: string;
  /** How much history a long-running stack keeps: events on the bus, finished executions kept whole. */
  keptEvents?: number;
  keptExecutions?: number;
  /** Call logs, invocation records and function log lines each service keeps (the newest). */
  keptRecords?: number;
  webhookSecret?: string;
  /** The desired-state file reconcile reads (passed to s.yaml as MIRRORFLOW_DESIRED_STATE). */
  desiredState?: string;
  /** More environment for rendering s.yaml (as a shell running `s deploy` would have). */
  env?: Record<string, string | undefined>;
  /** Run timer triggers on the clock (default true; tests fire them by hand). */
  runTimers?: boolean;
  random?: () => number;
  onLog?: (fn: string, line: string) => void;
  /** Flows deployed beside s.yaml's (the benchmark's naive poller), each acting as an existing role. */
  extraFlows?: { name: string; definition: FlowDefinition; roleArn: string }[];
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

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const base = options.portBase ?? 0;
  const port = (offset: number) => (base === 0 ? 0 : base + offset);
  const state = options.stateDir ? openStateDir(options.stateDir) : undefined;
  const ownClock = options.clock
    ? undefined
    : new VirtualClock(options.timeScale ?? 1, state?.resumeAt ?? Date.now());
  const clock = options.clock ?? ownClock!;
  const planned = planLocalDeployment(options);
  const { inventory, region, webhookSecret, eventBus, authority, ruleFiles } = planned;
  const deployment: Deployment = {
    ...planned.deployment,
    flows: [
      ...planned.deployment.flows,
      ...(options.extraFlows ?? []).map((f) => ({ ...f, region, executionMode: 'Standard' as const })),
    ],
  };
  const access: ServiceAccess = { authority, region };

  // Closed last: the services' work still waiting on the clock ends with them.
  const closers: (() => Promise<void>)[] = ownClock ? [async () => ownClock.stop()] : [];
  try {
    const vpc = await startVpcEmulator({
      port: port(0),
      clock,
      inventory,
      access,
      ...(state ? { stateFile: state.vpcFile } : options.stateFile ? { stateFile: options.stateFile } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.keptRecords ? { keptRecords: options.keptRecords } : {}),
    });
    closers.push(vpc.close);
    // The fnf API, the FC host and EventBridge need each other's URLs: integrations are bound after.
    let integrationsFor: ((flow: string) => ReturnType<typeof localIntegrations>) | undefined;
    const flows = new Map<string, FlowDefinition>(deployment.flows.map((f) => [f.name, f.definition]));
    const fnf = await startFnfApi({
      port: port(1),
      clock,
      flows,
      expressFlows: new Set(deployment.flows.filter((f) => f.executionMode === 'Express').map((f) => f.name)),
      access,
      integrations: (flow) => integrationsFor!(flow),
      ...(state ? { journal: state.executions.journal } : {}),
      ...(options.keptExecutions ? { keptExecutions: options.keptExecutions } : {}),
      ...(options.keptRecords ? { keptRecords: options.keptRecords } : {}),
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
      ...(state ? { asyncJournal: state.fcAsync.journal } : {}),
      ...(options.keptRecords ? { keptRecords: options.keptRecords } : {}),
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
      ...(state ? { journal: state.bus.journal } : {}),
      ...(options.keptEvents ? { keptEvents: options.keptEvents } : {}),
    });
    closers.push(bus.close);
    triggerRules(bus, deployment.functions, region);
    await applyRuleFiles(ruleFiles, bus.url, LOCAL_ACCESS_KEY);
    const flowRoles = new Map(deployment.flows.map((f) => [f.name, f.roleArn]));
    // One set per flow, shared by its executions (CloudFlow acts as the same role for all of them): a set per
    // execution would keep a client alive for every execution name the store remembers.
    const integrationsByFlow = new Map<string, ReturnType<typeof localIntegrations>>();
    integrationsFor = (flow) => {
      const known = integrationsByFlow.get(flow);
      if (known) return known;
      const roleArn = flowRoles.get(flow);
      const integrations = localIntegrations({
        fcEndpoint: fc.url,
        busUrl: bus.url,
        accountId: LOCAL_ACCOUNT_ID,
        region,
        // CloudFlow runs each execution as the flow's role; no role, no credentials.
        credentials: roleArn
          ? authority.assumeRole(roleArn, 'fnf.aliyuncs.com', flow)
          : { accessKeyId: '', accessKeySecret: '' },
      });
      integrationsByFlow.set(flow, integrations);
      return integrations;
    };
    for (const f of deployment.flows)
      if (f.roleArn) authority.assumeRole(f.roleArn, 'fnf.aliyuncs.com', f.name);
    if (state) {
      // Everything is deployed again: carry on with what the stopped stack had accepted.
      fnf.restore(foldExecutions(state.executions.records));
      fc.resume(state.fcAsync.records);
      bus.restore(state.bus.records);
      for (const journaled of [state.executions, state.fcAsync, state.bus]) journaled.records.length = 0;
      const stopClock = state.keepClock(clock);
      // Closed first on a stop: what the services do while they shut down (a flow's Task failing because FC
      // is already gone) is not the cloud's record, and a restart carries on from before the stop.
      closers.push(async () => {
        stopClock();
        for (const journaled of [state.executions, state.fcAsync, state.bus]) journaled.journal.close();
      });
    }

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
