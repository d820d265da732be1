/**
 * The VPC emulator's own error table: every code it answers with, with the HTTP status and message the cloud
 * uses. It is built from the API pages (shared/seeds) and the API reference (vpc-traffic-mirror-api.md), never
 * from the product's errorTable.ts: an emulator that borrowed the product's table could never disagree with
 * it, so a wrong row there would pass every test. Each row names its source; `uncertain` marks a status the
 * sources do not give for VPC, where the conservative choice is a non-retryable 4xx (a client that classifies
 * by status then never retries a request the cloud would keep refusing).
 *
 * Fault-injected codes (Throttling*, ServiceUnavailable, InternalError) live with the injector (faults.ts);
 * authentication codes live with the RPC server core.
 */
import { RpcError } from '../rpc/errors.js';

export interface VpcErrorRow {
  httpStatus: number;
  /** The cloud's message; `%s` is filled with the detail (an id, a parameter name). */
  message: string;
  source: string;
  /** The status is not documented for VPC; the value is the conservative guess. */
  uncertain?: true;
}

const CREATE_PAGE = 'seed 000 (CreateTrafficMirrorSession), error codes';
const LIST_PAGE = 'seed 004 (ListTrafficMirrorSessions), error codes';
const row = (httpStatus: number, message: string, source: string, uncertain = false): VpcErrorRow => ({
  httpStatus,
  message,
  source,
  ...(uncertain ? { uncertain: true as const } : {}),
});
const create = (message: string) => row(400, message, CREATE_PAGE);

export const VPC_ERRORS = {
  // The 26 codes of the CreateTrafficMirrorSession page, in its order: all HTTP 400, messages verbatim.
  'IncorrectBusinessStatus.TrafficMirror': create('The business status of traffic mirror is incorrect.'),
  'OptInRequired.TrafficMirror': create('You need to subscribe to the traffic mirror service first.'),
  'DuplicatedParam.SourceInstanceIds': create(
    'The parameter of source instance IDs contains duplicate values.',
  ),
  'OperationDenied.DuplicateRole': create(
    'The network interface must not be the source and the target of traffic mirror sessions at the same time.',
  ),
  'ResourceNotFound.NetworkInterface': create('The specified resource of %s is not found.'),
  'ResourceNotFound.EcsInstance': create('The specified resource of ECS instance is not found.'),
  'ResourceNotFound.Slb': create('The specified resource of SLB is not found.'),
  'OperationDenied.SlbNotInVpc': create('The specified SLB is not in any VPC.'),
  'ResourceNotFound.TrafficMirrorFilter': create(
    'The specified resource of traffic mirror filter is not found.',
  ),
  'IncorrectStatus.TrafficMirrorFilter': create('The status of traffic mirror filter is incorrect.'),
  'OperationDenied.EcsNotSupportTrafficMirror': create(
    'The ECS instance does not support traffic mirroring.',
  ),
  'QuotaExceeded.SessionNum': create('The quota of the number of traffic mirror sessions is exceeded.'),
  'QuotaExceeded.FilterRelatedSession': create(
    'The quota of the number of traffic mirror sessions related to one filter is exceeded.',
  ),
  'QuotaExceeded.SourceNumPerSession': create(
    'The quota of the number of traffic mirror sources per session is exceeded.',
  ),
  'QuotaExceeded.NetworkInterfaceRelatedSession': create(
    'The quota of the number of traffic mirror sessions related to one network interface is exceeded.',
  ),
  'QuotaExceeded.SlbRelatedSession': create(
    'The quota of the number of traffic mirror sessions related to one SLB is exceeded.',
  ),
  UnsupportedRegion: create('The feature is not supported in current region.'),
  'InvalidLoadBalancerId.NotFound': create('The specified resource of load balancer is not found.'),
  'OperationDenied.FreeNetworkInterface': create(
    'The network interface is not attached to any ECS instance.',
  ),
  'OperationDenied.ClassicSLB': create('The operation is not allowed because of ClassicSLB.'),
  'ResourceNotFound.TargetInstance': create(
    'The specified target instance for traffic mirroring is not found.',
  ),
  'QuotaExceeded.SourceNumPerTarget': create(
    'The maximum number of traffic mirror sources for a target is exceeded.',
  ),
  'IncorrectStatus.NetworkInterface': create('The status of network interface is incorrect.'),
  'OperationFailed.NotSupportBizType': create('The specified instance type does not support the operation.'),
  'IllegalParam.Priority': create(
    'The specified Priority is illegal or the same as other mirroring sessions.',
  ),
  'OperationDenied.UnsupportedTargetType': create(
    'Traffic mirror target must be SLB if traffic mirror sources contain nat gateway network interface.',
  ),

  // The one code of the ListTrafficMirrorSessions page.
  'IllegalParam.NextToken': row(400, 'The specified NextToken is invalid.', LIST_PAGE),

  // ClientToken and DryRun (reference §1, §2.2). The messages are the wording other Alibaba Cloud RPC APIs
  // use for these codes; VPC's own wording is not documented.
  IdempotentParameterMismatch: row(
    400,
    'The request uses the same client token as a previous, but non-identical request.',
    'reference §1 and §2.2: HTTP 400 in the ECS idempotence list (not on a VPC page)',
  ),
  LastTokenProcessing: row(
    403,
    'The last token request is processing.',
    'reference §1 and §2.2: HTTP 403 for ECS; VPC status undocumented (retryable by code either way)',
    true,
  ),
  DryRunOperation: row(
    400,
    'Request validation has been passed with DryRun flag set.',
    'reference §2.2 [doc]: HTTP 400 although the dry run passed',
  ),

  // Delete and the service opt-in (reference §2.2, §3); statuses undocumented: 4xx, never 5xx.
  'ResourceNotFound.TrafficMirrorSession': row(
    400,
    'The specified resource of traffic mirror session is not found.',
    'reference §2.2 [tf] (code seen by Terraform; status undocumented, 400 like the ResourceNotFound.* rows of seed 000)',
    true,
  ),
  'IncorrectStatus.TrafficMirrorSession': row(
    400,
    'The status of traffic mirror session is incorrect.',
    'reference §2.2 [tf][sdk] ("likely 400", like IncorrectStatus.TrafficMirrorFilter of seed 000)',
    true,
  ),
  'ORDER.OPEND': row(
    400,
    'The service has been opened.',
    'reference §2.2 and §3 [tf] (Terraform treats it as "already opened"; status undocumented)',
    true,
  ),

  // Request checks every RPC API makes (reference §2.2 [doc]).
  MissingParameter: row(
    400,
    'The input parameter "%s" that is mandatory for processing this request is not supplied.',
    'reference §2.2 [doc]',
  ),
  InvalidParameter: row(400, 'The specified parameter "%s" is not valid.', 'reference §2.2 [doc]'),
} as const satisfies Record<string, VpcErrorRow>;

export type VpcErrorCode = keyof typeof VPC_ERRORS;

/** The row's message with `%s` filled in (the cloud echoes the offending id or parameter name there). */
export function vpcMessage(code: VpcErrorCode, detail?: string): string {
  const { message } = VPC_ERRORS[code];
  return message.includes('%s') ? message.replace('%s', detail ?? 'resource') : message;
}

/** The error the emulator answers with for a code: the table's status and message, with an optional reason. */
export function vpcError(code: VpcErrorCode, detail?: string, reason?: string): RpcError {
  const message = vpcMessage(code, detail);
  return new RpcError(
    code,
    reason ? `${message.replace(/\.$/, '')}: ${reason}.` : message,
    VPC_ERRORS[code].httpStatus,
  );
}
