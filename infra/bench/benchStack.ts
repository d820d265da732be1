/**
 * What the benchmarks share: the bench region's inventory (one ENI per session, an SLB target), the request
 * for session i, how to wait for completion events, and every call a run caused, per request.
 */
import type { LocalCloud } from '../local/cloud.js';
import type { StoredEvent } from '../local/eventbridge/model.js';
import { type Inventory, parseInventory } from '../local/vpc/inventory.js';

export interface RequestCosts {
  vpc: Record<string, number>;
  fcInvocations: Record<string, number>;
  /** States entered, Map iterations included: what CloudFlow bills. */
  stateTransitions: number;
  putEvents: number;
}

export const REGION = 'cn-hangzhou';

export function benchInventory(count: number, createSeconds: { min: number; max: number }): Inventory {
  return parseInventory({
    regions: { [REGION]: {} },
    instances: [{ id: 'i-bench', regionId: REGION, size: 'large' }],
    networkInterfaces: Array.from({ length: count }, (_, i) => ({
      id: `eni-bench${i}`,
      regionId: REGION,
      instanceId: 'i-bench',
    })),
    loadBalancers: [{ id: 'lb-bench', regionId: REGION, vpcId: 'vpc-bench' }],
    filters: [{ id: 'tmf-bench', regionId: REGION }],
    quotas: {
      sourcesPerSlbTarget: Math.max(10_000, count),
      sessionsPerSlbTarget: Math.max(10_000, count),
      sessionsPerFilter: Math.max(2_000, count),
    },
    lifecycle: { createSeconds, tokenProcessingMs: 0 },
  });
}

export const request = (i: number) => ({
  RegionId: REGION,
  TrafficMirrorSourceIds: [`eni-bench${i}`],
  TrafficMirrorTargetId: 'lb-bench',
  TrafficMirrorTargetType: 'SLB',
  TrafficMirrorFilterId: 'tmf-bench',
});

export const round = (n: number) => Math.round(n * 100) / 100;
/** Every call the local cloud saw, per request. */
export function requestCosts(cloud: LocalCloud, requests: number): RequestCosts {
  const per = (counts: Map<string, number>) =>
    Object.fromEntries([...counts].sort().map(([k, n]) => [k, round(n / requests)]));
  const count = <T>(items: T[], key: (item: T) => string) => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return counts;
  };
  const transitions = [...cloud.fnf.executions.values()].reduce(
    (n, e) => n + e.events.filter((h) => h.Type === 'StateEntered').length,
    0,
  );
  return {
    vpc: per(count(cloud.vpc.calls, (c) => c.action)),
    fcInvocations: per(count(cloud.stack.fc.invocations, (i) => i.function)),
    stateTransitions: round(transitions / requests),
    putEvents: round(cloud.stack.bus.events.filter((e) => e.source === 'mirrorflow').length / requests),
  };
}
/** List calls that look sessions up by id: the polling ones (not intake's look-up by source ENI). */
export const pollingLists = (cloud: { vpc: { calls: { action: string; paramNames?: string[] }[] } }) =>
  cloud.vpc.calls.filter(
    (c) =>
      c.action === 'ListTrafficMirrorSessions' &&
      c.paramNames?.some((n) => n.startsWith('TrafficMirrorSessionIds.')),
  ).length;

/** Waits for `count` completion events — or for events of `count` distinct keys, when `keyOf` is given. */
export async function waitForEvents(
  cloud: LocalCloud,
  count: number,
  timeoutMs: number,
  keyOf?: (event: StoredEvent) => string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  // Only the events since the last look: the bench shares the process with the stack it measures, and
  // rescanning 20,000 events every 50 ms took a sixth of the run's CPU from it.
  const seen = new WeakSet<StoredEvent>();
  const keys = new Set<string>();
  let completions = 0;
  const done = () => {
    const { events } = cloud.stack.bus;
    for (let i = events.length - 1; i >= 0 && !seen.has(events[i]!); i--) {
      const event = events[i]!;
      seen.add(event);
      if (!String(event.type).startsWith('mirrorflow:TrafficMirrorSession:')) continue;
      completions += 1;
      if (keyOf) keys.add(keyOf(event));
    }
    return (keyOf ? keys.size : completions) >= count;
  };
  while (!done()) {
    if (Date.now() > until)
      throw new Error(`only some of ${count} completion events arrived within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
