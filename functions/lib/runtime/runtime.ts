/** What every handler needs, built from the FC invocation context and the function's environment. */

import { type ContextWithCredentials, type Credentials, resolveCredentials } from '../cloud/credentials.js';
import type { RetryHooks } from '../cloud/retry.js';
import { createVpcClient, type VpcApi } from '../cloud/vpcClient.js';
import { createWorkflowClient, type WorkflowApi } from '../cloud/workflowClient.js';
import { functionClock, functionSleep } from './clock.js';
import { loadConfig, type MirrorflowConfig } from './config.js';

/** The parts of the FC 3.0 context mirrorflow reads. */
export interface FcContext extends ContextWithCredentials {
  requestId: string;
  region?: string;
  accountId?: string;
  function?: { name?: string };
}

export interface Runtime {
  config: MirrorflowConfig;
  credentials: Credentials;
  region: string;
  accountId: string;
  now: () => number;
  /** Waits in the same time as `now` (rate limits follow the cloud's clock). */
  sleep: (ms: number) => Promise<void>;
  /** Retries of cloud calls wait and count their budget in that same time. */
  retryHooks?: RetryHooks;
  vpcFor: (regionId: string) => VpcApi;
  workflow: WorkflowApi;
}

/**
 * The clients of an instance, kept across its invocations while its keys stay the same (FC hands an instance
 * the same temporary keys for hours): their keep-alive connections are reused instead of a new client, agent
 * and sockets per invocation. Only the newest few sets of keys are kept.
 */
interface InstanceClients {
  vpc: Map<string, VpcApi>;
  workflow: WorkflowApi;
}
const CLIENT_SETS = 4;
const instanceClients = new Map<string, InstanceClients>();

function clientsFor(key: string, make: () => InstanceClients): InstanceClients {
  let clients = instanceClients.get(key);
  if (!clients) {
    clients = make();
    instanceClients.set(key, clients);
    while (instanceClients.size > CLIENT_SETS) instanceClients.delete(instanceClients.keys().next().value!);
  }
  return clients;
}

export function runtimeFrom(context: FcContext, env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const credentials = resolveCredentials(context, env);
  const region = context.region ?? env.FC_REGION ?? env.ALIBABA_CLOUD_REGION ?? 'cn-hangzhou';
  const clients = clientsFor(
    JSON.stringify([credentials, region, config.vpcEndpoint, config.fnfEndpoint, config.httpTimeoutMs]),
    () => ({
      vpc: new Map(),
      workflow: createWorkflowClient({
        regionId: region,
        credentials,
        endpoint: config.fnfEndpoint,
        timeoutMs: config.httpTimeoutMs,
      }),
    }),
  );
  const vpcClients = clients.vpc;
  const now = functionClock(env);
  const sleep = functionSleep(env);
  return {
    config,
    credentials,
    region,
    accountId: context.accountId ?? env.FC_ACCOUNT_ID ?? '',
    now,
    sleep,
    retryHooks: { now, sleep },
    vpcFor: (regionId) => {
      let client = vpcClients.get(regionId);
      if (!client) {
        client = createVpcClient({
          regionId,
          credentials,
          endpoint: config.vpcEndpoint,
          timeoutMs: config.httpTimeoutMs,
        });
        vpcClients.set(regionId, client);
      }
      return client;
    },
    workflow: clients.workflow,
  };
}
