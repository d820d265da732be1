/**
 * The tags mirrorflow puts on the sessions it creates, and which tag values a List can filter on: apart from
 * the request schemas (request.ts), so a function that only reads tags does not build them when it loads.
 */

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
