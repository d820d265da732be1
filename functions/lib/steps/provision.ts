/**
 * provision(): one mirror request up to its session — validate → ClientToken → look up an equivalent
 * session → allocate a priority when none was given → create, with retries that send identical parameters.
 * The hand-off to the workflow is the caller's next step; everything it needs is in the result.
 *
 * Tokens. The request's ClientToken (derived from the trigger, or the caller's) names the request: it is the
 * result's `clientToken`, the `mirrorflow-token` tag on the session (how the look-up tells our own earlier
 * create from anyone else's) and the flow's execution name. The cloud remembers a ClientToken with the first
 * answer it gave — a failure included — so a token is sent with one set of parameters only:
 * - an explicit Priority is sent with the request's own token;
 * - an allocated priority walks candidates, and candidate i is sent with candidateToken(token, i), a pure
 *   function of both (see priority.ts).
 *
 * - a Create the cloud refused because something was busy or changing state (isStateRefusal) is retried
 *   with refusalToken(sent token, n), since the refused token can only get its refusal back. When the state
 *   outlasts the retry budget the request is answered Rejected (resend it), not left to redeliveries that
 *   would replay the same refusals.
 *
 * Safe to run twice: the look-up catches a session that already exists, and a priority found taken is checked
 * for this request's own session (its token tag) before anything else is tried. When it misses (read-after-create
 * lag), a redelivery walks the same (priority, token) pairs: a candidate that failed before gets its failure
 * again and the walk moves on, and the candidate that created the session gets that session back. A
 * mismatch on any candidate means the request's key was used before with other parameters: the walk stops
 * there (walking on could create a second session for one key).
 */

import { CloudApiError, type ErrorSummary, summarise } from '../cloud/cloudError.js';
import {
  isStateRefusal,
  type RetryHooks,
  type Retrying,
  retryingFor,
  retryingWithRefusalTokens,
} from '../cloud/retry.js';
import {
  type CreateSessionParams,
  type ListFilters,
  listAllSessions,
  type TrafficMirrorSession,
  type VpcApi,
} from '../cloud/vpcClient.js';
import { clientToken as deriveClientToken, type TriggerKind } from '../contract/clientToken.js';
import type { Problem } from '../contract/problems.js';
import { type MirrorRequest, type SessionChanges, validateMirrorRequest } from '../contract/request.js';
import {
  EXPIRY_TAG_KEY,
  LIST_TAG_VALUE,
  ORIGIN_TAG_KEY,
  OWNERSHIP_TAG_KEY,
  TICKET_TAG_KEY,
  TOKEN_TAG_KEY,
} from '../contract/sessionTags.js';
import type { MirrorflowConfig } from '../runtime/config.js';
import { applySessionChanges } from './modify.js';
import { type PriorityCandidate, priorityKey, priorityWalk } from './priority.js';

export interface ProvisionInput {
  /** The request as the trigger carried it, not yet validated. */
  request: unknown;
  kind: TriggerKind;
  /** The origin tag's value: the trigger kind unless given (reconcile gives `reconcile.<entry>`). */
  origin?: string;
  /** Priorities to try before the request's own walk (reconcile's: free in its listing of the region). */
  priorities?: PriorityCandidate[];
  /**
   * The caller has just listed the region and found nothing that mirrors this (reconcile's plan): the two
   * look-ups by source are skipped. A priority found taken is still checked for an equivalent holder.
   */
  lookedUp?: boolean;
  /** The trigger's idempotency key (see functions/lib/contract/clientToken.ts for how each trigger builds it). */
  key: string;
}

export interface ProvisionDeps {
  /** The VPC API for a region (the endpoint depends on the request's RegionId). */
  vpcFor: (regionId: string) => VpcApi;
  config: Pick<
    MirrorflowConfig,
    'priorityRange' | 'priorityAttempts' | 'owner' | 'retryMaxAttempts' | 'retryMaxElapsedMs'
  >;
  retryHooks?: RetryHooks;
  log?: (message: string, details: Record<string, unknown>) => void;
  /** The time now (epoch ms), to refuse an ExpiresAt already past; default Date.now. */
  now?: () => number;
}

interface Accepted {
  clientToken: string;
  request: MirrorRequest;
}

export type ProvisionResult =
  | (Accepted & {
      outcome: 'Created' | 'AlreadyExists';
      sessionId: string;
      priority: number;
      /**
       * Created by an earlier delivery of this request (found by its token tag, not made now): older than
       * this delivery's hand-off, so its flow looks at it from the start (flowJob.ts createdJustBefore).
       */
      createdEarlier?: true;
    })
  | (Accepted & { outcome: 'DryRunPassed'; priority: number })
  /** This deployment's session already mirrors these sources to this target: it was changed in place. */
  | (Accepted & { outcome: 'Updated'; sessionId: string; priority: number; changes: SessionChanges })
  /** The cloud refused the request for good (a terminal code): the caller reports it, never retries it. */
  | (Accepted & { outcome: 'Rejected'; error: ErrorSummary })
  /** The request broke the contract; nothing was sent to the cloud. */
  | { outcome: 'Invalid'; clientToken: string; problems: Problem[]; raw: unknown };

/** Same sources (as a set), same target, same filter: the session already does what was asked. */
export function isEquivalentSession(session: TrafficMirrorSession, request: MirrorRequest): boolean {
  if (session.TrafficMirrorSessionStatus === 'Deleting') return false;
  if (session.TrafficMirrorTargetId !== request.TrafficMirrorTargetId) return false;
  if (session.TrafficMirrorFilterId !== request.TrafficMirrorFilterId) return false;
  const want = new Set(request.TrafficMirrorSourceIds);
  const have = new Set(session.TrafficMirrorSourceIds);
  return want.size === have.size && [...want].every((id) => have.has(id));
}

/**
 * The Create parameters for a request; identical on every attempt but for the priority candidate and its
 * ClientToken. The tag always carries the request's token; `sendToken` is the one on the wire.
 */
export function createParams(
  request: MirrorRequest,
  token: string,
  priority: number,
  identity: { owner: string; origin: string },
  sendToken: string = token,
): CreateSessionParams {
  const ticket = request.Correlation?.ticket;
  return {
    RegionId: request.RegionId,
    TrafficMirrorSourceIds: request.TrafficMirrorSourceIds,
    TrafficMirrorTargetId: request.TrafficMirrorTargetId,
    TrafficMirrorTargetType: request.TrafficMirrorTargetType,
    TrafficMirrorFilterId: request.TrafficMirrorFilterId,
    Priority: priority,
    VirtualNetworkId: request.VirtualNetworkId,
    PacketLength: request.PacketLength,
    Enabled: request.Enabled,
    TrafficMirrorSessionName: request.TrafficMirrorSessionName,
    TrafficMirrorSessionDescription: request.TrafficMirrorSessionDescription,
    ResourceGroupId: request.ResourceGroupId,
    Tag: [
      ...(request.Tag ?? []),
      { Key: OWNERSHIP_TAG_KEY, Value: identity.owner },
      { Key: TOKEN_TAG_KEY, Value: token },
      { Key: ORIGIN_TAG_KEY, Value: identity.origin },
      ...(ticket !== undefined && LIST_TAG_VALUE.test(ticket)
        ? [{ Key: TICKET_TAG_KEY, Value: ticket }]
        : []),
      // Part of the request, never of the time it arrives, so every delivery sends the same parameters.
      ...(request.ExpiresAt !== undefined
        ? [{ Key: EXPIRY_TAG_KEY, Value: `at:${new Date(request.ExpiresAt).toISOString()}` }]
        : request.DurationSeconds !== undefined
          ? [{ Key: EXPIRY_TAG_KEY, Value: `after:${request.DurationSeconds}` }]
          : []),
    ],
    DryRun: request.DryRun,
    ClientToken: sendToken,
  };
}

export async function provision(input: ProvisionInput, deps: ProvisionDeps): Promise<ProvisionResult> {
  const derivedToken = deriveClientToken(input.kind, input.key);
  const validation = validateMirrorRequest(input.request);
  if (!validation.ok)
    return {
      outcome: 'Invalid',
      clientToken: derivedToken,
      problems: validation.problems,
      raw: input.request,
    };
  const request = validation.value;
  const token = request.ClientToken ?? derivedToken;
  const log = deps.log ?? (() => {});
  const origin = input.origin ?? input.kind;
  if (request.ExpiresAt !== undefined && Date.parse(request.ExpiresAt) <= (deps.now ?? Date.now)()) {
    return {
      outcome: 'Rejected',
      clientToken: token,
      request,
      error: {
        code: 'Mirror.ExpiryPassed',
        message: `ExpiresAt ${request.ExpiresAt} has already passed: the session would be withdrawn at once`,
        hint: 'Give a time in the future, or DurationSeconds.',
        retryable: false,
      },
    };
  }
  const retrying = retryingFor(deps);
  const vpc = deps.vpcFor(request.RegionId);

  try {
    // A dry run asks whether this create would pass: it is answered as a dry run, whatever already exists.
    // One look-up answers both questions below: an ENI is in at most 3 sessions, so listing by the first
    // source is one small page.
    const bySource =
      request.DryRun || input.lookedUp ? [] : await retrying(() => sessionsOfFirstSource(vpc, request));
    const sameTraffic = bySource.find((s) => isSameTraffic(s, request, deps.config.owner));
    if (sameTraffic) {
      // Never a second session mirroring the same traffic to the same target: change this one in place —
      // unless it is this very request's (the same key with other parameters: the cloud refuses that as
      // IdempotentParameterMismatch, a clear answer, rather than the request silently rewriting itself).
      const ownKey = sameTraffic.Tags.some((t) => t.Key === TOKEN_TAG_KEY && t.Value === token);
      const changes = ownKey ? undefined : changesTowards(sameTraffic, request);
      if (changes) {
        await applySessionChanges(vpc, retrying, request.RegionId, sameTraffic, changes, token);
        log('updated the session that already mirrors this traffic', {
          sessionId: sameTraffic.TrafficMirrorSessionId,
          changes,
        });
        return {
          outcome: 'Updated',
          sessionId: sameTraffic.TrafficMirrorSessionId,
          priority: changes.Priority ?? sameTraffic.Priority,
          clientToken: token,
          request,
          changes,
        };
      }
    }
    const existing = bySource.find((s) => isEquivalentSession(s, request));
    if (existing) {
      // Our own earlier create (a redelivery) answers as it did the first time; anyone else's is AlreadyExists.
      const ownCreate = existing.Tags.some((t) => t.Key === TOKEN_TAG_KEY && t.Value === token);
      log('equivalent session exists', { sessionId: existing.TrafficMirrorSessionId, ownCreate });
      return existingResult(existing, ownCreate ? 'Created' : 'AlreadyExists', token, request);
    }
    const create: CreateContext = { vpc, deps, request, token, retrying, origin, log };
    if (request.Priority !== undefined) {
      try {
        return await createOnce(create, { priority: request.Priority, clientToken: token });
      } catch (error) {
        // An earlier delivery of this request, or the same request through another trigger, may hold it.
        const holder = await equivalentHolder(create, error, request.Priority);
        if (!holder) throw error;
        return holder;
      }
    }
    return await createWithAllocatedPriority(create, input.priorities ?? []);
  } catch (error) {
    if (error instanceof CloudApiError && (error.retryClass === 'terminal' || isStateRefusal(error))) {
      return { outcome: 'Rejected', clientToken: token, request, error: summarise(error) };
    }
    // Retryable errors that outlived their budget propagate: the trigger redelivers (same token, same result).
    throw error;
  }
}

/** The live sessions that mirror the request's first source ENI (all pages). */
async function sessionsOfFirstSource(vpc: VpcApi, request: MirrorRequest): Promise<TrafficMirrorSession[]> {
  const sessions: TrafficMirrorSession[] = [];
  for await (const session of listAllSessions(vpc, {
    RegionId: request.RegionId,
    TrafficMirrorSourceId: request.TrafficMirrorSourceIds[0],
  }))
    sessions.push(session);
  return sessions;
}

/** This deployment's live session with the same sources (as a set) and target, whatever its attributes. */
function isSameTraffic(session: TrafficMirrorSession, request: MirrorRequest, owner: string): boolean {
  const ours = session.Tags.some((t) => t.Key === OWNERSHIP_TAG_KEY && t.Value === owner);
  const want = new Set(request.TrafficMirrorSourceIds);
  const sameSources =
    want.size === session.TrafficMirrorSourceIds.length &&
    session.TrafficMirrorSourceIds.every((id) => want.has(id));
  return (
    ours &&
    sameSources &&
    session.TrafficMirrorTargetId === request.TrafficMirrorTargetId &&
    session.TrafficMirrorSessionStatus !== 'Deleting'
  );
}

/** The updatable attributes the request asks for that the session does not have (undefined: none). */
export function changesTowards(
  session: TrafficMirrorSession,
  request: MirrorRequest,
): SessionChanges | undefined {
  const changes: SessionChanges = {};
  if (request.TrafficMirrorFilterId !== session.TrafficMirrorFilterId)
    changes.TrafficMirrorFilterId = request.TrafficMirrorFilterId;
  if (request.Enabled !== session.Enabled) changes.Enabled = request.Enabled;
  if (request.Priority !== undefined && request.Priority !== session.Priority)
    changes.Priority = request.Priority;
  if (
    request.TrafficMirrorSessionName !== undefined &&
    request.TrafficMirrorSessionName !== session.TrafficMirrorSessionName
  )
    changes.TrafficMirrorSessionName = request.TrafficMirrorSessionName;
  if (
    request.TrafficMirrorSessionDescription !== undefined &&
    request.TrafficMirrorSessionDescription !== session.TrafficMirrorSessionDescription
  )
    changes.TrafficMirrorSessionDescription = request.TrafficMirrorSessionDescription;
  if (request.VirtualNetworkId !== undefined && request.VirtualNetworkId !== session.VirtualNetworkId)
    changes.VirtualNetworkId = request.VirtualNetworkId;
  if (request.PacketLength !== undefined && request.PacketLength !== session.PacketLength)
    changes.PacketLength = request.PacketLength;
  return Object.keys(changes).length > 0 ? changes : undefined;
}

/** The first session the List with these filters gives (all pages) that does what the request asks. */
async function firstEquivalent(
  vpc: VpcApi,
  request: MirrorRequest,
  filters: Omit<ListFilters, 'RegionId'>,
): Promise<TrafficMirrorSession | undefined> {
  for await (const session of listAllSessions(vpc, { RegionId: request.RegionId, ...filters }))
    if (isEquivalentSession(session, request)) return session;
  return undefined;
}

/**
 * The answer for a session that already exists: this request's own, which an earlier delivery created
 * (Created, as that delivery answered), or another's (AlreadyExists).
 */
function existingResult(
  session: TrafficMirrorSession,
  outcome: 'Created' | 'AlreadyExists',
  clientToken: string,
  request: MirrorRequest,
): ProvisionResult {
  return {
    outcome,
    sessionId: session.TrafficMirrorSessionId,
    priority: session.Priority,
    clientToken,
    request,
    ...(outcome === 'Created' ? { createdEarlier: true as const } : {}),
  };
}

function isPriorityTaken(error: unknown): error is CloudApiError {
  return error instanceof CloudApiError && error.code === 'IllegalParam.Priority';
}

/** What one create needs: the region's client, the request, its token and origin, and how to retry. */
interface CreateContext {
  vpc: VpcApi;
  deps: ProvisionDeps;
  request: MirrorRequest;
  token: string;
  retrying: Retrying;
  origin: string;
  log: NonNullable<ProvisionDeps['log']>;
}

const isMismatch = (error: unknown) =>
  error instanceof CloudApiError && error.code === 'IdempotentParameterMismatch';

/**
 * After a Create refused because the priority is taken: the holder, when it already mirrors what this
 * request asks — this request's own (an earlier delivery, an answer that was lost: Created) or the same
 * request through another trigger at the same moment (AlreadyExists). Undefined: someone else's; walk on.
 */
async function equivalentHolder(
  { vpc, request, token, retrying, log }: CreateContext,
  error: unknown,
  priority: number,
): Promise<ProvisionResult | undefined> {
  if (!isPriorityTaken(error) || request.DryRun) return undefined;
  const holder = await retrying(() => firstEquivalent(vpc, request, { Priority: priority }));
  if (!holder) return undefined;
  const own = holder.Tags.some((t) => t.Key === TOKEN_TAG_KEY && t.Value === token);
  log('the priority is held by a session that already mirrors this', {
    sessionId: holder.TrafficMirrorSessionId,
    own,
  });
  return existingResult(holder, own ? 'Created' : 'AlreadyExists', token, request);
}

async function createOnce(
  { vpc, deps, request, token, retrying, origin }: CreateContext,
  candidate: PriorityCandidate,
): Promise<ProvisionResult> {
  const { priority } = candidate;
  const params = createParams(
    request,
    token,
    priority,
    { owner: deps.config.owner, origin },
    candidate.clientToken,
  );
  try {
    const created = await retryingWithRefusalTokens(retrying, candidate.clientToken, (clientToken) =>
      vpc.createTrafficMirrorSession({ ...params, ClientToken: clientToken }),
    );
    // The cloud answers a token it has seen with that token's session, so one an earlier delivery created
    // (its look-up missed it) comes back here too, without createdEarlier: its flow waits it out as new,
    // which costs at most one first look's delay, never an answer.
    return {
      outcome: 'Created',
      sessionId: created.TrafficMirrorSessionId,
      priority,
      clientToken: token,
      request,
    };
  } catch (error) {
    if (error instanceof CloudApiError && error.code === 'DryRunOperation') {
      return { outcome: 'DryRunPassed', priority, clientToken: token, request };
    }
    throw error;
  }
}

/** The candidates: those given (reconcile's, free in its listing) first, then the request's own walk. */
async function createWithAllocatedPriority(
  create: CreateContext,
  preferred: PriorityCandidate[],
): Promise<ProvisionResult> {
  const { priorityRange, priorityAttempts } = create.deps.config;
  const own = priorityWalk(priorityKey(create.request), create.token, priorityRange, priorityAttempts);
  const walk = [...preferred, ...own.filter((c) => !preferred.some((p) => p.priority === c.priority))];
  let last: CloudApiError | undefined;
  // Every candidate is sent, taken or not, never skipped on a look (a List by Priority): the cloud remembers
  // each token's refusal, so a redelivery whose look-up misses (read-after-create lag) walks into the same
  // refusals and reaches the token that created the session. A candidate skipped because it looked taken would
  // leave its token unsent: freed before a redelivery, it would take that redelivery's Create — a second session.
  for (const candidate of walk) {
    try {
      return await createOnce(create, candidate);
    } catch (error) {
      // Taken now, or taken when this candidate was tried before (the cloud answers that again): walk on —
      // unless the holder already mirrors this (equivalentHolder). A mismatch on a candidate's token: an
      // earlier delivery sent it with another priority — its session, found by this request's token tag, is
      // the answer; otherwise the key was used with other parameters, and the walk ends there.
      if (isMismatch(error)) {
        const own = create.request.DryRun
          ? undefined
          : await create.retrying(() =>
              // This request's own session: its token tag.
              firstEquivalent(create.vpc, create.request, {
                Tags: [{ Key: TOKEN_TAG_KEY, Value: create.token }],
              }),
            );
        if (own) return existingResult(own, 'Created', create.token, create.request);
      }
      if (!isPriorityTaken(error)) throw error;
      const holder = await equivalentHolder(create, error, candidate.priority);
      if (holder) return holder;
      create.log('allocated priority taken, trying the next', { priority: candidate.priority });
      last = error;
    }
  }
  throw new CloudApiError({
    code: 'IllegalParam.Priority',
    message: `none of the ${walk.length} allocated priorities (range ${priorityRange.min}-${priorityRange.max}) was free; widen MIRRORFLOW_PRIORITY_RANGE or MIRRORFLOW_PRIORITY_ATTEMPTS, or give Priority explicitly`,
    action: 'CreateTrafficMirrorSession',
    requestId: last?.requestId,
  });
}
