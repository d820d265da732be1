/**
 * The reconcile plan, a pure function of the desired state and the sessions that exist. Each entry is:
 * - `unchanged`: its session is as the entry says;
 * - `update`: its session (the one reconcile created for it, found by its `mirrorflow-origin` tag, an
 *   equivalent one this deployment owns, or one of ours mirroring the same sources to the same target under
 *   another filter) differs, and `changes` bring it back — attributes, target, sources;
 * - `drifted`: an equivalent session that another owner created differs; mirrorflow never changes it;
 * - `create`: nothing mirrors what the entry asks for;
 * - `invalid`: the entry breaks the request contract.
 * An existing session no entry claims is `prune` (reconcile created it for an entry that is gone: deleted
 * when pruning is on; one already Deleting is listed too, to be handed off again), `orphaned` (this deployment's, from a request or untagged: never touched by
 * reconcile) or `foreign` (another owner's: never touched).
 */
import type { TrafficMirrorSession } from '../cloud/vpcClient.js';
import type { DesiredState } from '../contract/desiredState.js';
import type { Problem } from '../contract/problems.js';
import { type MirrorRequest, type SessionChanges, validateMirrorRequest } from '../contract/request.js';
import { ORIGIN_TAG_KEY, OWNERSHIP_TAG_KEY } from '../contract/sessionTags.js';
import { changesTowards } from './provision.js';

export type EntryStatus = 'create' | 'unchanged' | 'update' | 'drifted' | 'invalid';

export interface PlannedEntry {
  name: string;
  status: EntryStatus;
  request: MirrorRequest | null;
  sessionId: string | null;
  /** The listed session that satisfies the entry (what `update` changes from). */
  session: RegionalSession | null;
  /** True when the session that satisfies the entry was not created by this mirrorflow. */
  foreign: boolean;
  /** What `update` sends (and, for `drifted`, what it would take). */
  changes: SessionChanges | null;
  differences: string[];
  problems: Problem[];
}

export interface Plan {
  entries: PlannedEntry[];
  /** Sessions reconcile created for entries no longer desired. */
  prune: RegionalSession[];
  orphaned: string[];
  foreign: string[];
}

/** Sessions are listed per region; the lister stamps each with the region it came from. */
export type RegionalSession = TrafficMirrorSession & { RegionId: string };

/**
 * The origin tag of the session reconcile creates for an entry: `reconcile.<entry>`, and `@<execution>` the
 * flow execution its run hands it to — so a later run can tell whether that hand-off happened
 * (reconcileRecovery.ts). Entry names have no `@`; at most 10 + 64 + 1 + 40 characters, within the 128 a tag
 * value may have.
 */
export const entryOrigin = (name: string, handOff?: string) =>
  handOff ? `reconcile.${name}@${handOff}` : `reconcile.${name}`;
const ENTRY_ORIGIN = /^reconcile\.([^@]+)(?:@(.+))?$/;

const tagOf = (s: TrafficMirrorSession, key: string) => s.Tags.find((t) => t.Key === key)?.Value;
const isOurs = (s: TrafficMirrorSession, owner: string) => tagOf(s, OWNERSHIP_TAG_KEY) === owner;
const sameSet = (a: readonly string[], b: readonly string[]) =>
  new Set(a).size === new Set(b).size && a.every((id) => b.includes(id));

/** Same region, target, filter and sources (as a set): the key two equivalent sessions share. */
const trafficKey = (regionId: string, targetId: string, filterId: string, sources: readonly string[]) =>
  JSON.stringify([regionId, targetId, filterId, [...new Set(sources)].sort()]);

/** Everything that brings `session` to what `request` asks for, or null when it already is. */
export function entryChanges(session: TrafficMirrorSession, request: MirrorRequest): SessionChanges | null {
  const changes: SessionChanges = { ...changesTowards(session, request) };
  if (
    request.TrafficMirrorTargetId !== session.TrafficMirrorTargetId ||
    request.TrafficMirrorTargetType !== session.TrafficMirrorTargetType
  ) {
    changes.TrafficMirrorTargetId = request.TrafficMirrorTargetId;
    changes.TrafficMirrorTargetType = request.TrafficMirrorTargetType;
  }
  if (!sameSet(request.TrafficMirrorSourceIds, session.TrafficMirrorSourceIds))
    changes.TrafficMirrorSourceIds = request.TrafficMirrorSourceIds;
  return Object.keys(changes).length > 0 ? changes : null;
}

function describeChanges(changes: SessionChanges, session: TrafficMirrorSession): string[] {
  const listed: Record<string, unknown> = { ...session };
  return Object.entries(changes).map(
    ([field, want]) => `${field}: wanted ${JSON.stringify(want)}, is ${JSON.stringify(listed[field])}`,
  );
}

/** Live sessions indexed by the entry that created them and by what they mirror, so planning stays linear. */
class SessionIndex {
  private readonly byOrigin = new Map<string, RegionalSession[]>();
  private readonly byTraffic = new Map<string, RegionalSession[]>();
  /** This deployment's sessions by sources and target alone (whatever their filter). */
  private readonly ownBySourcesAndTarget = new Map<string, RegionalSession[]>();
  readonly claimed = new Set<string>();

  constructor(
    readonly live: readonly RegionalSession[],
    owner: string,
  ) {
    for (const s of live) {
      const entry = isOurs(s, owner) ? originEntry(s) : undefined;
      if (entry !== undefined) push(this.byOrigin, JSON.stringify([s.RegionId, entry]), s);
      if (isOurs(s, owner))
        push(
          this.ownBySourcesAndTarget,
          trafficKey(s.RegionId, s.TrafficMirrorTargetId, '', s.TrafficMirrorSourceIds),
          s,
        );
      push(
        this.byTraffic,
        trafficKey(s.RegionId, s.TrafficMirrorTargetId, s.TrafficMirrorFilterId, s.TrafficMirrorSourceIds),
        s,
      );
    }
  }

  /** The session reconcile created for this entry in its region. */
  claimByOrigin(regionId: string, name: string): RegionalSession | undefined {
    return this.claim(this.byOrigin.get(JSON.stringify([regionId, name])));
  }

  claimEquivalent(request: MirrorRequest): RegionalSession | undefined {
    const key = trafficKey(
      request.RegionId,
      request.TrafficMirrorTargetId,
      request.TrafficMirrorFilterId,
      request.TrafficMirrorSourceIds,
    );
    return this.claim(this.byTraffic.get(key));
  }

  /**
   * This deployment's session mirroring the same sources to the same target under another filter: changed in
   * place, as a request's would be (provision.ts) — never pruned under the entry that now wants it.
   */
  claimSameTraffic(request: MirrorRequest): RegionalSession | undefined {
    const key = trafficKey(
      request.RegionId,
      request.TrafficMirrorTargetId,
      '',
      request.TrafficMirrorSourceIds,
    );
    return this.claim(this.ownBySourcesAndTarget.get(key));
  }

  private claim(candidates: RegionalSession[] | undefined): RegionalSession | undefined {
    const found = candidates?.find((s) => !this.claimed.has(s.TrafficMirrorSessionId));
    if (found) this.claimed.add(found.TrafficMirrorSessionId);
    return found;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const entry = (name: string, fields: Partial<PlannedEntry> & Pick<PlannedEntry, 'status'>): PlannedEntry => ({
  name,
  request: null,
  sessionId: null,
  session: null,
  foreign: false,
  changes: null,
  differences: [],
  problems: [],
  ...fields,
});

function planEntry(
  name: string,
  request: MirrorRequest,
  session: RegionalSession | undefined,
  owner: string,
): PlannedEntry {
  if (!session) return entry(name, { status: 'create', request });
  const changes = entryChanges(session, request);
  const foreign = !isOurs(session, owner);
  const base = { request, sessionId: session.TrafficMirrorSessionId, session, foreign };
  if (!changes) return entry(name, { status: 'unchanged', ...base });
  return entry(name, {
    status: foreign ? 'drifted' : 'update',
    ...base,
    changes,
    differences: describeChanges(changes, session),
  });
}

export function planReconcile(
  desired: DesiredState,
  existing: readonly RegionalSession[],
  owner: string,
): Plan {
  const index = new SessionIndex(
    existing.filter((s) => s.TrafficMirrorSessionStatus !== 'Deleting'),
    owner,
  );
  const sorted = [...desired.sessions].sort((a, b) => a.name.localeCompare(b.name));
  const valid = sorted.map((e) => ({ name: e.name, validation: validateMirrorRequest(e.request) }));
  // Each entry's session, claimed in passes so the closest match wins whatever the entries' order: first
  // the one reconcile made for it (origin tag), then an equivalent one, then one of ours mirroring the same
  // sources to the same target under another filter (changed in place, never pruned from under it).
  const claimed = new Map<string, RegionalSession>();
  const claimAll = (claim: (request: MirrorRequest, name: string) => RegionalSession | undefined) => {
    for (const { name, validation } of valid) {
      if (!validation.ok || claimed.has(name)) continue;
      const session = claim(validation.value, name);
      if (session) claimed.set(name, session);
    }
  };
  claimAll((request, name) => index.claimByOrigin(request.RegionId, name));
  claimAll((request) => index.claimEquivalent(request));
  claimAll((request) => index.claimSameTraffic(request));
  const entries = valid.map(({ name, validation }) =>
    validation.ok
      ? planEntry(name, validation.value, claimed.get(name), owner)
      : entry(name, { status: 'invalid', problems: validation.problems }),
  );
  // An entry still named protects its session, unless it now asks for another region (its session there is
  // its own); an invalid entry protects it too: a typo in the document must not delete what it describes.
  const desiredRegion = new Map(
    valid.map(({ name, validation }) => [name, validation.ok ? validation.value.RegionId : null]),
  );
  const gone = (name: string, regionId: string) =>
    !desiredRegion.has(name) || (desiredRegion.get(name) !== null && desiredRegion.get(name) !== regionId);
  const unclaimed = index.live.filter((s) => !index.claimed.has(s.TrafficMirrorSessionId));
  const prune: RegionalSession[] = [];
  const orphaned: string[] = [];
  const foreign: string[] = [];
  for (const s of unclaimed) {
    if (!isOurs(s, owner)) {
      foreign.push(s.TrafficMirrorSessionId);
      continue;
    }
    const entryName = originEntry(s);
    if (entryName !== undefined && gone(entryName, s.RegionId)) prune.push(s);
    else orphaned.push(s.TrafficMirrorSessionId);
  }
  // Already Deleting: pruned by an earlier run, which may have died before its hand-off — listed again, so it
  // is handed off again under the same name (a no-op when that run did hand it off).
  for (const s of existing)
    if (s.TrafficMirrorSessionStatus === 'Deleting' && isOurs(s, owner)) {
      const entryName = originEntry(s);
      if (entryName !== undefined && gone(entryName, s.RegionId)) prune.push(s);
    }
  return { entries, prune, orphaned, foreign };
}

/** The desired-state entry reconcile created a session for (its origin tag), or undefined. */
export function originEntry(session: TrafficMirrorSession): string | undefined {
  return ENTRY_ORIGIN.exec(tagOf(session, ORIGIN_TAG_KEY) ?? '')?.[1];
}

/** The execution the run that created this session handed it to (its origin tag), or undefined. */
export function originHandOff(session: TrafficMirrorSession): string | undefined {
  return ENTRY_ORIGIN.exec(tagOf(session, ORIGIN_TAG_KEY) ?? '')?.[2];
}
