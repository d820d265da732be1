/**
 * The reconcile plan, a pure function of the desired state and the sessions that exist: each entry is
 * `create`, `unchanged` or `drifted` (mirrorflow reports drift; it does not rewrite sessions), or `invalid`;
 * each existing session no entry wants is `notOurs` (never touched) or `orphaned` (ours, no longer desired).
 */

import type { TrafficMirrorSession } from '../cloud/vpcClient.js';
import type { DesiredState } from '../contract/desiredState.js';
import type { Problem } from '../contract/problems.js';
import { type MirrorRequest, OWNERSHIP_TAG_KEY, validateMirrorRequest } from '../contract/request.js';
import { isEquivalentSession } from './provision.js';

export type EntryStatus = 'create' | 'unchanged' | 'drifted' | 'invalid';

export interface PlannedEntry {
  name: string;
  status: EntryStatus;
  request: MirrorRequest | null;
  sessionId: string | null;
  /** True when the session that satisfies the entry was not created by this mirrorflow. */
  foreign: boolean;
  differences: string[];
  problems: Problem[];
}

export interface Plan {
  entries: PlannedEntry[];
  notOurs: string[];
  orphaned: string[];
}

/** Sessions are listed per region; the lister stamps each with the region it came from. */
export type RegionalSession = TrafficMirrorSession & { RegionId: string };

const isOurs = (s: TrafficMirrorSession, owner: string) =>
  s.Tags.some((t) => t.Key === OWNERSHIP_TAG_KEY && t.Value === owner);

function differences(request: MirrorRequest, s: TrafficMirrorSession): string[] {
  const out: string[] = [];
  const check = (field: string, want: unknown, have: unknown) => {
    if (want !== undefined && want !== have)
      out.push(`${field}: wanted ${JSON.stringify(want)}, is ${JSON.stringify(have)}`);
  };
  check('Enabled', request.Enabled, s.Enabled);
  check('Priority', request.Priority, s.Priority);
  check('VirtualNetworkId', request.VirtualNetworkId, s.VirtualNetworkId);
  check('PacketLength', request.PacketLength, s.PacketLength);
  check('TrafficMirrorSessionName', request.TrafficMirrorSessionName, s.TrafficMirrorSessionName);
  check(
    'TrafficMirrorSessionDescription',
    request.TrafficMirrorSessionDescription,
    s.TrafficMirrorSessionDescription,
  );
  return out;
}

export function planReconcile(
  desired: DesiredState,
  existing: readonly RegionalSession[],
  owner: string,
): Plan {
  const claimed = new Set<string>();
  const entries: PlannedEntry[] = [...desired.sessions]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry) => {
      const validation = validateMirrorRequest(entry.request);
      if (!validation.ok) {
        return {
          name: entry.name,
          status: 'invalid',
          request: null,
          sessionId: null,
          foreign: false,
          differences: [],
          problems: validation.problems,
        };
      }
      const request = validation.value;
      const match = existing.find(
        (s) =>
          !claimed.has(s.TrafficMirrorSessionId) &&
          s.RegionId === request.RegionId &&
          isEquivalentSession(s, request),
      );
      if (!match)
        return {
          name: entry.name,
          status: 'create',
          request,
          sessionId: null,
          foreign: false,
          differences: [],
          problems: [],
        };
      claimed.add(match.TrafficMirrorSessionId);
      const diff = differences(request, match);
      return {
        name: entry.name,
        status: diff.length ? 'drifted' : 'unchanged',
        request,
        sessionId: match.TrafficMirrorSessionId,
        foreign: !isOurs(match, owner),
        differences: diff,
        problems: [],
      };
    });
  const unclaimed = existing.filter(
    (s) => !claimed.has(s.TrafficMirrorSessionId) && s.TrafficMirrorSessionStatus !== 'Deleting',
  );
  return {
    entries,
    notOurs: unclaimed.filter((s) => !isOurs(s, owner)).map((s) => s.TrafficMirrorSessionId),
    orphaned: unclaimed.filter((s) => isOurs(s, owner)).map((s) => s.TrafficMirrorSessionId),
  };
}
