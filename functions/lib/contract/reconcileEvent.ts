/**
 * `mirrorflow:Reconcile:Completed`: one event per reconcile run (per scheduled time), with the counts and
 * the lists — what was created, updated, deleted, left unchanged, and what is invalid, failed, drifted or
 * not ours. Counts are always complete; a list longer than the event can hold is cut, and `truncated` names
 * it (the run's log has every entry). Put by the flow, like every mirrorflow event (schemas/).
 */
import type { ErrorSummary } from '../cloud/cloudError.js';
import { redactText } from '../runtime/redact.js';
import { EVENT_SOURCE } from './completionEvent.js';
import { type CompletionEventParams, EMIT_CHUNK_BYTES } from './flowJob.js';
import type { Problem } from './problems.js';

export const RECONCILE_COMPLETED_TYPE = 'mirrorflow:Reconcile:Completed' as const;

export interface ReconcileLists {
  created: { name: string; sessionId: string; regionId: string }[];
  updated: { name: string; sessionId: string; regionId: string; changed: string[] }[];
  deleted: { sessionId: string; regionId: string; reason: 'pruned' | 'expired'; entry?: string }[];
  unchanged: string[];
  /** `announced` as for `failed` (apply mode only). */
  invalid: { name: string; problems: Problem[]; announced?: 'now' | 'earlier' }[];
  /** `announced`: a Failed event went out in this run (`now`) or an earlier one for the same error. */
  failed: { name: string; error: ErrorSummary; announced: 'now' | 'earlier' }[];
  /** Entries satisfied by another owner's session that differs from them (mirrorflow never changes it). */
  drifted: { name: string; sessionId: string; differences: string[] }[];
  /** Other owners' sessions in these regions that no entry wants (never touched). */
  foreign: string[];
  /** This deployment's sessions from requests (or untagged) that no entry wants (never touched by reconcile). */
  orphaned: string[];
  /** Plan mode: the entries that would be created, and updated. */
  wouldCreate: string[];
  wouldUpdate: { name: string; sessionId: string; changed: string[] }[];
  /** Sessions to prune or expire that were not deleted (plan mode, or pruning off). */
  wouldDelete: { sessionId: string; regionId: string; reason: 'pruned' | 'expired'; entry?: string }[];
  /**
   * Left for the next run: entries (by name) the cloud kept throttling, and sessions (by id) whose prune or
   * expiry it refused for now (busy changing).
   */
  retryLater: string[];
}

/**
 * Why a run ended before its end: the reconcile-run flow gave up on a Slice that kept failing. `code` and
 * `message` are the flow's error for it, the message without a stack trace, redacted and cut short.
 */
export interface RunAbandonment {
  code: string;
  message: string;
}

const ABANDON_MESSAGE_CHARS = 500;

/** A URL's userinfo, query and fragment: where presigned URLs (OSS's among them) carry their credentials. */
const URL_CREDENTIALS = /\b(https?:\/\/)(?:[^\s/@]*@)?([^\s?#]*)[^\s]*/gi;

/**
 * A RunAbandonment from the flow's Catch (`$Context.Current.Error`): FC's error detail may be the function's
 * message or its error body as JSON (`{errorMessage, errorType, stackTrace}`; the docs leave CloudFlow's form
 * open), so either is read, and only the message's first line kept (a stack trace follows it), each URL in it
 * without its query or userinfo, then redacted.
 */
export function runAbandonment(
  raw: { code?: unknown; detail?: unknown },
  secrets: readonly (string | undefined)[] = [],
): RunAbandonment {
  const code = typeof raw.code === 'string' && raw.code ? raw.code : 'FnF.Unknown';
  let message = typeof raw.detail === 'string' ? raw.detail : '';
  try {
    const body = JSON.parse(message) as unknown;
    // An error body: its message alone (never the body, which carries the stack trace).
    if (body !== null && typeof body === 'object') {
      const { errorMessage } = body as { errorMessage?: unknown };
      message = typeof errorMessage === 'string' ? errorMessage : '';
    }
  } catch {
    // Not JSON: the message itself.
  }
  const firstLine = message.split(/\r?\n|\\n/)[0]!.trim();
  const redacted = redactText(firstLine.replace(URL_CREDENTIALS, '$1$2'), secrets);
  return {
    code,
    message:
      redacted.length > ABANDON_MESSAGE_CHARS
        ? `${redacted.slice(0, ABANDON_MESSAGE_CHARS)}…`
        : redacted || code,
  };
}

export interface ReconcileRun {
  triggerTime: string;
  mode: 'apply' | 'plan';
  owner: string;
  regions: string[];
  prune: boolean;
  lists: ReconcileLists;
}

export type ReconcileCounts = Record<keyof ReconcileLists | 'desired', number>;

export function reconcileCounts(lists: ReconcileLists, desired: number): ReconcileCounts {
  const counts = { desired } as ReconcileCounts;
  for (const [name, list] of Object.entries(lists)) counts[name as keyof ReconcileLists] = list.length;
  return counts;
}

/** The Completed event of a run, its lists cut (longest first) until it fits the flow's emit room. */
export function buildReconcileCompletedEvent(
  run: ReconcileRun & { truncated?: string[]; abandoned?: RunAbandonment },
  counts: ReconcileCounts,
  target: { eventBusName: string; executionName: string },
): CompletionEventParams {
  const lists: Record<string, unknown[]> = { ...run.lists };
  const truncated = new Set<string>(run.truncated ?? []);
  const event = (): CompletionEventParams => ({
    eventBusName: target.eventBusName,
    id: `${target.executionName}:Completed`,
    source: EVENT_SOURCE,
    type: RECONCILE_COMPLETED_TYPE,
    subject: `mirrorflow:reconcile/${run.triggerTime}`,
    data: {
      // Abandoned: the run stopped before its end; the counts and lists say how far it went.
      outcome: run.abandoned ? 'Abandoned' : 'Completed',
      ...(run.abandoned ? { error: run.abandoned } : {}),
      triggerTime: run.triggerTime,
      mode: run.mode,
      owner: run.owner,
      regions: run.regions,
      prune: run.prune,
      executionName: target.executionName,
      counts,
      ...lists,
      truncated: [...truncated].sort(),
    },
  });
  let built = event();
  while (Buffer.byteLength(JSON.stringify(built)) > EMIT_CHUNK_BYTES) {
    const [longest] = Object.entries(lists).sort(([, a], [, b]) => b.length - a.length);
    if (!longest || longest[1].length === 0) break;
    lists[longest[0]] = longest[1].slice(0, Math.floor(longest[1].length / 2));
    truncated.add(longest[0]);
    built = event();
  }
  return built;
}
