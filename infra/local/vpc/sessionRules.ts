/**
 * The rules a source ENI, a target and a filter must meet — shared by CreateTrafficMirrorSession and the
 * operations that change a session (UpdateTrafficMirrorSessionAttribute, AddSourcesToTrafficMirrorSession,
 * RemoveSourcesFromTrafficMirrorSession), so one resource is judged the same way whichever call names it.
 * Codes from the CreateTrafficMirrorSession page (the change operations' pages list the same families);
 * quotas from vpc-traffic-mirror-api.md §4.
 */
import { type VpcErrorCode, vpcMessage } from './errors.js';
import type { Inventory } from './inventory.js';
import { findEni, findFilter, findInstance, findLoadBalancer } from './inventoryLookup.js';
import type { RegionUse } from './regionUse.js';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: VpcErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const fail = (code: VpcErrorCode, detail?: string): never => {
  throw new ModelError(code, vpcMessage(code, detail));
};

/** What the rules need to know of an existing session. */
export interface SessionShape {
  id: string;
  sourceIds: string[];
  targetId: string;
  filterId: string;
  priority: number;
}

export function checkFilter(inventory: Inventory, regionId: string, filterId: string): void {
  const filter = findFilter(inventory, regionId, filterId);
  if (!filter) fail('ResourceNotFound.TrafficMirrorFilter');
  if (filter!.status !== 'Created') fail('IncorrectStatus.TrafficMirrorFilter');
}

/** One source ENI for a session whose target is `targetId`; `others`: what the region's other sessions use. */
export function checkSource(
  inventory: Inventory,
  regionId: string,
  sourceId: string,
  target: { id: string; type: 'NetworkInterface' | 'SLB' },
  others: RegionUse,
): void {
  const eni = findEni(inventory, regionId, sourceId);
  if (!eni) fail('ResourceNotFound.NetworkInterface', sourceId);
  if (eni!.kind === 'managed') fail('OperationFailed.NotSupportBizType');
  if (['Attaching', 'Detaching', 'Deleting'].includes(eni!.status)) fail('IncorrectStatus.NetworkInterface');
  if (!eni!.instanceId || eni!.status === 'Available') fail('OperationDenied.FreeNetworkInterface');
  const instance = findInstance(inventory, eni!.instanceId);
  if (!instance) fail('ResourceNotFound.EcsInstance');
  if (!instance!.supportsTrafficMirror) fail('OperationDenied.EcsNotSupportTrafficMirror');
  if (eni!.kind === 'natGateway' && target.type !== 'SLB') fail('OperationDenied.UnsupportedTargetType');
  if (sourceId === target.id) fail('OperationDenied.DuplicateRole');
  if (others.isTarget(sourceId)) fail('OperationDenied.DuplicateRole');
  if (others.sessionsWithSource(sourceId) >= inventory.quotas.sessionsPerSourceEni)
    fail('QuotaExceeded.NetworkInterfaceRelatedSession');
}

/** The target of a session with `sourceIds`; `others`: what the region's other sessions use. */
export function checkTarget(
  inventory: Inventory,
  regionId: string,
  target: { id: string; type: 'NetworkInterface' | 'SLB' },
  sourceIds: string[],
  others: RegionUse,
): void {
  const { quotas } = inventory;
  const onTarget = others.sessionsOnTarget(target.id);
  const targetIsSource = sourceIds.includes(target.id) || others.isSourceOffTarget(target.id);
  const targetSources = others.sourcesOnTargetWith(target.id, sourceIds);
  if (target.type === 'NetworkInterface') {
    const eni = findEni(inventory, regionId, target.id);
    if (!eni) fail('ResourceNotFound.TargetInstance');
    if (targetIsSource) fail('OperationDenied.DuplicateRole');
    const instance = findInstance(inventory, eni!.instanceId);
    const limit =
      instance?.size === 'large' ? quotas.sourcesPerLargeEcsTarget : quotas.sourcesPerSmallEcsTarget;
    if (targetSources > limit) fail('QuotaExceeded.SourceNumPerTarget');
  } else {
    const slb = findLoadBalancer(inventory, target.id);
    if (slb && slb.regionId !== regionId) fail('InvalidLoadBalancerId.NotFound');
    if (!slb) fail('ResourceNotFound.Slb');
    if (slb!.networkType === 'classic') fail('OperationDenied.ClassicSLB');
    if (!slb!.vpcId) fail('OperationDenied.SlbNotInVpc');
    if (onTarget >= quotas.sessionsPerSlbTarget) fail('QuotaExceeded.SlbRelatedSession');
    if (targetSources > quotas.sourcesPerSlbTarget) fail('QuotaExceeded.SourceNumPerTarget');
  }
}

export function checkPriority(priority: number, others: RegionUse): void {
  if (priority < 1 || priority > 32766) fail('IllegalParam.Priority');
  if (others.priorityTaken(priority)) fail('IllegalParam.Priority');
}

export function checkFilterQuota(inventory: Inventory, filterId: string, others: RegionUse): void {
  if (others.sessionsWithFilter(filterId) >= inventory.quotas.sessionsPerFilter)
    fail('QuotaExceeded.FilterRelatedSession');
}
