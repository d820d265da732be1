/**
 * Preflight: what would make a deployment (or its first request) fail, checked with real calls — traffic
 * mirroring opened in the region, the permissions the product needs (a DryRun create where the API offers
 * one), the filter, source and target usable, the flow reachable. Works against the cloud or the local one.
 */

import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import type { Credentials } from '../../functions/lib/cloud/credentials.js';
import { createRpcCaller } from '../../functions/lib/cloud/rpcCaller.js';
import { VPC_API_VERSION, vpcEndpoint } from '../../functions/lib/cloud/vpcClient.js';
import { FNF_API_VERSION, fnfEndpoint } from '../../functions/lib/cloud/workflowClient.js';
import { FLOW_COMPONENT_REGIONS } from '../local/deploy/flowComponent.js';

export interface PreflightOptions {
  region: string;
  credentials: Credentials;
  vpcEndpoint?: string;
  fnfEndpoint?: string;
  /** The flows the deployment needs (session-ready, reconcile-run). */
  flowNames: string[];
  filter?: string;
  source?: string;
  target?: string;
  targetType?: 'NetworkInterface' | 'SLB';
}

export interface Check {
  name: string;
  ok: boolean | null;
  detail: string;
}

export async function preflight(options: PreflightOptions): Promise<Check[]> {
  const vpc = createRpcCaller({
    endpoint: vpcEndpoint(options.region, options.vpcEndpoint),
    apiVersion: VPC_API_VERSION,
    credentials: options.credentials,
    timeoutMs: 10_000,
  });
  const fnf = createRpcCaller({
    endpoint: fnfEndpoint(options.region, options.fnfEndpoint),
    apiVersion: FNF_API_VERSION,
    credentials: options.credentials,
    timeoutMs: 10_000,
  });
  const checks: Check[] = [];
  const fail = (name: string, error: unknown) => {
    const e = error instanceof CloudApiError ? error : null;
    checks.push({
      name,
      ok: false,
      detail: e ? `${e.code}: ${e.message} — ${e.hint}` : String((error as Error)?.message ?? error),
    });
  };

  try {
    const status = await vpc('GetTrafficMirrorServiceStatus', { RegionId: options.region });
    checks.push(
      status.Enabled === true
        ? {
            name: `traffic mirroring is opened in ${options.region}`,
            ok: true,
            detail: 'GetTrafficMirrorServiceStatus: Enabled',
          }
        : {
            name: `traffic mirroring is opened in ${options.region}`,
            ok: false,
            detail:
              'not opened: run OpenTrafficMirrorService once in this region (or open it in the VPC console)',
          },
    );
  } catch (error) {
    fail(`traffic mirroring is opened in ${options.region}`, error);
  }

  try {
    await vpc('ListTrafficMirrorSessions', { RegionId: options.region, MaxResults: 1 });
    checks.push({
      name: 'may list traffic mirror sessions (vpc:ListTrafficMirrorSessions)',
      ok: true,
      detail: 'ListTrafficMirrorSessions answered',
    });
  } catch (error) {
    fail('may list traffic mirror sessions (vpc:ListTrafficMirrorSessions)', error);
  }

  if (options.filter && options.source && options.target) {
    const name = `may create a session ${options.source} → ${options.target} with ${options.filter} (DryRun)`;
    try {
      await vpc('CreateTrafficMirrorSession', {
        RegionId: options.region,
        TrafficMirrorSourceIds: [options.source],
        TrafficMirrorTargetId: options.target,
        TrafficMirrorTargetType:
          options.targetType ?? (options.target.startsWith('lb-') ? 'SLB' : 'NetworkInterface'),
        TrafficMirrorFilterId: options.filter,
        Priority: 32766,
        DryRun: true,
      });
      checks.push({
        name,
        ok: false,
        detail: 'the dry run created nothing but did not answer DryRunOperation either',
      });
    } catch (error) {
      if (error instanceof CloudApiError && error.code === 'DryRunOperation')
        checks.push({ name, ok: true, detail: 'DryRunOperation: the request would succeed' });
      else if (error instanceof CloudApiError && error.code === 'IllegalParam.Priority') {
        checks.push({
          name,
          ok: true,
          detail: 'permitted (priority 32766 is in use, which mirrorflow would avoid by allocating another)',
        });
      } else fail(name, error);
    }
  } else {
    checks.push({
      name: 'a dry-run create',
      ok: null,
      detail: 'skipped: give --filter, --source and --target to check them and the create permission',
    });
  }

  // The flow component refuses other regions before anything is deployed (audit S23).
  const flowRegion = `the flow component deploys to ${options.region}`;
  checks.push(
    (FLOW_COMPONENT_REGIONS as readonly string[]).includes(options.region)
      ? { name: flowRegion, ok: true, detail: 'the region is in the flow component’s list' }
      : {
          name: flowRegion,
          ok: false,
          detail: `\`s deploy\` would stop: region is must be in ${JSON.stringify(FLOW_COMPONENT_REGIONS)}`,
        },
  );

  for (const flowName of options.flowNames) {
    const name = `the ${flowName} flow is reachable`;
    try {
      await fnf('DescribeExecution', { FlowName: flowName, ExecutionName: 'mirrorflow-preflight' });
      checks.push({ name, ok: true, detail: 'the flow exists' });
    } catch (error) {
      // Only FlowNotExists is documented (devsapp/fnf); whatever else a never-used execution name gets
      // (ExecutionNotExists, audit N9) means the flow is there — unless it is a denial or a transport error.
      if (error instanceof CloudApiError && error.code === 'FlowNotExists')
        checks.push({ name, ok: null, detail: 'not deployed yet: `s deploy` creates it' });
      else if (error instanceof CloudApiError && /NotExist/.test(error.code))
        checks.push({
          name,
          ok: true,
          detail: `the flow exists (${error.code} for an unused execution name)`,
        });
      else fail(name, error);
    }
  }
  return checks;
}
