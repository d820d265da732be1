/**
 * withdrawTicket(): a withdraw that names a Ticket instead of one session — every live session this deployment
 * owns (`mirrorflow-owner`) and tagged with that ticket (`mirrorflow-ticket`, set at creation from the
 * request's `Correlation.ticket`: provision.ts createParams) in the region, found with one List filtered on
 * both tags (all pages), each deleted like a single withdraw (withdraw.ts deleteSession) with its own token
 * derived from the withdraw's and the session id (sessionDeleteToken). A session already Deleting is not
 * deleted again but still counts as withdrawn, so a redelivery answers as the first delivery did. No session
 * at all: Mirror.SessionNotFound, as a withdraw of an unknown ClientToken is answered (namedSession.ts).
 * The intake hands one item per session to one execution (intake.ts intakeTicketWithdraw).
 */

import { CloudApiError, type ErrorSummary, refusal, summarise } from '../cloud/cloudError.js';
import { isStateRefusal, type Retrying, retryingFor } from '../cloud/retry.js';
import { listAllSessions, type TrafficMirrorSession, type VpcApi } from '../cloud/vpcClient.js';
import type { FoundExecution } from '../cloud/workflowClient.js';
import { sessionDeleteToken } from '../contract/clientToken.js';
import type { WithdrawSummary } from '../contract/flowJob.js';
import type { WithdrawRequest } from '../contract/request.js';
import { ORIGIN_TAG_KEY, OWNERSHIP_TAG_KEY, TICKET_TAG_KEY } from '../contract/sessionTags.js';
import type { NamedSessionDeps } from './namedSession.js';
import { deleteSession } from './withdraw.js';

export type TicketWithdrawRequest = WithdrawRequest & { Ticket: string };

/** One session of the ticket: its delete token (also its item's token), and why its delete was refused. */
export interface TicketSession {
  sessionId: string;
  clientToken: string;
  error?: ErrorSummary;
}

export type TicketWithdrawResult =
  | { outcome: 'Deleting'; clientToken: string; request: TicketWithdrawRequest; sessions: TicketSession[] }
  | {
      outcome: 'Rejected';
      clientToken: string;
      request: TicketWithdrawRequest;
      sessionId: null;
      error: ErrorSummary;
    };

/** The ticket's live sessions this deployment owns, by id (so every delivery lists them in the same order). */
export async function ticketSessions(
  vpc: VpcApi,
  request: TicketWithdrawRequest,
  owner: string,
): Promise<TrafficMirrorSession[]> {
  const tagged = (s: TrafficMirrorSession, key: string, value: string) =>
    s.Tags.some((t) => t.Key === key && t.Value === value);
  const found: TrafficMirrorSession[] = [];
  const pages = listAllSessions(vpc, {
    RegionId: request.RegionId,
    Tags: [
      { Key: OWNERSHIP_TAG_KEY, Value: owner },
      { Key: TICKET_TAG_KEY, Value: request.Ticket },
    ],
  });
  // The List filters on both tags; checked again here, since a session of another owner must never be deleted.
  // A session reconcile keeps for a desired-state entry is the desired state's to end, not the ticket's: the
  // next run would only create it again.
  const reconciled = (s: TrafficMirrorSession) =>
    s.Tags.some((t) => t.Key === ORIGIN_TAG_KEY && t.Value.startsWith('reconcile.'));
  for await (const s of pages)
    if (tagged(s, OWNERSHIP_TAG_KEY, owner) && tagged(s, TICKET_TAG_KEY, request.Ticket) && !reconciled(s))
      found.push(s);
  return found.sort((a, b) => a.TrafficMirrorSessionId.localeCompare(b.TrafficMirrorSessionId));
}

/**
 * Finds and deletes the ticket's sessions. `fits` says whether one execution can carry them all (the flow's
 * state limit); if not, nothing is deleted and the withdraw is refused (Mirror.TooManySessions). A delete the
 * cloud refuses for good fails that session only; a transient error propagates, so the delivery is retried.
 */
export async function withdrawTicket(
  request: TicketWithdrawRequest,
  token: string,
  deps: NamedSessionDeps,
  fits: (sessions: TicketSession[]) => boolean,
): Promise<TicketWithdrawResult> {
  const retrying = retryingFor(deps);
  const vpc = deps.vpcFor(request.RegionId);
  const rejected = (error: ErrorSummary) =>
    ({ outcome: 'Rejected', clientToken: token, request, sessionId: null, error }) as const;
  let found: TrafficMirrorSession[];
  try {
    found = await retrying(() => ticketSessions(vpc, request, deps.config.owner));
  } catch (error) {
    if (error instanceof CloudApiError && error.retryClass === 'terminal') return rejected(summarise(error));
    throw error;
  }
  if (found.length === 0) return rejected(notFound(request));
  const sessions = found.map((s) => ({
    sessionId: s.TrafficMirrorSessionId,
    clientToken: sessionDeleteToken(token, s.TrafficMirrorSessionId),
  }));
  if (!fits(sessions)) return rejected(tooMany(request, sessions.length));
  const deleted: TicketSession[] = [];
  for (const [index, session] of found.entries())
    deleted.push(await deleteOne(vpc, retrying, request, session, sessions[index]!));
  deps.log?.('ticket withdraw accepted', { ticket: request.Ticket, sessions: deleted });
  return { outcome: 'Deleting', clientToken: token, request, sessions: deleted };
}

async function deleteOne(
  vpc: VpcApi,
  retrying: Retrying,
  request: TicketWithdrawRequest,
  session: TrafficMirrorSession,
  named: TicketSession,
): Promise<TicketSession> {
  if (session.TrafficMirrorSessionStatus === 'Deleting') return named;
  try {
    await deleteSession({ vpc, retrying, request, session, token: named.clientToken });
    return named;
  } catch (error) {
    if (error instanceof CloudApiError && (error.retryClass === 'terminal' || isStateRefusal(error)))
      return { ...named, error: summarise(error) };
    throw error;
  }
}

function notFound(request: TicketWithdrawRequest): ErrorSummary {
  return refusal(
    'Mirror.SessionNotFound',
    `no session of ticket ${request.Ticket} exists in ${request.RegionId} (none was created for it, or all are already deleted)`,
    'Check the ticket and the region (mirrorflow sessions lists what mirrorflow owns).',
  );
}

function tooMany(request: TicketWithdrawRequest, count: number): ErrorSummary {
  return refusal(
    'Mirror.TooManySessions',
    `ticket ${request.Ticket} has ${count} sessions in ${request.RegionId}, more than one withdraw can follow to its end; none was deleted`,
    'Withdraw them by ClientToken or TrafficMirrorSessionId (mirrorflow sessions lists them).',
  );
}

/**
 * The answer the first delivery of this withdraw got, from the items of the execution its token names: the
 * same sessions (or the same refusal). Undefined when that execution is not a withdraw of this ticket.
 */
export function recallTicketWithdraw(
  token: string,
  request: TicketWithdrawRequest,
  found: FoundExecution,
): { result: TicketWithdrawResult; executionName: string; handOff: FoundExecution['handOff'] } | undefined {
  const { items } = found.job;
  const ours = items.every(
    (i) => i.operation === 'withdraw' && (i.request as WithdrawSummary | null)?.Ticket === request.Ticket,
  );
  if (items.length === 0 || !ours) return undefined;
  const answered = { executionName: found.executionName, handOff: found.handOff };
  const refusal = items.find((i) => i.clientToken === token)?.failure;
  if (refusal)
    return {
      ...answered,
      result: { outcome: 'Rejected', clientToken: token, request, sessionId: null, error: refusal },
    };
  const sessions = items.map((i) => ({
    sessionId: i.sessionId ?? '',
    clientToken: i.clientToken,
    ...(i.failure ? { error: i.failure } : {}),
  }));
  return { ...answered, result: { outcome: 'Deleting', clientToken: token, request, sessions } };
}
