/**
 * The rules a source ENI, a target and a filter must meet — shared by CreateTrafficMirrorSession and the
 * operations that change a session (UpdateTrafficMirrorSessionAttribute, AddSourcesToTrafficMirrorSession,
 * RemoveSourcesFromTrafficMirrorSession), so one resource is judged the same way whichever call names it.
 * Codes from the CreateTrafficMirrorSession page (the change operations' pages list the same families);
 * quotas from vpc-traffic-mirror-api.md §4.
 */
import { type VpcErrorCode, vpcMessage } from './errors.js';
import type { Inventory } from './inventory.js';

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
  const filter = inventory.filters.find((f) => f.id === filterId && f.regionId === regionId);
  if (!filter) fail('ResourceNotFound.TrafficMirrorFilter');
  if (filter!.status !== 'Created') fail('IncorrectStatus.TrafficMirrorFilter');
}

/** One source ENI for a session whose target is `targetId`; `others` are the region's other sessions. */
export function checkSource(
  inventory: Inventory,
  regionId: string,
  sourceId: string,
  target: { id: string; type: 'NetworkInterface' | 'SLB' },
  others: SessionShape[],
): void {
  const eni = inventory.networkInterfaces.find((e) => e.id === sourceId && e.regionId === regionId);
  if (!eni) fail('ResourceNotFound.NetworkInterface', sourceId);
  if (eni!.kind === 'managed') fail('OperationFailed.NotSupportBizType');
  if (['Attaching', 'Detaching', 'Deleting'].includes(eni!.status)) fail('IncorrectStatus.NetworkInterface');
  if (!eni!.instanceId || eni!.status === 'Available') fail('OperationDenied.FreeNetworkInterface');
  const instance = inventory.instances.find((i) => i.id === eni!.instanceId);
  if (!instance) fail('ResourceNotFound.EcsInstance');
  if (!instance!.supportsTrafficMirror) fail('OperationDenied.EcsNotSupportTrafficMirror');
  if (eni!.kind === 'natGateway' && target.type !== 'SLB') fail('OperationDenied.UnsupportedTargetType');
  if (sourceId === target.id) fail('OperationDenied.DuplicateRole');
  // One pass, no arrays: at 20,000 sessions these checks run on every create.
  let using = 0;
  for (const s of others) {
    if (s.targetId === sourceId) fail('OperationDenied.DuplicateRole');
    if (s.sourceIds.includes(sourceId)) using += 1;
  }
  if (using >= inventory.quotas.sessionsPerSourceEni) fail('QuotaExceeded.NetworkInterfaceRelatedSession');
}

/** The target of a session with `sourceIds`; `others` are the region's other sessions. */
export function checkTarget(
  inventory: Inventory,
  regionId: string,
  target: { id: string; type: 'NetworkInterface' | 'SLB' },
  sourceIds: string[],
  others: SessionShape[],
): void {
  const { quotas } = inventory;
  let onTarget = 0;
  let targetIsSource = sourceIds.includes(target.id);
  const targetSources = new Set(sourceIds);
  for (const s of others) {
    if (s.targetId === target.id) {
      onTarget += 1;
      for (const id of s.sourceIds) targetSources.add(id);
    } else if (!targetIsSource && s.sourceIds.includes(target.id)) targetIsSource = true;
  }
  if (target.type === 'NetworkInterface') {
    const eni = inventory.networkInterfaces.find((e) => e.id === target.id && e.regionId === regionId);
    if (!eni) fail('ResourceNotFound.TargetInstance');
    if (targetIsSource) fail('OperationDenied.DuplicateRole');
    const instance = inventory.instances.find((i) => i.id === eni!.instanceId);
    const limit =
      instance?.size === 'large' ? quotas.sourcesPerLargeEcsTarget : quotas.sourcesPerSmallEcsTarget;
    if (targetSources.size > limit) fail('QuotaExceeded.SourceNumPerTarget');
  } else {
    const slb = inventory.loadBalancers.find((l) => l.id === target.id);
    if (slb && slb.regionId !== regionId) fail('InvalidLoadBalancerId.NotFound');
    if (!slb) fail('ResourceNotFound.Slb');
    if (slb!.networkType === 'classic') fail('OperationDenied.ClassicSLB');
    if (!slb!.vpcId) fail('OperationDenied.SlbNotInVpc');
    if (onTarget >= quotas.sessionsPerSlbTarget) fail('QuotaExceeded.SlbRelatedSession');
    if (targetSources.size > quotas.sourcesPerSlbTarget) fail('QuotaExceeded.SourceNumPerTarget');
  }
}

export function checkPriority(priority: number, others: SessionShape[]): void {
  if (priority < 1 || priority > 32766) fail('IllegalParam.Priority');
  if (others.some((s) => s.priority === priority)) fail('IllegalParam.Priority');
}

export function checkFilterQuota(inventory: Inventory, filterId: string, others: SessionShape[]): void {
  let using = 0;
  for (const s of others) if (s.filterId === filterId) using += 1;
  if (using >= inventory.quotas.sessionsPerFilter) fail('QuotaExceeded.FilterRelatedSession');
}
