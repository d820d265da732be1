/**
 * The chaos suite's world: one source ENI per logical request (so each request's sessions are found by its
 * source), spread over as many SLB targets and filters as the cloud's default quotas need — the quotas are
 * the cloud's own, never raised — and the valid mirror request of each.
 */
import { type Inventory, parseInventory } from '../local/vpc/inventory.js';

export const REGION = 'cn-hangzhou';
/** Requests per SLB target: under the default 500 sources and 500 sessions per SLB. */
const PER_TARGET = 400;
/** Requests per filter: under the default 2,000 sessions per filter. */
const PER_FILTER = 1_500;

export const sourceOf = (i: number) => `eni-chaos${i}`;
const targetOf = (i: number) => `lb-chaos${Math.floor(i / PER_TARGET)}`;
const filterOf = (i: number) => `tmf-chaos${Math.floor(i / PER_FILTER)}`;

/** The logical request a source ENI belongs to (its group in the tally): the ENI itself. */
export const groupOfSource = (source: string) => (/^eni-chaos\d+$/.test(source) ? source : undefined);

/** A world with `count` source ENIs (one ECS instance each) and their targets and filters. */
export function chaosInventory(count: number): Inventory {
  const n = Math.max(1, count);
  return parseInventory({
    regions: { [REGION]: {} },
    instances: Array.from({ length: n }, (_, i) => ({ id: `i-chaos${i}`, regionId: REGION })),
    networkInterfaces: Array.from({ length: n }, (_, i) => ({
      id: sourceOf(i),
      regionId: REGION,
      instanceId: `i-chaos${i}`,
    })),
    loadBalancers: Array.from({ length: Math.ceil(n / PER_TARGET) }, (_, k) => ({
      id: `lb-chaos${k}`,
      regionId: REGION,
      vpcId: 'vpc-chaos',
    })),
    filters: Array.from({ length: Math.ceil(n / PER_FILTER) }, (_, k) => ({
      id: `tmf-chaos${k}`,
      regionId: REGION,
    })),
  });
}

/** The valid mirror request of logical request `i`: its own source, to its target through its filter. */
export function mirrorRequest(i: number): Record<string, unknown> {
  return {
    RegionId: REGION,
    TrafficMirrorSourceIds: [sourceOf(i)],
    TrafficMirrorTargetId: targetOf(i),
    TrafficMirrorTargetType: 'SLB',
    TrafficMirrorFilterId: filterOf(i),
  };
}
