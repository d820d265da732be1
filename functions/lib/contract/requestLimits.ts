/**
 * The limits of the session APIs and of a request's Correlation, apart from the request schemas (request.ts):
 * a function that only carries requests (check-status, dead-letter) reads them without building every schema
 * when it loads.
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

/** A Correlation key: a letter, then letters, digits, `.`, `_` and `-`. */
export const CORRELATION_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;
