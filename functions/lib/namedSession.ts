/**
 * The session a modify or withdraw names — by the ClientToken of the request that created it (its
 * `mirrorflow-token` tag) or by its id — and whether this deployment owns it (its `mirrorflow-owner` tag).
 * mirrorflow never changes a session it does not own.
 */
import type { ErrorSummary } from './provision.js';
import { OWNERSHIP_TAG_KEY, TOKEN_TAG_KEY } from './request.js';
import { listAllSessions, type TrafficMirrorSession, type VpcApi } from './vpcClient.js';

export interface SessionName {
  RegionId: string;
  ClientToken?: string | undefined;
  TrafficMirrorSessionId?: string | undefined;
}

const refused = (code: string, message: string, hint: string): ErrorSummary => ({
  code,
  message,
  hint,
  retryable: false,
});

async function find(vpc: VpcApi, name: SessionName): Promise<TrafficMirrorSession | undefined> {
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
      error: refused(
        'Mirror.SessionNotFound',
        `${named} does not exist in ${name.RegionId} (never created, or already deleted)`,
        'Check the ClientToken or session id (mirrorflow sessions lists what mirrorflow owns).',
      ),
    };
  const tagged = session.Tags.find((t) => t.Key === OWNERSHIP_TAG_KEY)?.Value;
  if (tagged !== owner)
    return {
      sessionId: session.TrafficMirrorSessionId,
      error: refused(
        'Mirror.NotOwned',
        `${session.TrafficMirrorSessionId} was not created by this mirrorflow (owner tag ${tagged ?? 'absent'}), so it is not changed`,
        'Change it where it was created, or by hand in the VPC console.',
      ),
    };
  return { session };
}
