/**
 * Every error code mirrorflow can meet, classified: `retry` (same ClientToken, backoff, bounded),
 * `terminal` (fail fast with the code, the cloud's message and the hint) or `signal` (not a failure:
 * `DryRunOperation` means the dry run passed). Classification is by `Code`, never by HTTP status, except
 * for codes this table does not know.
 */
export type RetryClass = 'retry' | 'terminal' | 'signal';

export interface ErrorRule {
  retryClass: RetryClass;
  /** The HTTP status the cloud answers with, where documented (the emulator answers with it too). */
  httpStatus: number;
  /** One line for the operator: what it means and what to do. */
  hint: string;
}

const rule = (retryClass: RetryClass, httpStatus: number, hint: string): ErrorRule => ({
  retryClass,
  httpStatus,
  hint,
});

/** The 26 error codes of the CreateTrafficMirrorSession page, in its order. */
export const CREATE_SESSION_ERRORS = {
  'IncorrectBusinessStatus.TrafficMirror': rule(
    'terminal',
    400,
    'Traffic mirroring is in an invalid business state for this account (often an overdue payment); settle it in the billing console.',
  ),
  'OptInRequired.TrafficMirror': rule(
    'terminal',
    400,
    'Traffic mirroring is not activated in this region: run OpenTrafficMirrorService (or `mirrorflow preflight`) once.',
  ),
  'DuplicatedParam.SourceInstanceIds': rule(
    'terminal',
    400,
    'TrafficMirrorSourceIds lists an ENI more than once; list each source once.',
  ),
  'OperationDenied.DuplicateRole': rule(
    'terminal',
    400,
    'An ENI cannot be a mirror source and a mirror target at once; pick another target or take it out of its other sessions.',
  ),
  'ResourceNotFound.NetworkInterface': rule(
    'terminal',
    400,
    'A source or target ENI does not exist in this region and account; check the ENI IDs and RegionId.',
  ),
  'ResourceNotFound.EcsInstance': rule(
    'terminal',
    400,
    'The ECS instance behind an ENI was not found; check that the ENI is attached to a running instance.',
  ),
  'ResourceNotFound.Slb': rule(
    'terminal',
    400,
    'The target SLB instance does not exist in this region; check TrafficMirrorTargetId and RegionId.',
  ),
  'OperationDenied.SlbNotInVpc': rule(
    'terminal',
    400,
    'The target SLB is not in a VPC; use an internal-facing SLB in a VPC with a UDP 4789 listener.',
  ),
  'ResourceNotFound.TrafficMirrorFilter': rule(
    'terminal',
    400,
    'The traffic mirror filter does not exist in this region; check TrafficMirrorFilterId.',
  ),
  'IncorrectStatus.TrafficMirrorFilter': rule(
    'retry',
    400,
    'The filter is being created, modified or deleted; mirrorflow retries, and if it persists check the filter in the console.',
  ),
  'OperationDenied.EcsNotSupportTrafficMirror': rule(
    'terminal',
    400,
    'This ECS instance type does not support traffic mirroring; use a supported family (7th generation or later is recommended).',
  ),
  'QuotaExceeded.SessionNum': rule(
    'terminal',
    400,
    'The region holds the maximum number of sessions (20,000 per account); delete sessions no longer needed.',
  ),
  'QuotaExceeded.FilterRelatedSession': rule(
    'terminal',
    400,
    'The filter already serves its maximum number of sessions (2,000); use another filter.',
  ),
  'QuotaExceeded.SourceNumPerSession': rule(
    'terminal',
    400,
    'Too many sources for one session (10 by default); split the sources across sessions or raise the quota in Quota Center.',
  ),
  'QuotaExceeded.NetworkInterfaceRelatedSession': rule(
    'terminal',
    400,
    'A source ENI is already in 3 sessions, the fixed maximum; remove it from a session it no longer needs.',
  ),
  'QuotaExceeded.SlbRelatedSession': rule(
    'terminal',
    400,
    'The target SLB already serves its maximum number of sessions; use another target.',
  ),
  UnsupportedRegion: rule(
    'terminal',
    400,
    'Traffic mirroring is not available in this region; use a region that offers it.',
  ),
  'InvalidLoadBalancerId.NotFound': rule(
    'terminal',
    400,
    'The target load balancer does not exist; check TrafficMirrorTargetId.',
  ),
  'OperationDenied.FreeNetworkInterface': rule(
    'terminal',
    400,
    'A source ENI is not attached to any ECS instance; attach it first.',
  ),
  'OperationDenied.ClassicSLB': rule(
    'terminal',
    400,
    'A classic-network SLB cannot be a mirror target; use an internal SLB in a VPC.',
  ),
  'ResourceNotFound.TargetInstance': rule(
    'terminal',
    400,
    'The mirror target does not exist; check TrafficMirrorTargetId and TrafficMirrorTargetType.',
  ),
  'QuotaExceeded.SourceNumPerTarget': rule(
    'terminal',
    400,
    'The target receives from its maximum number of sources (20 small / 200 large ECS, 500 SLB); use another target or raise the quota.',
  ),
  'IncorrectStatus.NetworkInterface': rule(
    'retry',
    400,
    'An ENI is changing state (attaching or detaching); mirrorflow retries, and if it persists check the ENI in the console.',
  ),
  'OperationFailed.NotSupportBizType': rule(
    'terminal',
    400,
    'The source or target instance type does not support traffic mirroring.',
  ),
  'IllegalParam.Priority': rule(
    'terminal',
    400,
    'Another session in this region already uses this Priority (or it is out of range); choose another, or omit Priority to let mirrorflow allocate one.',
  ),
  'OperationDenied.UnsupportedTargetType': rule(
    'terminal',
    400,
    'The sources include a NAT gateway ENI, so the target must be an SLB.',
  ),
} as const satisfies Record<string, ErrorRule>;

/** The error code of the ListTrafficMirrorSessions page. */
export const LIST_SESSIONS_ERRORS = {
  'IllegalParam.NextToken': rule(
    'terminal',
    400,
    'The paging token is invalid or expired; start the listing again without NextToken.',
  ),
} as const satisfies Record<string, ErrorRule>;

/** Platform codes every Alibaba Cloud RPC API may answer with (the common error codes of the RPC APIs). */
export const PLATFORM_ERRORS = {
  Throttling: rule(
    'retry',
    400,
    'The API is throttling this account; mirrorflow backs off and retries with the same ClientToken.',
  ),
  'Throttling.Api': rule(
    'retry',
    400,
    'The API-wide rate limit was reached; mirrorflow backs off and retries.',
  ),
  'Throttling.User': rule(
    'retry',
    400,
    'This account exceeded its request rate; mirrorflow backs off and retries.',
  ),
  'Rejected.Throttling': rule(
    'retry',
    400,
    'The request was rejected by flow control; mirrorflow backs off and retries.',
  ),
  ServiceUnavailable: rule(
    'retry',
    503,
    'The service is temporarily unavailable; mirrorflow retries with the same ClientToken.',
  ),
  InternalError: rule(
    'retry',
    500,
    'The service had an internal error; mirrorflow retries with the same ClientToken.',
  ),
  SystemBusy: rule('retry', 503, 'The service is busy; mirrorflow retries.'),
  OperationConflict: rule(
    'retry',
    400,
    'Another operation on the same resource is in progress; mirrorflow retries.',
  ),
  IncorrectStatus: rule('retry', 400, 'A resource involved is changing state; mirrorflow retries.'),
  'IncorrectStatus.TrafficMirrorSession': rule(
    'retry',
    400,
    'The session is changing state; mirrorflow retries once it settles.',
  ),
  'IncorrectStatus.TrafficMirrorRule': rule(
    'retry',
    400,
    'A filter rule is changing state; mirrorflow retries.',
  ),
  LastTokenProcessing: rule(
    'retry',
    403,
    'The first request with this ClientToken is still being processed; mirrorflow retries with the same token.',
  ),
  'OperationFailed.LastTokenProcessing': rule(
    'retry',
    403,
    'The first request with this ClientToken is still being processed; mirrorflow retries.',
  ),
  IdempotentParameterMismatch: rule(
    'terminal',
    400,
    'This idempotency key was already used with other parameters; send the changed request as a new request (new event id or delivery).',
  ),
  DryRunOperation: rule('signal', 400, 'The dry run passed: the request would succeed.'),
  MissingParameter: rule('terminal', 400, 'A required parameter is missing.'),
  InvalidParameter: rule('terminal', 400, 'A parameter has an invalid value.'),
  SignatureDoesNotMatch: rule(
    'terminal',
    400,
    'The request signature does not match: check the AccessKey secret.',
  ),
  IncompleteSignature: rule(
    'terminal',
    400,
    'The request signature is incomplete: check the SDK and its configuration.',
  ),
  'InvalidAccessKeyId.NotFound': rule(
    'terminal',
    404,
    'The AccessKey ID does not exist: check the credentials or the function role.',
  ),
  'InvalidAccessKeyId.Inactive': rule(
    'terminal',
    400,
    'The AccessKey is disabled: enable it or use another.',
  ),
  'Forbidden.AccessKeyDisabled': rule(
    'terminal',
    403,
    'The AccessKey is disabled: enable it or use another.',
  ),
  'InvalidTimeStamp.Format': rule('terminal', 400, 'The request timestamp is malformed.'),
  'InvalidTimeStamp.Expired': rule(
    'terminal',
    400,
    "The request timestamp is more than 15 minutes off; fix the machine's clock.",
  ),
  SignatureNonceUsed: rule('retry', 400, 'The signature nonce was reused; retried with a fresh nonce.'),
  'InvalidAction.NotFound': rule('terminal', 404, 'The API action does not exist for this product version.'),
  'InvalidApi.NotFound': rule('terminal', 404, 'The API does not exist for this product version.'),
  'InvalidVersion.NotFound': rule('terminal', 404, 'The API version does not exist for this product.'),
  'InvalidSecurityToken.Expired': rule(
    'terminal',
    400,
    'The STS token expired: the function role credentials must be refreshed.',
  ),
  'InvalidSecurityToken.Malformed': rule(
    'terminal',
    400,
    'The STS token is malformed: check the credentials.',
  ),
  Forbidden: rule(
    'terminal',
    403,
    'The caller is not allowed to do this: check the RAM policy of the function role.',
  ),
  'Forbidden.RAM': rule(
    'terminal',
    403,
    'RAM denied the call: grant the action to the function role (see infra/ram/).',
  ),
  'Forbidden.NoPermission': rule(
    'terminal',
    403,
    'RAM denied the call: grant the action to the function role (see infra/ram/).',
  ),
  NoPermission: rule(
    'terminal',
    403,
    'RAM denied the call: grant the action to the function role (see infra/ram/).',
  ),
  'Forbidden.RiskControl': rule(
    'terminal',
    403,
    'The call was blocked by risk control; contact Alibaba Cloud support.',
  ),
  'ResourceNotFound.TrafficMirrorSession': rule(
    'terminal',
    400,
    'The traffic mirror session does not exist (it may have been deleted).',
  ),
  // CloudFlow (fnf) codes met by the hand-off to the workflow.
  ExecutionAlreadyExists: rule(
    'signal',
    400,
    'An execution with this name already ran: the hand-off had happened before.',
  ),
  ExecutionNotExists: rule('terminal', 404, 'No execution with this name exists in the flow.'),
  FlowNotExists: rule(
    'terminal',
    404,
    'The CloudFlow flow does not exist: deploy it (s deploy) or check MIRRORFLOW_FLOW_NAME.',
  ),
  InvalidArgument: rule('terminal', 400, 'An argument of the call is invalid.'),
  // Raised by mirrorflow's client when the wire failed before the cloud could answer with a code.
  RequestTimeout: rule('retry', 0, 'The cloud did not answer in time; retried with the same ClientToken.'),
  NetworkError: rule('retry', 0, 'The connection to the cloud failed; retried with the same ClientToken.'),
  InvalidResponse: rule(
    'retry',
    502,
    'The cloud answered with something that is not a valid API response; retried.',
  ),
} as const satisfies Record<string, ErrorRule>;

export const ERROR_TABLE: Readonly<Record<string, ErrorRule>> = {
  ...CREATE_SESSION_ERRORS,
  ...LIST_SESSIONS_ERRORS,
  ...PLATFORM_ERRORS,
};

/**
 * The rule for a code. Unknown codes are terminal unless the cloud answered 5xx, the only statuses its docs
 * call retryable; unknown codes that start like a known family (`Throttling.*`, `IncorrectStatus.*`) follow it.
 */
export function ruleFor(code: string, httpStatus?: number): ErrorRule {
  const known = ERROR_TABLE[code];
  if (known) return known;
  if (code.startsWith('Throttling')) return { ...PLATFORM_ERRORS.Throttling, httpStatus: httpStatus ?? 400 };
  if (code.startsWith('IncorrectStatus.'))
    return { ...PLATFORM_ERRORS.IncorrectStatus, httpStatus: httpStatus ?? 400 };
  if (httpStatus !== undefined && httpStatus >= 500) {
    return rule(
      'retry',
      httpStatus,
      'The cloud answered with a server error; retried with the same ClientToken.',
    );
  }
  return rule(
    'terminal',
    httpStatus ?? 400,
    'An error mirrorflow does not know; read the message and the cloud\'s "Recommend" link.',
  );
}
