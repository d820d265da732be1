/**
 * What a listed session means for the request that asked for it: Created, enabled as requested
 * and in good standing → ready; Creating/Modifying → pending; Deleting, missing from the list, financially
 * locked, or created but not enabled as requested → failed, with a named reason.
 */

import type { ErrorSummary } from '../cloud/cloudError.js';
import type { TrafficMirrorSession } from '../cloud/vpcClient.js';
import type { SessionChanges } from '../contract/request.js';
import { updateParams } from './sessionChanges.js';

export interface Classification {
  state: 'pending' | 'ready' | 'failed';
  reason: string;
  error: ErrorSummary | null;
}

const failed = (code: string, message: string, hint: string): Classification => ({
  state: 'failed',
  reason: code,
  error: { code, message, hint, retryable: false },
});

/** What a listed session means for a withdraw whose delete was accepted: gone → done; anything else → wait. */
export function classifyWithdrawal(session: TrafficMirrorSession | undefined): Classification {
  if (!session) return { state: 'ready', reason: 'Deleted', error: null };
  return { state: 'pending', reason: session.TrafficMirrorSessionStatus, error: null };
}

/** What a listed session means for a modify whose changes were accepted: Created with all of them → done. */
export function classifyModification(
  session: TrafficMirrorSession | undefined,
  changes: SessionChanges,
): Classification {
  if (!session || session.TrafficMirrorSessionStatus === 'Deleting') return classifySession(session, true);
  if (session.TrafficMirrorSessionStatus !== 'Created')
    return { state: 'pending', reason: session.TrafficMirrorSessionStatus, error: null };
  const listed: Record<string, unknown> = { ...session };
  const attributesInPlace = Object.entries(updateParams(changes)).every(
    ([key, value]) => listed[key] === value,
  );
  const sources = changes.TrafficMirrorSourceIds;
  const sourcesInPlace =
    !sources ||
    (sources.length === session.TrafficMirrorSourceIds.length &&
      sources.every((id) => session.TrafficMirrorSourceIds.includes(id)));
  return attributesInPlace && sourcesInPlace
    ? { state: 'ready', reason: 'Updated', error: null }
    : { state: 'pending', reason: 'Applying', error: null };
}

export function classifySession(
  session: TrafficMirrorSession | undefined,
  wantEnabled: boolean,
): Classification {
  if (!session) {
    return failed(
      'Mirror.SessionVanished',
      'the session is no longer listed: it was deleted, or never came into being',
      'Check whether someone deleted it; send the request again to create a new one.',
    );
  }
  if (session.TrafficMirrorSessionBusinessStatus === 'FinancialLocked') {
    return failed(
      'Mirror.FinancialLocked',
      'the session is financially locked (overdue payment): it mirrors nothing',
      'Settle the account in the billing console; sessions unpaid for 15 days are deleted.',
    );
  }
  switch (session.TrafficMirrorSessionStatus) {
    case 'Creating':
    case 'Modifying':
      return { state: 'pending', reason: session.TrafficMirrorSessionStatus, error: null };
    case 'Deleting':
      return failed(
        'Mirror.SessionDeleting',
        'the session is being deleted',
        'Someone deleted the session; send the request again to create a new one.',
      );
    case 'Created':
      if (session.Enabled !== wantEnabled) {
        return failed(
          'Mirror.EnabledMismatch',
          `the session exists but is ${session.Enabled ? 'enabled' : 'disabled'}, while the request asked for ${wantEnabled ? 'enabled' : 'disabled'}`,
          'An equivalent session already existed with another Enabled setting; change it with UpdateTrafficMirrorSessionAttribute.',
        );
      }
      return { state: 'ready', reason: 'Created', error: null };
    default:
      return failed(
        'Mirror.UnknownStatus',
        `the session has an unknown status "${session.TrafficMirrorSessionStatus}"`,
        'Check the session in the console.',
      );
  }
}
