/**
 * The chaos suite's counting, pure: what was sent, what the bus carried back and which sessions exist go in,
 * one table row's counts and the goals it misses come out. No I/O, no clock, so the unit test can hold every
 * definition printed under the table to what is counted here.
 */

export const COMPLETION_PREFIX = 'mirrorflow:TrafficMirrorSession:';

/** One request as one trigger delivered it (its redeliveries and resends included). */
export interface SentRequest {
  /** The ClientToken its completion events carry. */
  token: string;
  /** The logical request: twins sent through two triggers share one (and must share one session). */
  group: string;
  /** The bus accepted the event (200) / the webhook answered 2xx. */
  accepted: boolean;
  /** The only outcome that answers it (the fuzz rows: Failed); absent: any final outcome. */
  expect?: 'Ready' | 'Failed';
}

/** A completion event, in the order the bus received it. */
export interface SeenEvent {
  id: string;
  type: string;
  token: string | undefined;
}

export interface RowObservation {
  requests: readonly SentRequest[];
  events: readonly SeenEvent[];
  /** Live sessions per logical request (group); a group absent here has none. */
  sessions: Readonly<Record<string, number>>;
  /** HTTP 5xx answers (other than a 503 with Retry-After, which a sender retries) from the local servers. */
  serverErrors: number;
  /** Connections the local servers dropped or reset (no HTTP answer at all). */
  dropped: number;
  /** VPC API calls the row's invalid input caused; null: not a row of invalid input. */
  vpcCallsFromInvalid: number | null;
  /** Replays answered as a new request (2xx with another ClientToken): each is an extra answer. */
  replaysAnsweredAsNew?: number;
}

export interface RowCounts {
  sent: number;
  accepted: number;
  answeredOnce: number;
  duplicates: number;
  lost: number;
  serverErrors: number;
  vpcCallsFromInvalid: number | null;
  /** What makes up the counts, for the notes under the table. */
  detail: {
    /** Sessions beyond the first for one logical request. */
    extraSessions: number;
    /** Distinct completion events beyond the first for one request. */
    extraEvents: number;
    /** Completion events whose token names no request the row sent. */
    strayEvents: number;
    replaysAnsweredAsNew: number;
    /** Accepted requests answered Failed after a Ready for the same logical request. */
    failedAfterReady: number;
    /** Accepted requests answered once, but not with the outcome the row expects of them. */
    wrongOutcome: number;
    /** Requests not accepted that got a completion event anyway. */
    answeredUnaccepted: number;
    /** Final outcomes of the accepted requests answered once (Ready, Failed: <reason> is not known here). */
    outcomes: Record<string, number>;
  };
}

export type Column = 'answeredOnce' | 'duplicates' | 'lost' | 'serverErrors' | 'vpcCallsFromInvalid';

const outcomeOf = (type: string) =>
  type.startsWith(COMPLETION_PREFIX) ? type.slice(COMPLETION_PREFIX.length) : type;

export function tally(observation: RowObservation): RowCounts {
  // Distinct events per token, in bus order: a redelivery of one event id counts once.
  const byToken = new Map<string, SeenEvent[]>();
  let strayEvents = 0;
  const tokens = new Set(observation.requests.map((r) => r.token));
  const seenIds = new Set<string>();
  for (const event of observation.events) {
    if (seenIds.has(event.id)) continue;
    seenIds.add(event.id);
    if (event.token === undefined || !tokens.has(event.token)) {
      strayEvents++;
      continue;
    }
    const list = byToken.get(event.token) ?? [];
    list.push(event);
    byToken.set(event.token, list);
  }

  // The order in which each group's members were first answered, to find a Failed after a Ready.
  const firstReadyAt = new Map<string, number>();
  const position = new Map<string, number>();
  observation.events.forEach((e, i) => {
    if (!position.has(e.id)) position.set(e.id, i);
  });
  const groupOf = new Map(observation.requests.map((r) => [r.token, r.group]));
  for (const [token, events] of byToken) {
    const group = groupOf.get(token)!;
    for (const e of events) {
      if (outcomeOf(e.type) !== 'Ready') continue;
      const at = position.get(e.id)!;
      if (at < (firstReadyAt.get(group) ?? Number.POSITIVE_INFINITY)) firstReadyAt.set(group, at);
    }
  }

  let accepted = 0;
  let answeredOnce = 0;
  let lost = 0;
  let extraEvents = 0;
  let failedAfterReady = 0;
  let wrongOutcome = 0;
  let answeredUnaccepted = 0;
  const outcomes: Record<string, number> = {};
  const counted = new Set<string>();
  for (const request of observation.requests) {
    // One token sent twice in a row's list is one request (its events are counted once).
    if (counted.has(request.token)) continue;
    counted.add(request.token);
    const events = byToken.get(request.token) ?? [];
    extraEvents += Math.max(0, events.length - 1);
    if (!request.accepted) {
      if (events.length > 0) answeredUnaccepted++;
      continue;
    }
    accepted++;
    if (events.length === 0) {
      lost++;
      continue;
    }
    const readyAt = firstReadyAt.get(request.group);
    const failedLate = events.some(
      (e) => outcomeOf(e.type) === 'Failed' && readyAt !== undefined && readyAt < position.get(e.id)!,
    );
    if (failedLate) failedAfterReady++;
    if (events.length > 1 || failedLate) continue;
    const only = events[0]!;
    const outcome = outcomeOf(only.type);
    if (request.expect !== undefined && outcome !== request.expect) {
      wrongOutcome++;
      continue;
    }
    answeredOnce++;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }

  let extraSessions = 0;
  for (const group of new Set(observation.requests.map((r) => r.group)))
    extraSessions += Math.max(0, (observation.sessions[group] ?? 0) - 1);
  const replaysAnsweredAsNew = observation.replaysAnsweredAsNew ?? 0;

  return {
    sent: counted.size,
    accepted,
    answeredOnce,
    duplicates: extraSessions + extraEvents + strayEvents + replaysAnsweredAsNew,
    lost,
    serverErrors: observation.serverErrors + observation.dropped,
    vpcCallsFromInvalid: observation.vpcCallsFromInvalid,
    detail: {
      extraSessions,
      extraEvents,
      strayEvents,
      replaysAnsweredAsNew,
      failedAfterReady,
      wrongOutcome,
      answeredUnaccepted,
      outcomes,
    },
  };
}

/** The columns of a row that miss the goal: answered once = accepted, and 0 of everything else. */
export function missedGoals(counts: RowCounts): Column[] {
  const missed: Column[] = [];
  if (counts.answeredOnce !== counts.accepted) missed.push('answeredOnce');
  if (counts.duplicates !== 0) missed.push('duplicates');
  if (counts.lost !== 0) missed.push('lost');
  if (counts.serverErrors !== 0) missed.push('serverErrors');
  if (counts.vpcCallsFromInvalid !== null && counts.vpcCallsFromInvalid !== 0)
    missed.push('vpcCallsFromInvalid');
  return missed;
}

/** Completion events as the bus stores them, reduced to what the tally reads. */
export function seenEvents(events: readonly { id: string; type: string; data?: unknown }[]): SeenEvent[] {
  return events
    .filter((e) => typeof e.type === 'string' && e.type.startsWith(COMPLETION_PREFIX))
    .map((e) => {
      const token = (e.data as { clientToken?: unknown } | null | undefined)?.clientToken;
      return { id: e.id, type: e.type, token: typeof token === 'string' ? token : undefined };
    });
}

/** Live sessions per group, given each session's source ENIs and the group each source ENI belongs to. */
export function sessionsPerGroup(
  sessions: readonly { sourceIds: readonly string[] }[],
  groupOfSource: (source: string) => string | undefined,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const session of sessions) {
    const groups = new Set(session.sourceIds.map(groupOfSource).filter((g): g is string => g !== undefined));
    for (const group of groups) counts[group] = (counts[group] ?? 0) + 1;
  }
  return counts;
}

/** The accepted requests no completion event names (the lost ones), for a row's notes. */
export function unanswered(requests: readonly SentRequest[], events: readonly SeenEvent[]): SentRequest[] {
  const answered = new Set(events.map((e) => e.token));
  return requests.filter((r) => r.accepted && !answered.has(r.token));
}
