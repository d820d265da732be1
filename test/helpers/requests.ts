import type { MirrorRequestInput } from '../../functions/lib/contract/request.js';

/** A minimal valid mirror request; tests override one field at a time. */
export function validRequest(overrides: Record<string, unknown> = {}): MirrorRequestInput {
  return {
    RegionId: 'cn-hangzhou',
    TrafficMirrorSourceIds: ['eni-src1'],
    TrafficMirrorTargetId: 'eni-tgt1',
    TrafficMirrorTargetType: 'NetworkInterface',
    TrafficMirrorFilterId: 'tmf-filter1',
    ...overrides,
  } as MirrorRequestInput;
}

/** A request the demo inventory accepts: `source` mirrored to the IDS sensor's ENI through the all-traffic filter. */
export function demoRequest(source: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RegionId: 'cn-hangzhou',
    TrafficMirrorSourceIds: [source],
    TrafficMirrorTargetId: 'eni-bp1ids01',
    TrafficMirrorTargetType: 'NetworkInterface',
    TrafficMirrorFilterId: 'tmf-bp1all01',
    ...extra,
  };
}

/** A complete fault rule for the local cloud's injector: every rate zero but those given. */
export function faultRule(rule: Record<string, unknown>) {
  return {
    throttleRate: 0,
    serverErrorRate: 0,
    lostResponseRate: 0,
    latencyMs: 0,
    stuckInCreatingRate: 0,
    vanishRate: 0,
    vanishAfterSeconds: { min: 1, max: 1 },
    ...rule,
  };
}
