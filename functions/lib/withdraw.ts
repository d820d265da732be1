/**
 * withdraw(): one withdraw request up to an accepted delete — validate → its ClientToken (from the trigger,
 * like every request) → find the session it names (by the ClientToken of the request that created it, read
 * from the `mirrorflow-token` tag, or by id) → refuse a session mirrorflow does not own (namedSession.ts) →
 * DeleteTrafficMirrorSession sent with this withdraw's token. The flow then waits until the session is gone
 * and answers Deleted.
 *
 * Safe to run twice: a session already Deleting is not deleted again, one already gone is answered as not
 * found — and the hand-off of a redelivery finds the first delivery's execution, so it adds no event.
 */
import { clientToken as deriveClientToken, refusalToken, type TriggerKind } from './clientToken.js';
import { CloudApiError } from './cloudError.js';
import type { MirrorflowConfig } from './config.js';
import { ownedSessionNamed } from './namedSession.js';
import type { Problem } from './problems.js';
import { type ErrorSummary, isStateRefusal, retryingFor, summarise } from './provision.js';
import { validateWithdrawRequest, type WithdrawRequest } from './request.js';
import type { RetryHooks } from './retry.js';
import type { TrafficMirrorSession, VpcApi } from './vpcClient.js';

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
  try {
    const found = await retrying(() => ownedSessionNamed(vpc, request, deps.config.owner));
    if ('error' in found)
      return {
        outcome: 'Rejected',
        clientToken: token,
        request,
        sessionId: found.sessionId,
        error: found.error,
      };
    const { session } = found;
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
