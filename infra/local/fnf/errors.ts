/**
 * The local CloudFlow (fnf) API's own error table: the codes it answers with and their HTTP statuses, from
 * the CloudFlow reference (cloudflow-fdl.md §9), the platform audit (N8, N9) and the fnf API pages. Kept
 * apart from the product's errorTable.ts so that the local cloud judges on its own. `uncertain` marks a
 * status no source gives; the choice is 400, the status of every business error the fnf API pages list
 * (a non-retryable 4xx: a client that classifies by status never retries it).
 */
export interface FnfErrorRow {
  httpStatus: number;
  source: string;
  uncertain?: true;
}

export const FNF_ERRORS = {
  ExecutionAlreadyExists: {
    httpStatus: 400,
    source:
      'StartExecution page / cloudflow-fdl.md §9 (the code: a same-name execution already ended); audit N8: status not found',
    uncertain: true,
  },
  FlowNotExists: {
    httpStatus: 400,
    source: 'audit N9 (code used by the official devsapp/fnf component); status not found',
    uncertain: true,
  },
  ExecutionNotExists: {
    httpStatus: 400,
    source: 'audit N9: code and status UNVERIFIED (kept as the natural counterpart of FlowNotExists)',
    uncertain: true,
  },
  InvalidArgument: {
    httpStatus: 400,
    source: 'fnf API pages (DescribeFlow error codes: 400 InvalidArgument "Parameter error.")',
  },
  MissingParameter: { httpStatus: 400, source: 'RPC common error (vpc-traffic-mirror-api.md §2.2 [doc])' },
} as const satisfies Record<string, FnfErrorRow>;

export type FnfErrorCode = keyof typeof FNF_ERRORS;

/** The row for a code the fnf API answers with (the API's `fail` reads its HTTP status). */
export function ruleFor(code: string): FnfErrorRow {
  const row = (FNF_ERRORS as Record<string, FnfErrorRow>)[code];
  if (!row) throw new Error(`the local fnf API has no error row for ${code}; add it to fnf/errors.ts`);
  return row;
}
