/**
 * The limits of the session APIs and the names of mirrorflow's own tags, apart from the request schemas
 * (request.ts): a function that only carries requests (check-status, dead-letter) reads these without building
 * every schema when it loads.
 */

/** Limits from the CreateTrafficMirrorSession and ListTrafficMirrorSessions pages (seeds). */
export const LIMITS = {
  nameLength: { min: 1, max: 128 },
  descriptionLength: { min: 1, max: 256 },
  priority: { min: 1, max: 32766 },
  virtualNetworkId: { min: 0, max: 16777215 },
  packetLength: { min: 64, max: 9600 },
  tagsPerResource: 20,
  tagKeyLength: 128,
  tagValueLength: 128,
  clientTokenLength: 64,
  sourcesPerSession: 10,
  listMaxResults: { min: 1, max: 100, default: 10 },
  listSessionIds: 100,
  correlationEntries: 20,
  correlationKeyLength: 64,
  correlationValueLength: 256,
} as const;

/** The tag mirrorflow puts on every session it creates, so reconciliation only touches its own. */
export const OWNERSHIP_TAG_KEY = 'mirrorflow-owner';
/** The ClientToken a session was created with, so a replayed request recognises its own session. */
export const TOKEN_TAG_KEY = 'mirrorflow-token';
/** When the session is to be withdrawn: `at:<RFC 3339>` or `after:<seconds from its creation>`. */
export const EXPIRY_TAG_KEY = 'mirrorflow-expiry';
/**
 * Where the session came from: `reconcile.<entry name>` for a desired-state entry (reconcile prunes those when
 * the entry goes), the trigger kind (`event`, `webhook`) for an ad-hoc request (never pruned).
 */
export const ORIGIN_TAG_KEY = 'mirrorflow-origin';
/** The ticket of the request (its correlation's `ticket`), so a resolved ticket withdraws its sessions. */
export const TICKET_TAG_KEY = 'mirrorflow-ticket';
export const RESERVED_TAG_KEYS: readonly string[] = [
  OWNERSHIP_TAG_KEY,
  TOKEN_TAG_KEY,
  EXPIRY_TAG_KEY,
  ORIGIN_TAG_KEY,
  TICKET_TAG_KEY,
];
/**
 * A value ListTrafficMirrorSessions can filter on (`Tags.N.Value`: empty, or a letter then letters, digits,
 * `.`, `_`, `-`); a ticket that is not one is not tagged, since it could never be looked up.
 */
export const LIST_TAG_VALUE = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/;
/** A Correlation key: a letter, then letters, digits, `.`, `_` and `-`. */
export const CORRELATION_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;
