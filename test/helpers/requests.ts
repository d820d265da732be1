import type { MirrorRequestInput } from '../../functions/lib/request.js';

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
