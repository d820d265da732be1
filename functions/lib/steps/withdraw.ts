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

import { CloudApiError } from '../cloud/cloudError.js';
import { retryingWithRefusalTokens } from '../cloud/retry.js';
import type { TriggerKind } from '../contract/clientToken.js';
import { validateWithdrawRequest, type WithdrawRequest } from '../contract/request.js';
import {
  actOnNamedSession,
  type NamedSessionDeps,
  type NamedSessionResult,
  type NamedSessionStep,
} from './namedSession.js';

export type WithdrawDeps = NamedSessionDeps;
export type WithdrawResult = NamedSessionResult<WithdrawRequest, 'Deleting'>;

export function withdraw(
  input: { request: unknown; kind: TriggerKind; key: string },
  deps: WithdrawDeps,
): Promise<WithdrawResult> {
  return actOnNamedSession(input, validateWithdrawRequest, deps, async (step) => {
    if (step.session.TrafficMirrorSessionStatus !== 'Deleting') await deleteSession(step);
    deps.log?.('delete accepted', { sessionId: step.session.TrafficMirrorSessionId });
    return 'Deleting';
  });
}

/** Delete with this withdraw's token; a session busy changing is retried with tokens derived from it. */
export async function deleteSession({
  vpc,
  session,
  request,
  token,
  retrying,
}: NamedSessionStep<WithdrawRequest>): Promise<void> {
  try {
    await retryingWithRefusalTokens(retrying, token, (clientToken) =>
      vpc.deleteTrafficMirrorSession({
        RegionId: request.RegionId,
        TrafficMirrorSessionId: session.TrafficMirrorSessionId,
        ClientToken: clientToken,
      }),
    );
  } catch (error) {
    // Gone between the look-up and the delete (another withdraw, a person): the end the withdraw asked for.
    if (error instanceof CloudApiError && error.code === 'ResourceNotFound.TrafficMirrorSession') return;
    throw error;
  }
}
