/**
 * The part of the local cloud a flow needs: the FC host (functions from a bundle directory), the EventBridge
 * bus, and the Task integrations wired to them over HTTP. `mirrorflow flow run` and the workflow tests use it.
 */
import type { Clock } from './clock.js';
import { functionRoleCredentials, LOCAL_ACCESS_KEY, localCredentialStore } from './credentials.js';
import { type Bus, type BusRule, startBus } from './eventbridge/bus.js';
import { type FcFunctionConfig, type FcHost, functionsFromDir, startFcHost } from './fc/host.js';
import type { Integrations } from './flow/execution.js';
import { createFcInvoker } from './flow/integrations/fc.js';
import { localIntegrations } from './flow/localIntegrations.js';

export const LOCAL_ACCOUNT_ID = '1234567890123456';

export interface FlowStackOptions {
  clock: Clock;
  region: string;
  functionsDir?: string;
  functions?: FcFunctionConfig[];
  /** Per-function settings (environment, timeout) for functions found in functionsDir. */
  configure?: (name: string) => Partial<Omit<FcFunctionConfig, 'name' | 'bundle'>>;
  rules?: BusRule[];
  ports?: { fc?: number; bus?: number };
  onLog?: (fn: string, line: string) => void;
}

export interface FlowStack {
  fc: FcHost;
  bus: Bus;
  integrations: Integrations;
  close(): Promise<void>;
}

export async function startFlowStack(options: FlowStackOptions): Promise<FlowStack> {
  const functions =
    options.functions ??
    (options.functionsDir ? functionsFromDir(options.functionsDir, options.configure) : []);
  const fc = await startFcHost({
    port: options.ports?.fc ?? 0,
    functions,
    credentials: localCredentialStore(),
    roleCredentials: functionRoleCredentials,
    accountId: LOCAL_ACCOUNT_ID,
    region: options.region,
    clock: options.clock,
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  const deliverTo = createFcInvoker({
    endpoint: fc.url,
    accountId: LOCAL_ACCOUNT_ID,
    region: options.region,
    credentials: LOCAL_ACCESS_KEY,
  });
  const bus = await startBus({
    port: options.ports?.bus ?? 0,
    clock: options.clock,
    rules: options.rules ?? [],
    // EventBridge → FC: an asynchronous invocation carrying one CloudEvent.
    deliver: async (fn, event) => {
      await deliverTo({
        resourceArn: `acs:fc:${options.region}:${LOCAL_ACCOUNT_ID}:functions/${fn}`,
        invocationType: 'Async',
        body: event,
      });
    },
  });
  const integrations = localIntegrations({
    fcEndpoint: fc.url,
    busUrl: bus.url,
    accountId: LOCAL_ACCOUNT_ID,
    region: options.region,
    // The flow's execution role.
    credentials: functionRoleCredentials('session-ready'),
  });
  return {
    fc,
    bus,
    integrations,
    close: async () => {
      await bus.close();
      await fc.close();
    },
  };
}
