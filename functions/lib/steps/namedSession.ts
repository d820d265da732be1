/**
 * The session a modify or withdraw names — by the ClientToken of the request that created it (its
 * `mirrorflow-token` tag) or by its id — and whether this deployment owns it (its `mirrorflow-owner` tag).
 * mirrorflow never changes a session it does not own. Also the first step modify and withdraw share
 * (actOnNamedSession): validate, find, act, and answer a refusal as Rejected.
 */

import { CloudApiError, type ErrorSummary, refusal, summarise } from '../cloud/cloudError.js';
import type { RetryHooks } from '../cloud/retry.js';
import { isStateRefusal, type Retrying, retryingFor } from '../cloud/retry.js';
import { listAllSessions, type TrafficMirrorSession, type VpcApi } from '../cloud/vpcClient.js';
import { clientToken as deriveClientToken, type TriggerKind } from '../contract/clientToken.js';
import type { Problem } from '../contract/problems.js';
import type { Validation } from '../contract/request.js';
import { OWNERSHIP_TAG_KEY, TOKEN_TAG_KEY } from '../contract/sessionTags.js';
import type { MirrorflowConfig } from '../runtime/config.js';

export interface SessionName {
  RegionId: string;
  ClientToken?: string | undefined;
  TrafficMirrorSessionId?: string | undefined;
}

async function find(vpc: VpcApi, name: SessionName): Promise<TrafficMirrorSession | undefined> {
  // Without either, the token-tag filter below would match any session mirrorflow created (a Ticket-named
  // withdraw goes through withdrawTicket.ts, never here).
  if (!name.TrafficMirrorSessionId && !name.ClientToken)
    throw new Error('a named session needs its ClientToken or TrafficMirrorSessionId');
  const filters = name.TrafficMirrorSessionId
    ? { RegionId: name.RegionId, TrafficMirrorSessionIds: [name.TrafficMirrorSessionId] }
    : { RegionId: name.RegionId, Tags: [{ Key: TOKEN_TAG_KEY, Value: name.ClientToken! }] };
  for await (const session of listAllSessions(vpc, filters)) return session;
  return undefined;
}

/** The named session when this deployment owns it; otherwise why not, as a terminal error. */
export async function ownedSessionNamed(
  vpc: VpcApi,
  name: SessionName,
  owner: string,
): Promise<{ session: TrafficMirrorSession } | { error: ErrorSummary; sessionId: string | null }> {
  const session = await find(vpc, name);
  const named = name.TrafficMirrorSessionId ?? `the session of request ${name.ClientToken}`;
  if (!session)
    return {
      sessionId: name.TrafficMirrorSessionId ?? null,
      error: refusal(
        'Mirror.SessionNotFound',
        `${named} does not exist in ${name.RegionId} (never created, or already deleted)`,
        'Check the ClientToken or session id (mirrorflow sessions lists what mirrorflow owns).',
      ),
    };
  const tagged = session.Tags.find((t) => t.Key === OWNERSHIP_TAG_KEY)?.Value;
  if (tagged !== owner)
    return {
      sessionId: session.TrafficMirrorSessionId,
      error: refusal(
        'Mirror.NotOwned',
        `${session.TrafficMirrorSessionId} was not created by this mirrorflow (owner tag ${tagged ?? 'absent'}), so it is not changed`,
        'Change it where it was created, or by hand in the VPC console.',
      ),
    };
  return { session };
}

export interface NamedSessionDeps {
  vpcFor: (regionId: string) => VpcApi;
  config: Pick<MirrorflowConfig, 'owner' | 'retryMaxAttempts' | 'retryMaxElapsedMs'>;
  retryHooks?: RetryHooks;
  log?: (message: string, details: Record<string, unknown>) => void;
}

/** How a request naming a session ends its first step: `outcome` when accepted (the flow waits for the rest). */
export type NamedSessionResult<R, O extends string> =
  | { outcome: O; clientToken: string; request: R; sessionId: string }
  | { outcome: 'Rejected'; clientToken: string; request: R; sessionId: string | null; error: ErrorSummary }
  | { outcome: 'Invalid'; clientToken: string; problems: Problem[]; raw: unknown };

/** What `act` is given: the owned session, the request, its token and the retrying calls for its region. */
export interface NamedSessionStep<R> {
  vpc: VpcApi;
  retrying: Retrying;
  request: R;
  session: TrafficMirrorSession;
  token: string;
}

/**
 * The shared first step of modify and withdraw: validate → the request's ClientToken (from the trigger) → the
 * owned session it names → `act` on it. A refusal (not found, not owned, a terminal or state error from the
 * cloud) is answered Rejected with its reason; a transient error propagates, so the delivery is retried.
 */
export async function actOnNamedSession<R extends SessionName, O extends string>(
  input: { request: unknown; kind: TriggerKind; key: string },
  validate: (request: unknown) => Validation<R>,
  deps: NamedSessionDeps,
  act: (step: NamedSessionStep<R>) => Promise<O>,
): Promise<NamedSessionResult<R, O>> {
  const token = deriveClientToken(input.kind, input.key);
  const validation = validate(input.request);
  if (!validation.ok)
    return { outcome: 'Invalid', clientToken: token, problems: validation.problems, raw: input.request };
  const request = validation.value;
  const retrying = retryingFor(deps);
  const vpc = deps.vpcFor(request.RegionId);
  const rejected = (sessionId: string | null, error: ErrorSummary) =>
    ({ outcome: 'Rejected', clientToken: token, request, sessionId, error }) as const;
  try {
    const found = await retrying(() => ownedSessionNamed(vpc, request, deps.config.owner));
    if ('error' in found) return rejected(found.sessionId, found.error);
    const { session } = found;
    const outcome = await act({ vpc, retrying, request, session, token });
    return { outcome, clientToken: token, request, sessionId: session.TrafficMirrorSessionId };
  } catch (error) {
    if (error instanceof CloudApiError && (error.retryClass === 'terminal' || isStateRefusal(error)))
      return rejected(request.TrafficMirrorSessionId ?? null, summarise(error));
    throw error;
  }
}
