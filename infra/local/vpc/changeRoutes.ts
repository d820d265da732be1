/**
 * The operations that change a session (vpc-traffic-mirror-api.md §3): UpdateTrafficMirrorSessionAttribute,
 * AddSourcesToTrafficMirrorSession, RemoveSourcesFromTrafficMirrorSession (`Modifying` → `Created`) and
 * DeleteTrafficMirrorSession (`Deleting` → gone). Each takes RegionId, TrafficMirrorSessionId, ClientToken and
 * DryRun, answers only a RequestId, and is refused while the session is not `Created`
 * (IncorrectStatus.TrafficMirrorSession: one change at a time).
 */
import type { RpcAction, RpcCall } from '../rpc/server.js';
import type { SessionChange, StoredSession, TrafficMirrorModel } from './model.js';
import {
  boolean,
  clientToken,
  fingerprint,
  integer,
  invalid,
  missing,
  repeated,
  required,
  text,
} from './params.js';
import {
  checkFilter,
  checkFilterQuota,
  checkPriority,
  checkSource,
  checkTarget,
  fail,
} from './sessionRules.js';

type Apply = SessionChange['apply'];

function change(model: TrafficMirrorModel, action: SessionChange['action'], call: RpcCall, apply: Apply) {
  const { params } = call;
  const token = clientToken(params);
  model.changeSession({
    action,
    regionId: required(params, 'RegionId'),
    sessionId: required(params, 'TrafficMirrorSessionId'),
    dryRun: boolean(params, 'DryRun') ?? false,
    ...(token ? { clientToken: token } : {}),
    fingerprint: fingerprint(params),
    apply,
  });
  return {};
}

/** UpdateTrafficMirrorSessionAttribute: every attribute but the sources; a target is named with its type. */
function update(model: TrafficMirrorModel, call: RpcCall) {
  const { params } = call;
  const targetId = params.TrafficMirrorTargetId || undefined;
  const targetType = params.TrafficMirrorTargetType || undefined;
  if (targetType !== undefined && targetType !== 'NetworkInterface' && targetType !== 'SLB')
    throw invalid('TrafficMirrorTargetType', 'must be NetworkInterface or SLB');
  if ((targetId === undefined) !== (targetType === undefined))
    throw missing(targetId === undefined ? 'TrafficMirrorTargetId' : 'TrafficMirrorTargetType');
  const changes = {
    name: text(params, 'TrafficMirrorSessionName', 128),
    description: text(params, 'TrafficMirrorSessionDescription', 256),
    filterId: params.TrafficMirrorFilterId || undefined,
    virtualNetworkId: integer(params, 'VirtualNetworkId', 0, 16_777_215),
    priority: integer(params, 'Priority', -Infinity, Infinity, 'IllegalParam.Priority'),
    enabled: boolean(params, 'Enabled'),
    packetLength: integer(params, 'PacketLength', 64, 8500),
  };
  return change(model, 'UpdateTrafficMirrorSessionAttribute', call, (session, others, dryRun) => {
    const inventory = model.getInventory();
    if (changes.filterId !== undefined && changes.filterId !== session.filterId) {
      checkFilter(inventory, session.regionId, changes.filterId);
      checkFilterQuota(inventory, changes.filterId, others());
    }
    if (targetId !== undefined && targetType !== undefined && targetId !== session.targetId)
      checkTarget(
        inventory,
        session.regionId,
        { id: targetId, type: targetType },
        session.sourceIds,
        others(),
      );
    if (changes.priority !== undefined) checkPriority(changes.priority, others());
    if (dryRun) return;
    apply(session, {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.filterId !== undefined ? { filterId: changes.filterId } : {}),
      ...(changes.virtualNetworkId !== undefined ? { virtualNetworkId: changes.virtualNetworkId } : {}),
      ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.packetLength !== undefined ? { packetLength: changes.packetLength } : {}),
      ...(targetId !== undefined && targetType !== undefined ? { targetId, targetType } : {}),
    });
    model.startModifying(session);
  });
}

function apply(session: StoredSession, changes: Partial<StoredSession>): void {
  Object.assign(session, changes);
}

function addSources(model: TrafficMirrorModel, call: RpcCall) {
  const sourceIds = repeated(call.params, 'TrafficMirrorSourceIds', 100);
  if (sourceIds.length === 0) throw missing('TrafficMirrorSourceIds.1');
  return change(model, 'AddSourcesToTrafficMirrorSession', call, (session, others, dryRun) => {
    const inventory = model.getInventory();
    const all = [...session.sourceIds, ...sourceIds];
    if (new Set(all).size !== all.length) fail('DuplicatedParam.SourceInstanceIds');
    if (all.length > inventory.quotas.sourcesPerSession) fail('QuotaExceeded.SourceNumPerSession');
    const target = { id: session.targetId, type: session.targetType };
    const used = others();
    for (const sourceId of sourceIds) checkSource(inventory, session.regionId, sourceId, target, used);
    checkTarget(inventory, session.regionId, target, all, used);
    if (dryRun) return;
    session.sourceIds = all;
    model.startModifying(session);
  });
}

function removeSources(model: TrafficMirrorModel, call: RpcCall) {
  // The Remove page allows up to 10 sources a call.
  const sourceIds = repeated(call.params, 'TrafficMirrorSourceIds', 10);
  if (sourceIds.length === 0) throw missing('TrafficMirrorSourceIds.1');
  return change(model, 'RemoveSourcesFromTrafficMirrorSession', call, (session, _others, dryRun) => {
    for (const sourceId of sourceIds)
      if (!session.sourceIds.includes(sourceId))
        throw invalid('TrafficMirrorSourceIds', `${sourceId} is not a source of ${session.id}`);
    const kept = session.sourceIds.filter((id) => !sourceIds.includes(id));
    // A session mirrors at least one source: removing the last one is refused (delete the session instead).
    if (kept.length === 0) throw invalid('TrafficMirrorSourceIds', 'a session keeps at least one source');
    if (dryRun) return;
    session.sourceIds = kept;
    model.startModifying(session);
  });
}

function remove(model: TrafficMirrorModel, call: RpcCall) {
  return change(model, 'DeleteTrafficMirrorSession', call, (session, _others, dryRun) => {
    if (!dryRun) model.startDeleting(session);
  });
}

export function changeRoutes(
  model: TrafficMirrorModel,
  guarded: (action: (call: RpcCall) => Record<string, unknown>) => RpcAction,
): Record<string, RpcAction> {
  return {
    UpdateTrafficMirrorSessionAttribute: guarded((call) => update(model, call)),
    AddSourcesToTrafficMirrorSession: guarded((call) => addSources(model, call)),
    RemoveSourcesFromTrafficMirrorSession: guarded((call) => removeSources(model, call)),
    DeleteTrafficMirrorSession: guarded((call) => remove(model, call)),
  };
}
