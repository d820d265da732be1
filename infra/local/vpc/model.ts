/**
 * The traffic-mirror model of the VPC emulator: sessions, ClientTokens and the rules that raise every error
 * code of the CreateTrafficMirrorSession page from the state that causes it. It knows nothing of HTTP; the
 * routes parse the wire and call it. Time is the virtual clock's; status is computed from it, so a session
 * is `Creating` until its `readyAt`, `Deleting` until its `goneAt`, and then absent.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { VpcErrorCode } from './errors.js';
import type { Inventory } from './inventory.js';
import { RegionUse } from './regionUse.js';
import {
  checkFilter,
  checkFilterQuota,
  checkPriority,
  checkSource,
  checkTarget,
  fail,
  ModelError,
} from './sessionRules.js';

export { ModelError } from './sessionRules.js';

export type SessionStatus = 'Creating' | 'Created' | 'Modifying' | 'Deleting';

export interface Tag {
  Key: string;
  Value: string;
}

export interface StoredSession {
  id: string;
  /** Creation order; List pages and NextTokens follow it. */
  seq: number;
  regionId: string;
  name?: string;
  description?: string;
  sourceIds: string[];
  targetId: string;
  targetType: 'NetworkInterface' | 'SLB';
  filterId: string;
  priority: number;
  virtualNetworkId: number;
  packetLength: number;
  enabled: boolean;
  resourceGroupId: string;
  tags: Tag[];
  createdAt: number;
  /** Virtual time it becomes Created; null: stuck in Creating (a fault). */
  readyAt: number | null;
  /** Virtual time a change (Update, Add/Remove sources) has settled; until then the session is Modifying. */
  modifyingUntil?: number;
  deletingAt?: number;
  goneAt?: number;
  /** Virtual time it disappears without a delete (a fault). */
  vanishAt?: number;
  clientToken?: string;
}

export interface CreateSessionInput {
  regionId: string;
  sourceIds: string[];
  targetId: string;
  targetType: 'NetworkInterface' | 'SLB';
  filterId: string;
  priority: number;
  virtualNetworkId?: number;
  packetLength?: number;
  enabled?: boolean;
  name?: string;
  description?: string;
  resourceGroupId?: string;
  tags: Tag[];
  dryRun: boolean;
  clientToken?: string;
  /** Identity of the request's parameters, for the ClientToken check (everything but token and DryRun). */
  fingerprint: string;
}

/** Per-creation faults decided by the fault injector. */
export interface LifecycleFaults {
  stuckInCreating: boolean;
  /** Virtual seconds after creation at which the session vanishes; undefined: it stays. */
  vanishAfterSeconds?: number;
}

export interface ListQuery {
  regionId: string;
  sessionIds?: string[];
  name?: string;
  sourceId?: string;
  targetId?: string;
  filterId?: string;
  virtualNetworkId?: number;
  priority?: number;
  enabled?: boolean;
  resourceGroupId?: string;
  tags?: { Key: string; Value?: string }[];
  /** Only sessions after this creation sequence number (the decoded NextToken). */
  afterSeq?: number;
  maxResults: number;
}

/** What a ClientToken's first request was answered: a session id or an error (snapshots may hold either). */
interface TokenRecord {
  fingerprint: string;
  at: number;
  sessionId?: string;
  error?: { code: VpcErrorCode; message: string };
  /** True while the first request is being processed; never true in a restored snapshot. */
  inFlight?: boolean;
}

/** A change to an existing session, as the routes hand it over. */
export interface SessionChange {
  action:
    | 'UpdateTrafficMirrorSessionAttribute'
    | 'AddSourcesToTrafficMirrorSession'
    | 'RemoveSourcesFromTrafficMirrorSession'
    | 'DeleteTrafficMirrorSession';
  regionId: string;
  sessionId: string;
  dryRun: boolean;
  clientToken?: string;
  /** Identity of the request's parameters, for the ClientToken check. */
  fingerprint: string;
  /**
   * The operation's own rules and effect on the session. `others()`: what the region's other live sessions use,
   * built when asked (a delete never asks: at 20,000 sessions a prune would build it for nothing).
   */
  apply(session: StoredSession, others: () => RegionUse, dryRun: boolean): void;
}

export interface ModelSnapshot {
  inventory: Inventory;
  sessions: StoredSession[];
  tokens: [string, TokenRecord][];
  seq: number;
  virtualNow: number;
}

/** When a session stops counting: gone after a delete, or vanished (a fault); Infinity while neither is set. */
const endOf = (s: StoredSession) => Math.min(s.goneAt ?? Infinity, s.vanishAt ?? Infinity);

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (prefix: string) =>
  `${prefix}-${Array.from({ length: 20 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;

export class TrafficMirrorModel {
  private sessions = new Map<string, StoredSession>();
  private tokens = new Map<string, TokenRecord>();
  private seq = 0;
  /**
   * What each region's live sessions use, kept up to date by creates; dropped by anything else that changes a
   * session, and good only until the first of its sessions is gone (statuses follow the clock, not events).
   */
  private uses = new Map<string, { use: RegionUse; until: number }>();

  constructor(
    private inventory: Inventory,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  getInventory(): Inventory {
    return this.inventory;
  }

  setInventory(inventory: Inventory): void {
    this.inventory = inventory;
  }

  // ---- lifecycle ---------------------------------------------------------------------------------------

  /** The model's clock reading: one answer is given at one instant. */
  now(): number {
    return this.clock.now();
  }

  statusOf(session: StoredSession, now = this.clock.now()): SessionStatus | 'Gone' {
    if (session.goneAt !== undefined && session.goneAt <= now) return 'Gone';
    if (session.vanishAt !== undefined && session.vanishAt <= now) return 'Gone';
    if (session.deletingAt !== undefined) return 'Deleting';
    if (session.readyAt === null || session.readyAt > now) return 'Creating';
    if (session.modifyingUntil !== undefined && session.modifyingUntil > now) return 'Modifying';
    return 'Created';
  }

  businessStatus(): 'Normal' | 'FinancialLocked' {
    return this.inventory.businessStatus;
  }

  /** What the region's live sessions use (see `uses`). */
  private regionUse(regionId: string, now: number): RegionUse {
    const known = this.uses.get(regionId);
    if (known && now < known.until) return known.use;
    const live = this.liveSessions(now).filter((s) => s.regionId === regionId);
    const entry = { use: RegionUse.of(live), until: Infinity };
    for (const session of live) entry.until = Math.min(entry.until, endOf(session));
    this.uses.set(regionId, entry);
    return entry.use;
  }

  /** Sessions that still exist, in creation order; gone ones are forgotten. */
  liveSessions(now = this.clock.now()): StoredSession[] {
    const live: StoredSession[] = [];
    for (const session of this.sessions.values()) {
      if (this.statusOf(session, now) === 'Gone') this.sessions.delete(session.id);
      else live.push(session);
    }
    return live;
  }

  // ---- service opt-in ----------------------------------------------------------------------------------

  private region(regionId: string) {
    return this.inventory.regions[regionId];
  }

  serviceEnabled(regionId: string): boolean {
    const region = this.region(regionId);
    if (!region?.trafficMirrorSupported) fail('UnsupportedRegion');
    return Boolean(region!.serviceOpened);
  }

  openService(regionId: string): void {
    const region = this.region(regionId);
    if (!region?.trafficMirrorSupported) fail('UnsupportedRegion');
    if (region!.serviceOpened) fail('ORDER.OPEND');
    region!.serviceOpened = true;
  }

  // ---- CreateTrafficMirrorSession ----------------------------------------------------------------------

  /**
   * Creates a session, or answers as the cloud would. The ClientToken check comes first: an identical
   * repeat gets the first request's answer again — its session, even though by then that very session holds
   * the priority and the quotas, or its failure, even if the cause has gone since (the conservative reading
   * of the idempotence rules: a token is used up by a failed request too). A repeat while the first request
   * is still being processed gets LastTokenProcessing; processing takes `lifecycle.tokenProcessingMs` of
   * virtual time, and only then does the first request get its answer.
   *
   * Remembered: every answer this model decides. Not remembered: dry runs, and what is refused before the
   * model runs (a malformed request, an injected throttling or server error), as the cloud cannot have
   * processed those.
   */
  async createSession(
    input: CreateSessionInput,
    faults: LifecycleFaults = { stuckInCreating: false },
  ): Promise<StoredSession> {
    const now = this.clock.now();
    const token = input.clientToken;
    if (token) {
      const record = this.retainedToken(token, now);
      if (record) {
        if (record.fingerprint !== input.fingerprint) fail('IdempotentParameterMismatch');
        if (record.inFlight) fail('LastTokenProcessing');
        if (!input.dryRun) return this.replay(record, input, now);
      }
    }
    if (input.dryRun) {
      this.checkCreate(input, now);
      return fail('DryRunOperation');
    }

    let outcome: { session: StoredSession } | { error: ModelError };
    try {
      outcome = { session: this.create(input, faults, now) };
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      outcome = { error };
    }
    const record: TokenRecord | undefined = token
      ? {
          fingerprint: input.fingerprint,
          at: now,
          inFlight: true,
          ...('session' in outcome
            ? { sessionId: outcome.session.id }
            : { error: { code: outcome.error.code, message: outcome.error.message } }),
        }
      : undefined;
    const remembered = 'session' in outcome || this.inventory.lifecycle.rememberFailedTokens;
    if (token && record && remembered) this.tokens.set(token, record);
    const processingMs = this.inventory.lifecycle.tokenProcessingMs;
    try {
      if (processingMs > 0) await this.clock.sleep(processingMs);
    } finally {
      if (record) record.inFlight = false;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.session;
  }

  private retainedToken(token: string, now: number): TokenRecord | undefined {
    const record = this.tokens.get(token);
    const retention = this.inventory.lifecycle.tokenRetentionSeconds;
    if (!record || (retention !== null && now - record.at > retention * 1000)) return undefined;
    return record;
  }

  /** The first answer again: its failure, its session, or — deleted since — the id it handed out. */
  private replay(record: TokenRecord, input: CreateSessionInput, now: number): StoredSession {
    if (record.error) throw new ModelError(record.error.code, record.error.message);
    const original = this.sessions.get(record.sessionId!);
    return original ?? this.ghost(record.sessionId!, input, now);
  }

  private create(input: CreateSessionInput, faults: LifecycleFaults, now: number): StoredSession {
    this.checkCreate(input, now);
    const { lifecycle } = this.inventory;
    const delay = this.between(lifecycle.createSeconds.min, lifecycle.createSeconds.max);
    const session: StoredSession = {
      id: randomId('tms'),
      seq: ++this.seq,
      regionId: input.regionId,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      sourceIds: [...input.sourceIds],
      targetId: input.targetId,
      targetType: input.targetType,
      filterId: input.filterId,
      priority: input.priority,
      virtualNetworkId: input.virtualNetworkId ?? this.freeVni(input.regionId, now),
      packetLength: input.packetLength ?? 1500,
      enabled: input.enabled ?? false,
      resourceGroupId: input.resourceGroupId ?? this.inventory.defaultResourceGroupId,
      tags: input.tags.map((t) => ({ ...t })),
      createdAt: now,
      readyAt: faults.stuckInCreating ? null : now + Math.round(delay * 1000),
      ...(faults.vanishAfterSeconds !== undefined
        ? { vanishAt: now + Math.round(faults.vanishAfterSeconds * 1000) }
        : {}),
      ...(input.clientToken ? { clientToken: input.clientToken } : {}),
    };
    this.sessions.set(session.id, session);
    const known = this.uses.get(session.regionId);
    if (known) {
      known.use.add(session);
      known.until = Math.min(known.until, endOf(session));
    }
    return session;
  }

  /** The rules, in the order the cloud would plausibly check them: region, account, request, resources, quotas. */
  private checkCreate(input: CreateSessionInput, now: number): void {
    this.checkRegion(input.regionId);
    if (new Set(input.sourceIds).size !== input.sourceIds.length) fail('DuplicatedParam.SourceInstanceIds');
    const { quotas } = this.inventory;
    if (input.sourceIds.length > quotas.sourcesPerSession) fail('QuotaExceeded.SourceNumPerSession');
    if (input.priority < 1 || input.priority > 32766) fail('IllegalParam.Priority');
    checkFilter(this.inventory, input.regionId, input.filterId);
    const used = this.regionUse(input.regionId, now);
    const target = { id: input.targetId, type: input.targetType };
    for (const sourceId of input.sourceIds)
      checkSource(this.inventory, input.regionId, sourceId, target, used);
    checkTarget(this.inventory, input.regionId, target, input.sourceIds, used);
    checkPriority(input.priority, used);
    if (used.count >= quotas.sessionsPerRegion) fail('QuotaExceeded.SessionNum');
    checkFilterQuota(this.inventory, input.filterId, used);
  }

  private checkRegion(regionId: string): void {
    const region = this.region(regionId);
    if (!region?.trafficMirrorSupported) fail('UnsupportedRegion');
    if (!region!.serviceOpened) fail('OptInRequired.TrafficMirror');
    if (this.inventory.businessStatus !== 'Normal') fail('IncorrectBusinessStatus.TrafficMirror');
  }

  /** What a token replay returns after its session was deleted: the same id, already gone. */
  private ghost(id: string, input: CreateSessionInput, now: number): StoredSession {
    return {
      id,
      seq: 0,
      regionId: input.regionId,
      sourceIds: input.sourceIds,
      targetId: input.targetId,
      targetType: input.targetType,
      filterId: input.filterId,
      priority: input.priority,
      virtualNetworkId: input.virtualNetworkId ?? 0,
      packetLength: input.packetLength ?? 1500,
      enabled: input.enabled ?? false,
      resourceGroupId: input.resourceGroupId ?? this.inventory.defaultResourceGroupId,
      tags: input.tags,
      createdAt: now,
      readyAt: now,
      goneAt: now,
    };
  }

  private between(min: number, max: number): number {
    return min + (max - min) * this.random();
  }

  private freeVni(regionId: string, now: number): number {
    const used = this.regionUse(regionId, now);
    for (;;) {
      const vni = randomInt(0, 16_777_216);
      if (!used.vniTaken(vni)) return vni;
    }
  }

  // ---- ListTrafficMirrorSessions -----------------------------------------------------------------------

  /** One page of matching sessions in creation order, and whether more follow. */
  listSessions(
    query: ListQuery,
    now = this.clock.now(),
  ): {
    page: StoredSession[];
    total: number;
    lastSeq: number | undefined;
    more: boolean;
  } {
    // By ids (how the flow polls): only those sessions, not a scan of the region's — at fleet scale the
    // emulator must not cost the machine what the cloud does not.
    const candidates = query.sessionIds
      ? [...new Set(query.sessionIds)]
          .map((id) => this.sessions.get(id))
          .filter((s): s is StoredSession => s !== undefined && this.statusOf(s, now) !== 'Gone')
          .sort((a, b) => a.seq - b.seq)
      : this.liveSessions(now);
    const matching = candidates.filter((s) => this.matches(s, query));
    const after = matching.filter((s) => query.afterSeq === undefined || s.seq > query.afterSeq);
    const page = after.slice(0, query.maxResults);
    return { page, total: matching.length, lastSeq: page.at(-1)?.seq, more: after.length > page.length };
  }

  private matches(s: StoredSession, q: ListQuery): boolean {
    if (s.regionId !== q.regionId) return false;
    if (q.sessionIds && !q.sessionIds.includes(s.id)) return false;
    if (q.name !== undefined && s.name !== q.name) return false;
    if (q.sourceId !== undefined && !s.sourceIds.includes(q.sourceId)) return false;
    if (q.targetId !== undefined && s.targetId !== q.targetId) return false;
    if (q.filterId !== undefined && s.filterId !== q.filterId) return false;
    if (q.virtualNetworkId !== undefined && s.virtualNetworkId !== q.virtualNetworkId) return false;
    if (q.priority !== undefined && s.priority !== q.priority) return false;
    if (q.enabled !== undefined && s.enabled !== q.enabled) return false;
    if (q.resourceGroupId !== undefined && s.resourceGroupId !== q.resourceGroupId) return false;
    for (const tag of q.tags ?? []) {
      const has = s.tags.find((t) => t.Key === tag.Key);
      if (!has || (tag.Value !== undefined && has.Value !== tag.Value)) return false;
    }
    return true;
  }

  // ---- changes: Update, Add/Remove sources, Delete ------------------------------------------------------

  /**
   * Runs a change to a session, as the change operations' pages describe: the ClientToken first (the same
   * token and parameters get the first answer again, a failure included; other parameters
   * IdempotentParameterMismatch), then the region and the session (it must exist and be `Created`: no
   * change while it is Creating, Modifying or Deleting), then the operation's own rules. DryRun checks
   * everything and changes nothing.
   */
  changeSession(change: SessionChange): void {
    const now = this.clock.now();
    const key = change.clientToken ? `${change.action}\u0000${change.clientToken}` : undefined;
    const record = key ? this.retainedToken(key, now) : undefined;
    if (record) {
      if (record.fingerprint !== change.fingerprint) fail('IdempotentParameterMismatch');
      if (!change.dryRun) {
        if (record.error) throw new ModelError(record.error.code, record.error.message);
        return;
      }
    }
    try {
      this.checkRegion(change.regionId);
      const live = this.liveSessions(now).filter((s) => s.regionId === change.regionId);
      const session = live.find((s) => s.id === change.sessionId);
      if (!session) throw fail('ResourceNotFound.TrafficMirrorSession');
      if (this.statusOf(session, now) !== 'Created') fail('IncorrectStatus.TrafficMirrorSession');
      try {
        let others: RegionUse | undefined;
        const othersUse = () => (others ??= RegionUse.of(live.filter((s) => s !== session)));
        change.apply(session, othersUse, change.dryRun);
      } finally {
        this.uses.delete(change.regionId);
      }
      if (change.dryRun) fail('DryRunOperation');
    } catch (error) {
      const remember = error instanceof ModelError && error.code !== 'DryRunOperation' && !change.dryRun;
      if (key && remember && this.inventory.lifecycle.rememberFailedTokens)
        this.tokens.set(key, {
          fingerprint: change.fingerprint,
          at: now,
          error: { code: (error as ModelError).code, message: (error as ModelError).message },
        });
      throw error;
    }
    if (key) this.tokens.set(key, { fingerprint: change.fingerprint, at: now });
  }

  /**
   * A change made outside the API — by hand in the console, by another tool — as tests stage drift. Stored
   * sessions must change only through the model (here or the operations), or `uses` would go stale.
   */
  changeByHand(sessionId: string, edit: (session: StoredSession) => void): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    edit(session);
    this.uses.delete(session.regionId);
  }

  /** A change has been accepted: the session is Modifying for a while (lifecycle.modifySeconds). */
  startModifying(session: StoredSession): void {
    const { modifySeconds } = this.inventory.lifecycle;
    session.modifyingUntil =
      this.clock.now() + Math.round(this.between(modifySeconds.min, modifySeconds.max) * 1000);
  }

  /** A delete has been accepted: Deleting, then gone (lifecycle.deleteSeconds). */
  startDeleting(session: StoredSession): void {
    const now = this.clock.now();
    const { deleteSeconds } = this.inventory.lifecycle;
    session.deletingAt = now;
    session.goneAt = now + Math.round(this.between(deleteSeconds.min, deleteSeconds.max) * 1000);
    this.uses.delete(session.regionId);
  }

  // ---- admin -------------------------------------------------------------------------------------------

  snapshot(): ModelSnapshot {
    return {
      inventory: this.inventory,
      sessions: [...this.sessions.values()],
      tokens: [...this.tokens.entries()],
      seq: this.seq,
      virtualNow: this.clock.now(),
    };
  }

  /** Restores a snapshot, shifting its virtual times so that pending transitions keep their remaining time. */
  restore(snapshot: ModelSnapshot): void {
    const shift = this.clock.now() - snapshot.virtualNow;
    const moved = (t: number | undefined) => (t === undefined ? undefined : t + shift);
    this.inventory = snapshot.inventory;
    this.seq = snapshot.seq;
    this.sessions = new Map(
      snapshot.sessions.map((s) => {
        const copy: StoredSession = {
          ...s,
          createdAt: s.createdAt + shift,
          readyAt: s.readyAt === null ? null : s.readyAt + shift,
        };
        for (const key of ['deletingAt', 'goneAt', 'vanishAt', 'modifyingUntil'] as const) {
          const value = moved(s[key]);
          if (value !== undefined) copy[key] = value;
        }
        return [s.id, copy];
      }),
    );
    this.uses.clear();
    // A request in flight when the state was saved never got its answer out; its outcome stands.
    this.tokens = new Map(snapshot.tokens.map(([k, v]) => [k, { ...v, at: v.at + shift, inFlight: false }]));
  }

  reset(inventory: Inventory): void {
    this.inventory = inventory;
    this.sessions.clear();
    this.uses.clear();
    this.tokens.clear();
    this.seq = 0;
  }
}
