/**
 * withdraw(): one withdraw request up to an accepted delete — validate → its ClientToken (from the trigger,
 * like every request) → find the session it names (by the ClientToken of the request that created it, read
 * from the `mirrorflow-token` tag, or by id) → refuse a session mirrorflow does not own → DeleteTrafficMirrorSession
 * sent with this withdraw's token. The flow then waits until the session is gone and answers Deleted.
 *
 * Safe to run twice: a session already Deleting is not deleted again, one already gone is answered as not
 * found — and the hand-off of a redelivery finds the first delivery's execution, so it adds no event.
 */
import { clientToken as deriveClientToken, refusalToken, type TriggerKind } from './clientToken.js';
import { CloudApiError } from './cloudError.js';
import type { MirrorflowConfig } from './config.js';
import type { Problem } from './problems.js';
import { type ErrorSummary, isStateRefusal, retryingFor, summarise } from './provision.js';
import {
  OWNERSHIP_TAG_KEY,
  TOKEN_TAG_KEY,
  validateWithdrawRequest,
  type WithdrawRequest,
} from './request.js';
import type { RetryHooks } from './retry.js';
import { listAllSessions, type TrafficMirrorSession, type VpcApi } from './vpcClient.js';

export interface WithdrawDeps {
  vpcFor: (regionId: string) => VpcApi;
  config: Pick<MirrorflowConfig, 'owner' | 'retryMaxAttempts' | 'retryMaxElapsedMs'>;
  retryHooks?: RetryHooks;
  log?: (message: string, details: Record<string, unknown>) => void;
}

export type WithdrawResult =
  | { outcome: 'Deleting'; clientToken: string; request: WithdrawRequest; sessionId: string }
  | {
      outcome: 'Rejected';
      clientToken: string;
      request: WithdrawRequest;
      sessionId: string | null;
      error: ErrorSummary;
    }
  | { outcome: 'Invalid'; clientToken: string; problems: Problem[] };

const refused = (code: string, message: string, hint: string): ErrorSummary => ({
  code,
  message,
  hint,
  retryable: false,
});

async function findNamedSession(
  vpc: VpcApi,
  request: WithdrawRequest,
): Promise<TrafficMirrorSession | undefined> {
  const filters = request.TrafficMirrorSessionId
    ? { RegionId: request.RegionId, TrafficMirrorSessionIds: [request.TrafficMirrorSessionId] }
    : { RegionId: request.RegionId, Tags: [{ Key: TOKEN_TAG_KEY, Value: request.ClientToken! }] };
  for await (const session of listAllSessions(vpc, filters)) return session;
  return undefined;
}

export async function withdraw(
  input: { request: unknown; kind: TriggerKind; key: string },
  deps: WithdrawDeps,
): Promise<WithdrawResult> {
  const token = deriveClientToken(input.kind, input.key);
  const validation = validateWithdrawRequest(input.request);
  if (!validation.ok) return { outcome: 'Invalid', clientToken: token, problems: validation.problems };
  const request = validation.value;
  const retrying = retryingFor(deps);
  const vpc = deps.vpcFor(request.RegionId);
  const named = request.TrafficMirrorSessionId ?? `the session of request ${request.ClientToken}`;
  try {
    const session = await retrying(() => findNamedSession(vpc, request));
    if (!session) {
      return {
        outcome: 'Rejected',
        clientToken: token,
        request,
        sessionId: request.TrafficMirrorSessionId ?? null,
        error: refused(
          'Mirror.SessionNotFound',
          `${named} does not exist in ${request.RegionId} (never created, or already deleted)`,
          'Check the ClientToken or session id (mirrorflow sessions lists what mirrorflow owns).',
        ),
      };
    }
    const owner = session.Tags.find((t) => t.Key === OWNERSHIP_TAG_KEY)?.Value;
    if (owner !== deps.config.owner) {
      return {
        outcome: 'Rejected',
        clientToken: token,
        request,
        sessionId: session.TrafficMirrorSessionId,
        error: refused(
          'Mirror.NotOwned',
          `${session.TrafficMirrorSessionId} was not created by this mirrorflow (owner tag ${owner ?? 'absent'}), so it is not deleted`,
          'Delete it where it was created, or by hand in the VPC console.',
        ),
      };
    }
    if (session.TrafficMirrorSessionStatus !== 'Deleting')
      await deleteSession(vpc, session, request, token, retrying);
    deps.log?.('delete accepted', { sessionId: session.TrafficMirrorSessionId });
    return { outcome: 'Deleting', clientToken: token, request, sessionId: session.TrafficMirrorSessionId };
  } catch (error) {
    if (error instanceof CloudApiError && (error.retryClass === 'terminal' || isStateRefusal(error))) {
      return {
        outcome: 'Rejected',
        clientToken: token,
        request,
        sessionId: request.TrafficMirrorSessionId ?? null,
        error: summarise(error),
      };
    }
    throw error;
  }
}

/** Delete with this withdraw's token; a session busy changing is retried with tokens derived from it. */
async function deleteSession(
  vpc: VpcApi,
  session: TrafficMirrorSession,
  request: WithdrawRequest,
  token: string,
  retrying: ReturnType<typeof retryingFor>,
): Promise<void> {
  let refusals = 0;
  try {
    await retrying(async () => {
      try {
        return await vpc.deleteTrafficMirrorSession({
          RegionId: request.RegionId,
          TrafficMirrorSessionId: session.TrafficMirrorSessionId,
          ClientToken: refusals === 0 ? token : refusalToken(token, refusals),
        });
      } catch (error) {
        if (isStateRefusal(error)) refusals++;
        throw error;
      }
    });
  } catch (error) {
    // Gone between the look-up and the delete (another withdraw, a person): the end the withdraw asked for.
    if (error instanceof CloudApiError && error.code === 'ResourceNotFound.TrafficMirrorSession') return;
    throw error;
  }
}
