/**
 * A session-ready job of sessions really created on the VPC emulator (over HTTP, as intake creates them):
 * source `eni-s<i>` → SLB `lb-t` through filter `tmf-1`, priority 100 + i, for i in `from`…`from + count - 1`.
 */
import { type Job, jobItem, newJob } from '../../functions/lib/contract/flowJob.js';
import { validateMirrorRequest } from '../../functions/lib/contract/request.js';
import { type Inventory, parseInventory } from '../../infra/local/vpc/inventory.js';
import { popCoreCaller } from './vpcClients.js';

/** The emulator's world those jobs assume: `sources` ENIs `eni-s<i>` on one instance, SLB `lb-t`, filter `tmf-1`. */
export const createdJobInventory = (o: {
  regionId: string;
  sources: number;
  createSeconds: number;
}): Inventory =>
  parseInventory({
    regions: { [o.regionId]: {} },
    instances: [{ id: 'i-1', regionId: o.regionId }],
    networkInterfaces: Array.from({ length: o.sources }, (_, i) => ({
      id: `eni-s${i}`,
      regionId: o.regionId,
      instanceId: 'i-1',
    })),
    loadBalancers: [{ id: 'lb-t', regionId: o.regionId, vpcId: 'vpc-1' }],
    filters: [{ id: 'tmf-1', regionId: o.regionId }],
    lifecycle: { createSeconds: { min: o.createSeconds, max: o.createSeconds }, tokenProcessingMs: 0 },
  });

export async function jobOfCreatedSessions(o: {
  emulatorUrl: string;
  regionId: string;
  from?: number;
  count: number;
  now: number;
  executionName?: string;
  deadlineSeconds?: number;
  trigger?: 'event' | 'reconcile';
  /** Give each request a correlation (`{ entry: 'e-<i>' }`). */
  correlated?: boolean;
}): Promise<Job> {
  const pop = popCoreCaller(o.emulatorUrl);
  const from = o.from ?? 0;
  const items = [];
  for (let i = from; i < from + o.count; i++) {
    const raw = {
      RegionId: o.regionId,
      TrafficMirrorSourceIds: [`eni-s${i}`],
      TrafficMirrorTargetId: 'lb-t',
      TrafficMirrorTargetType: 'SLB',
      TrafficMirrorFilterId: 'tmf-1',
      ...(o.correlated ? { Correlation: { entry: `e-${i}` } } : {}),
    };
    const body = await pop.call('CreateTrafficMirrorSession', {
      ...raw,
      Correlation: undefined,
      Priority: 100 + i,
      Enabled: true,
    });
    const request = validateMirrorRequest(raw);
    if (!request.ok) throw new Error('the fixture request is invalid');
    items.push(
      jobItem(
        {
          outcome: 'Created',
          sessionId: body.TrafficMirrorSessionId as string,
          priority: 100 + i,
          clientToken: `tok-${i}`,
          request: request.value,
        },
        o.trigger ?? 'event',
        '1234567890123456',
      ),
    );
  }
  return newJob({
    executionName: o.executionName ?? 'exec-test',
    eventBusName: 'mirrorflow',
    accountId: '1234567890123456',
    now: o.now,
    deadlineSeconds: o.deadlineSeconds ?? 600,
    items,
  });
}
