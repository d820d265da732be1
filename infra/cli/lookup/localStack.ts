/**
 * What the look-up commands (`sessions`, `status`) read from a running stack, through its public APIs only:
 * the sessions mirrorflow owns (ListTrafficMirrorSessions by its ownership tag), the completion events on the
 * bus, and the session-ready flow's executions (DescribeExecution, GetExecutionHistory).
 */

import { createRpcCaller } from '../../../functions/lib/cloud/rpcCaller.js';
import {
  createVpcClient,
  listAllSessions,
  type TrafficMirrorSession,
} from '../../../functions/lib/cloud/vpcClient.js';
import {
  ORIGIN_TAG_KEY,
  OWNERSHIP_TAG_KEY,
  TICKET_TAG_KEY,
  TOKEN_TAG_KEY,
} from '../../../functions/lib/contract/sessionTags.js';
import { expiresAt as expiresAtOf } from '../../../functions/lib/steps/expiry.js';
import { originEntry } from '../../../functions/lib/steps/reconcilePlan.js';
import type { StoredEvent } from '../../local/eventbridge/bus.js';

const expiryOf = (s: TrafficMirrorSession) => {
  const at = expiresAtOf(s);
  return at === undefined ? null : new Date(at).toISOString();
};

import type { Endpoints } from '../endpoints.js';

export const COMPLETION_PREFIX = 'mirrorflow:TrafficMirrorSession:';

export interface OwnedSession {
  id: string;
  status: string;
  enabled: boolean;
  sources: string[];
  target: string;
  filter: string;
  priority: number;
  name: string | null;
  clientToken: string | null;
  /**
   * Which trigger created it: its `mirrorflow-origin` tag, or for sessions older than that tag its token
   * (`mf-ev-…` event, `mf-wh-…` webhook, `mf-rc-…` reconcile).
   */
  origin: 'event' | 'webhook' | 'reconcile' | 'caller token' | 'unknown';
  /** The desired-state entry reconcile created it for, or null. */
  entry: string | null;
  /** Its `mirrorflow-ticket` tag, or null. */
  ticket: string | null;
  correlation: Record<string, string>;
  outcome: string | null;
  /** When the scheduled run withdraws it (its mirrorflow-expiry tag), or null. */
  expiresAt: string | null;
}

const ORIGINS = { 'mf-ev-': 'event', 'mf-wh-': 'webhook', 'mf-rc-': 'reconcile' } as const;

export function originOf(token: string | null, originTag?: string): OwnedSession['origin'] {
  if (originTag === 'event' || originTag === 'webhook') return originTag;
  if (originTag?.startsWith('reconcile.')) return 'reconcile';
  if (!token) return 'unknown';
  const prefix = Object.keys(ORIGINS).find((p) => token.startsWith(p)) as keyof typeof ORIGINS | undefined;
  return prefix ? ORIGINS[prefix] : 'caller token';
}

const credentialsOf = (endpoints: Endpoints) => ({
  accessKeyId: endpoints.accessKeyId,
  accessKeySecret: endpoints.accessKeySecret,
});

export async function completionEvents(endpoints: Endpoints): Promise<StoredEvent[]> {
  const all = (await (await fetch(`${endpoints.eventbridge}/events`)).json()) as StoredEvent[];
  return all.filter((e) => String(e.type).startsWith(COMPLETION_PREFIX));
}

interface EventData {
  clientToken?: string;
  outcome?: string;
  reason?: string;
  correlation?: Record<string, string>;
  sessionId?: string | null;
}
export const dataOf = (e: StoredEvent) => (e.data ?? {}) as EventData;

export async function ownedSessions(endpoints: Endpoints, regionId: string): Promise<OwnedSession[]> {
  const vpc = createVpcClient({ regionId, endpoint: endpoints.vpc, credentials: credentialsOf(endpoints) });
  const events = await completionEvents(endpoints);
  const found: OwnedSession[] = [];
  for await (const s of listAllSessions(vpc, { RegionId: regionId, Tags: [{ Key: OWNERSHIP_TAG_KEY }] }))
    found.push(describeOwned(s, events));
  return found;
}

function describeOwned(s: TrafficMirrorSession, events: StoredEvent[]): OwnedSession {
  const tag = (key: string) => s.Tags.find((t) => t.Key === key)?.Value ?? null;
  const token = tag(TOKEN_TAG_KEY);
  const originTag = tag(ORIGIN_TAG_KEY);
  const last = events.filter((e) => token !== null && dataOf(e).clientToken === token).at(-1);
  return {
    id: s.TrafficMirrorSessionId,
    status: s.TrafficMirrorSessionStatus,
    enabled: s.Enabled,
    sources: s.TrafficMirrorSourceIds,
    target: s.TrafficMirrorTargetId,
    filter: s.TrafficMirrorFilterId,
    priority: s.Priority,
    name: s.TrafficMirrorSessionName || null,
    clientToken: token,
    origin: originOf(token, originTag ?? undefined),
    entry: originEntry(s) ?? null,
    ticket: tag(TICKET_TAG_KEY),
    correlation: last ? (dataOf(last).correlation ?? {}) : {},
    outcome: last ? (dataOf(last).outcome ?? null) : null,
    expiresAt: expiryOf(s),
  };
}

/** CloudFlow calls with the stack's key (DescribeExecution, GetExecutionHistory). */
export function flowCaller(endpoints: Endpoints) {
  return createRpcCaller({
    endpoint: endpoints.fnf,
    apiVersion: '2019-03-15',
    credentials: credentialsOf(endpoints),
    timeoutMs: 10_000,
  });
}
