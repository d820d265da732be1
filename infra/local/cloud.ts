/**
 * The whole local cloud, wired as the real one is: the VPC emulator, the CloudFlow (fnf) API running
 * workflows/*.yaml, the FC host running the bundled functions with the environment FC would give them, and
 * the EventBridge bus with the rule that feeds intake-event. The pieces talk to each other only over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import FCClient from '@alicloud/fc2';
import { type Clock, VirtualClock } from './clock.js';
import { LOCAL_ACCESS_KEY } from './credentials.js';
import type { BusRule } from './eventbridge/bus.js';
import type { Integrations } from './flow/execution.js';
import { LOCAL_FC_SERVICE } from './flow/integrations/fc.js';
import { type FlowStack, LOCAL_ACCOUNT_ID, startFlowStack } from './flowStack.js';
import { type FnfApi, startFnfApi } from './fnf/api.js';
import { loadFlowsDir } from './fnf/flows.js';
import { startVpcEmulator, type VpcEmulator } from './vpc/emulator.js';
import type { Inventory } from './vpc/inventory.js';

export const REQUEST_RULE: BusRule = {
  name: 'mirror-requests-to-intake-event',
  pattern: { type: ['mirrorflow:MirrorRequest:Submitted'] },
  function: 'intake-event',
};

export interface LocalCloudOptions {
  /** First of four consecutive ports (VPC, fnf, FC, bus); 0 picks free ports. */
  portBase?: number;
  timeScale?: number;
  clock?: Clock;
  /** Where the bundled functions are (`dist/<name>/index.js`). */
  functionsDir: string;
  workflowsDir?: string;
  inventory?: Inventory;
  stateFile?: string;
  webhookSecret?: string;
  /** The desired-state file reconcile reads. */
  desiredState?: string;
  /** The VPC emulator's random source (creation delays); seed it to repeat a run. */
  random?: () => number;
  /** Extra environment for every function (overrides the defaults below). */
  env?: Record<string, string>;
  onLog?: (fn: string, line: string) => void;
}

export interface LocalCloud {
  vpc: VpcEmulator;
  fnf: FnfApi;
  stack: FlowStack;
  clock: Clock;
  regionId: string;
  webhookUrl: string;
  webhookSecret: string;
  /** Environment each function runs with. */
  functionEnv: Record<string, string>;
  /** Fires the reconcile timer now, as FC's timer trigger would, and returns its report. */
  reconcile(triggerTime?: string, payload?: Record<string, unknown>): Promise<unknown>;
  /** The JSON line of `mirrorflow up --json`. */
  endpoints(): Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const base = options.portBase ?? 0;
  const port = (offset: number) => (base === 0 ? 0 : base + offset);
  const clock = options.clock ?? new VirtualClock(options.timeScale ?? 1);
  const closers: (() => Promise<void>)[] = [];
  try {
    const vpc = await startVpcEmulator({
      port: port(0),
      clock,
      ...(options.inventory ? { inventory: options.inventory } : {}),
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    closers.push(vpc.close);
    // The fnf API needs the FC host and the bus, and they need its URL: the integrations are wired after.
    let integrations: Integrations | undefined;
    const fnf = await startFnfApi({
      port: port(1),
      clock,
      flows: loadFlowsDir(options.workflowsDir ?? 'workflows'),
      integrations: {
        invokeFunction: (p) => integrations!.invokeFunction(p),
        putEvents: (p) => integrations!.putEvents(p),
      },
    });
    closers.push(fnf.close);
    const webhookSecret = options.webhookSecret ?? randomBytes(24).toString('base64url');
    const functionEnv: Record<string, string> = {
      MIRRORFLOW_VPC_ENDPOINT: vpc.url,
      MIRRORFLOW_FNF_ENDPOINT: fnf.url,
      MIRRORFLOW_EVENT_BUS: 'mirrorflow',
      MIRRORFLOW_FLOW_NAME: 'session-ready',
      MIRRORFLOW_WEBHOOK_SECRET: webhookSecret,
      ...(clock instanceof VirtualClock ? { MIRRORFLOW_LOCAL_TIME: clock.describe() } : {}),
      FC_REGION: vpc.regionId,
      FC_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: '1',
      ...(options.desiredState ? { MIRRORFLOW_DESIRED_STATE: resolve(options.desiredState) } : {}),
      ...options.env,
    };
    const stack = await startFlowStack({
      clock,
      region: vpc.regionId,
      functionsDir: options.functionsDir,
      configure: (name) => ({
        env: { ...functionEnv, FC_FUNCTION_NAME: name },
        timeoutSeconds: name === 'reconcile' ? 600 : 60,
      }),
      rules: [REQUEST_RULE],
      ports: { fc: port(2), bus: port(3) },
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
    closers.push(stack.close);
    integrations = stack.integrations;

    const fc = new FCClient(LOCAL_ACCOUNT_ID, {
      accessKeyID: LOCAL_ACCESS_KEY.accessKeyId,
      accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
      region: vpc.regionId,
      endpoint: stack.fc.url,
      timeout: 620_000,
    });
    const webhookUrl = `${stack.fc.url}/http/intake-webhook`;
    return {
      vpc,
      fnf,
      stack,
      clock,
      regionId: vpc.regionId,
      webhookUrl,
      webhookSecret,
      functionEnv,
      reconcile: async (triggerTime, payload) => {
        const event = {
          triggerTime: triggerTime ?? new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          triggerName: 'reconcile-timer',
          payload: JSON.stringify(payload ?? {}),
        };
        const response = await fc.invokeFunction(LOCAL_FC_SERVICE, 'reconcile', JSON.stringify(event));
        if (response.headers['x-fc-error-type'])
          throw new Error(`reconcile failed: ${JSON.stringify(response.data)}`);
        return response.data;
      },
      endpoints: () => ({
        vpc: vpc.url,
        fnf: fnf.url,
        fc: stack.fc.url,
        eventbridge: stack.bus.url,
        webhook: webhookUrl,
        admin: vpc.adminUrl,
        regionId: vpc.regionId,
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
