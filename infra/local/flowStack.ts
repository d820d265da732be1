/**
 * The part of the local cloud a flow file needs on its own (`mirrorflow flow run`, the workflow tests): the
 * FC host with the functions of a bundle directory, EventBridge, and the Task integrations wired to them over
 * HTTP. There is no deployment here, so the flow runs as the local operator (full access) and the functions
 * have no role; `infra/local/cloud.ts` is the deployed stack, with s.yaml's roles.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from './clock.js';
import { LOCAL_STS } from './credentials.js';
import { type Bus, startBus } from './eventbridge/bus.js';
import { createDelivery } from './eventbridge/delivery.js';
import { type FcFunctionConfig, type FcHost, startFcHost } from './fc/host.js';
import type { Integrations } from './flow/execution.js';
import { localIntegrations } from './flow/localIntegrations.js';
import { LOCAL_ACCOUNT_ID } from './overlay.js';
import { type ServiceAccess, standaloneAccess } from './ram/access.js';

export { LOCAL_ACCOUNT_ID } from './overlay.js';

export interface FlowStackOptions {
  clock: Clock;
  region: string;
  functionsDir?: string;
  functions?: FcFunctionConfig[];
  /** Per-function settings (environment, timeout) for functions found in functionsDir. */
  configure?: (name: string) => Partial<Omit<FcFunctionConfig, 'name' | 'bundle'>>;
  /** Custom buses to create (the flow's PutEvents name them). */
  buses?: string[];
  ports?: { fc?: number; bus?: number };
  onLog?: (fn: string, line: string) => void;
}

export interface FlowStack {
  fc: FcHost;
  bus: Bus;
  access: ServiceAccess;
  integrations: Integrations;
  close(): Promise<void>;
}

/** One function per `dir/<name>/index.js`; `configure` supplies each one's environment and limits. */
export function functionsFromDir(
  dir: string,
  configure: (name: string) => Partial<Omit<FcFunctionConfig, 'name' | 'bundle'>> = () => ({}),
): FcFunctionConfig[] {
  const root = resolve(dir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'index.js')))
    .sort()
    .map((name) => {
      const configured = configure(name);
      return {
        name,
        // A custom runtime runs the folder's server entry (bundled from server.ts).
        bundle: join(root, name, configured.customRuntime ? 'server.js' : 'index.js'),
        env: {},
        timeoutSeconds: 60,
        ...configured,
      };
    });
}

export async function startFlowStack(options: FlowStackOptions): Promise<FlowStack> {
  const access = standaloneAccess(LOCAL_ACCOUNT_ID, options.region);
  const functions =
    options.functions ??
    (options.functionsDir ? functionsFromDir(options.functionsDir, options.configure) : []);
  const fc = await startFcHost({
    port: options.ports?.fc ?? 0,
    functions,
    access,
    clock: options.clock,
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  let bus: Bus;
  try {
    bus = await startBus({
      port: options.ports?.bus ?? 0,
      clock: options.clock,
      access,
      deliver: createDelivery({
        fcEndpoint: fc.url,
        accountId: LOCAL_ACCOUNT_ID,
        region: options.region,
        credentials: LOCAL_STS,
      }),
    });
  } catch (error) {
    await fc.close();
    throw error;
  }

  for (const name of options.buses ?? ['mirrorflow']) bus.model.createEventBus({ EventBusName: name });
  const integrations = localIntegrations({
    fcEndpoint: fc.url,
    busUrl: bus.url,
    accountId: LOCAL_ACCOUNT_ID,
    region: options.region,
    credentials: LOCAL_STS,
  });
  return {
    fc,
    bus,
    access,
    integrations,
    close: async () => {
      await bus.close();
      await fc.close();
    },
  };
}
