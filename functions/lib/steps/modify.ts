/**
 * modify(): one modify request up to accepted changes — validate → its ClientToken (from the trigger) → the
 * session it names, if this deployment owns it (namedSession.ts) → UpdateTrafficMirrorSessionAttribute for
 * the attributes, AddSourcesToTrafficMirrorSession / RemoveSourcesFromTrafficMirrorSession so the sources
 * become exactly those asked for. Each call has its own token derived from the request's (stepToken), and a
 * call refused while the session is still changing is retried with tokens derived from that one. The flow
 * then waits until the session is Created with every change in place, and answers Updated.
 *
 * Safe to run twice: the Update is sent with the same token and parameters (the cloud answers it again),
 * and the sources to add or remove are worked out from the session as it is now, so a redelivery adds and
 * removes nothing twice.
 */

import { type Retrying, retryingWithRefusalTokens } from '../cloud/retry.js';
import type {
  SessionChangeAction,
  SessionChangeParams,
  TrafficMirrorSession,
  VpcApi,
} from '../cloud/vpcClient.js';
import { stepToken, type TriggerKind } from '../contract/clientToken.js';
import { type ModifyRequest, type SessionChanges, validateModifyRequest } from '../contract/request.js';
import { actOnNamedSession, type NamedSessionDeps, type NamedSessionResult } from './namedSession.js';
import { sourceChanges, updateParams } from './sessionChanges.js';

export type ModifyDeps = NamedSessionDeps;
export type ModifyResult = NamedSessionResult<ModifyRequest, 'Modifying'>;

export function modify(
  input: { request: unknown; kind: TriggerKind; key: string },
  deps: ModifyDeps,
): Promise<ModifyResult> {
  return actOnNamedSession(
    input,
    validateModifyRequest,
    deps,
    async ({ vpc, retrying, request, session, token }) => {
      const { add, remove } = await applySessionChanges(
        vpc,
        retrying,
        request.RegionId,
        session,
        request.changes,
        token,
      );
      deps.log?.('changes accepted', { sessionId: session.TrafficMirrorSessionId, add, remove });
      return 'Modifying';
    },
  );
}

/**
 * The calls that bring a session to `changes`: Update for the attributes, then Add and Remove for the sources,
 * each with its own token derived from `token`.
 */
export async function applySessionChanges(
  vpc: VpcApi,
  retrying: Retrying,
  regionId: string,
  session: TrafficMirrorSession,
  changes: SessionChanges,
  token: string,
): Promise<{ add: string[]; remove: string[] }> {
  const change = (
    action: SessionChangeAction,
    step: 'update' | 'add' | 'remove',
    params: Record<string, unknown>,
  ) =>
    changeWithRetries(vpc, retrying, action, {
      RegionId: regionId,
      TrafficMirrorSessionId: session.TrafficMirrorSessionId,
      ClientToken: stepToken(token, step),
      ...params,
    } as SessionChangeParams);
  const attributes = updateParams(changes);
  if (Object.keys(attributes).length > 0)
    await change('UpdateTrafficMirrorSessionAttribute', 'update', attributes);
  const { add, remove } = sourceChanges(session, changes);
  if (add.length > 0)
    await change('AddSourcesToTrafficMirrorSession', 'add', { TrafficMirrorSourceIds: add });
  if (remove.length > 0)
    await change('RemoveSourcesFromTrafficMirrorSession', 'remove', { TrafficMirrorSourceIds: remove });
  return { add, remove };
}

async function changeWithRetries(
  vpc: VpcApi,
  retrying: Retrying,
  action: SessionChangeAction,
  params: SessionChangeParams,
): Promise<void> {
  await retryingWithRefusalTokens(retrying, params.ClientToken, (clientToken) =>
    vpc.changeTrafficMirrorSession(action, { ...params, ClientToken: clientToken }),
  );
}
