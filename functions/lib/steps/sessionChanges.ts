/**
 * What a modify's changes ask of a session, as calls: the Update parameters (modify.ts makes the call,
 * sessionPhase.ts checks a session against them) and the sources to add and remove (modify.ts). Apart from
 * modify.ts, so check-status does not build the request schemas when it loads.
 */
import type { TrafficMirrorSession } from '../cloud/vpcClient.js';
import type { SessionChanges } from '../contract/request.js';

/** The attribute changes as UpdateTrafficMirrorSessionAttribute parameters (sources go through Add/Remove). */
export function updateParams(changes: SessionChanges): Record<string, string | number | boolean> {
  const { TrafficMirrorSourceIds: _sources, ...attributes } = changes;
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number | boolean
  >;
}

/** What to add and remove so the sources become those asked for (none when the changes leave them alone). */
export function sourceChanges(
  session: TrafficMirrorSession,
  changes: SessionChanges,
): { add: string[]; remove: string[] } {
  if (!changes.TrafficMirrorSourceIds) return { add: [], remove: [] };
  const want = new Set(changes.TrafficMirrorSourceIds);
  const have = new Set(session.TrafficMirrorSourceIds);
  return {
    add: [...want].filter((id) => !have.has(id)),
    remove: [...have].filter((id) => !want.has(id)),
  };
}
