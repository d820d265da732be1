/**
 * FC:InvokeFunction through `@alicloud/fc2`, over HTTP, against an FC endpoint (the local FC host). The
 * function is named by the ARN; FC 3.0 has no services, so a fixed service name is sent on fc2's FC 2.0 path
 * (the local host ignores it).
 *
 * Errors reach the flow as the cloud reports them:
 * - a non-2xx answer from FC is `FC.{ErrorCode}` (CloudFlow error handling, "FC.{ErrorCode}: Function
 *   Compute returned an HTTP code other than 200": https://help.aliyun.com/document_detail/2500862.html);
 * - an error thrown by the function comes back with HTTP 200, header `x-fc-error-type:
 *   UnhandledInvocationError` and body `{errorMessage, errorType}`
 *   (https://www.alibabacloud.com/help/pt-br/functioncompute/fc/error-handling-nodejs). No CloudFlow page
 *   names the error a flow sees for it; the error-handling page's Retry/Catch examples match the function's
 *   own error type (`MyCustomError`), so the Code is the body's `errorType` (e.g. `Error`) and the Detail
 *   its `errorMessage`. Flows must not depend on this naming: retry function errors with `FnF.ALL`.
 */
import FCClient from '@alicloud/fc2';
import type { LocalCredentials } from '../../credentials.js';
import { ASSUMPTIONS } from '../assumptions.js';
import { FlowError } from '../errors.js';

export const LOCAL_FC_SERVICE = 'mirrorflow';

export interface FunctionArn {
  /** Empty when the ARN leaves it out (`acs:fc:::…`): the flow's own region/account is meant. */
  region: string;
  accountId: string;
  name: string;
  /** `LATEST`, a version or an alias; undefined when the ARN names none. */
  qualifier: string | undefined;
}

const NAME = '[A-Za-z_][A-Za-z0-9_-]{0,63}';
// FC 3.0: acs:fc:{region}:{account}:functions/{name}[/{qualifier}]
// (e.g. acs:fc:cn-shanghai:${ALIUID}:functions/${NAME}/LATEST in an Alibaba-authored CloudFlow + FC 3.0 flow).
const FC3 = new RegExp(`^acs:fc:([a-z0-9-]*):(\\d*):functions/(${NAME})(?:/([A-Za-z0-9_.-]+))?$`);
// FC 2.0, the form the CloudFlow FC page shows: acs:fc:{region}:{account}:services/{svc}[.{q}]/functions/{name}
const FC2 = new RegExp(
  `^acs:fc:([a-z0-9-]*):(\\d*):services/[A-Za-z_][A-Za-z0-9_-]*(?:\\.([A-Za-z0-9_-]+))?/functions/(${NAME})$`,
);

/** Parses a function ARN (FC 3.0 or FC 2.0 form); a malformed one fails the Task with FC.InvalidArgument. */
export function parseFunctionArn(arn: string): FunctionArn {
  const fc3 = FC3.exec(arn);
  if (fc3) return { region: fc3[1]!, accountId: fc3[2]!, name: fc3[3]!, qualifier: fc3[4] };
  const fc2 = FC2.exec(arn);
  if (fc2) return { region: fc2[1]!, accountId: fc2[2]!, name: fc2[4]!, qualifier: fc2[3] };
  throw new FlowError('FC.InvalidArgument', `resourceArn "${arn}" does not name a function`);
}

/**
 * The function, if the ARN points into this stack's region and account. An ARN for another region or account
 * fails the Task as the cloud would fail it: the function does not exist in the region CloudFlow calls, and the
 * flow's role cannot invoke another account's functions. (The two codes are local choices in the documented
 * `FC.{ErrorCode}` form; a flow should catch them with FnF.ALL.)
 */
export function resolveFunction(arn: string, stack: { region: string; accountId: string }): string {
  const parsed = parseFunctionArn(arn);
  if (parsed.region && parsed.region !== stack.region) {
    throw new FlowError(
      'FC.FunctionNotFound',
      `resourceArn "${arn}" names region ${parsed.region}, but this flow runs in ${stack.region}`,
    );
  }
  if (parsed.accountId && parsed.accountId !== stack.accountId) {
    throw new FlowError(
      'FC.AccessDenied',
      `resourceArn "${arn}" names account ${parsed.accountId}, but this flow runs in account ${stack.accountId}`,
    );
  }
  return parsed.name;
}

/** The flow error for a function that threw (HTTP 200 with x-fc-error-type). */
export function functionError(name: string, data: unknown): FlowError {
  const body = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const type = typeof body.errorType === 'string' && body.errorType ? body.errorType : 'Error';
  const message =
    typeof body.errorMessage === 'string' && body.errorMessage
      ? body.errorMessage
      : typeof data === 'string' && data
        ? data
        : `${name} failed`;
  return new FlowError(type, message);
}

export interface FcInvokerOptions {
  endpoint: string;
  accountId: string;
  region: string;
  credentials: LocalCredentials;
  timeoutMs?: number;
}

export function createFcInvoker(options: FcInvokerOptions) {
  const client = new FCClient(options.accountId, {
    accessKeyID: options.credentials.accessKeyId,
    accessKeySecret: options.credentials.accessKeySecret,
    ...(options.credentials.securityToken ? { securityToken: options.credentials.securityToken } : {}),
    region: options.region,
    endpoint: options.endpoint,
    // A Sync invocation lasts as long as the function runs: the local FC ends it at the function's own
    // timeout (at most FC's 86,400 s), so the client waits longer than any function may.
    timeout: options.timeoutMs ?? (86_400 + 60) * 1000,
  });
  return async (params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const name = resolveFunction(String(params.resourceArn ?? ''), options);
    const invocationType = params.invocationType === 'Async' ? 'Async' : 'Sync';
    const body =
      params.body === undefined
        ? ''
        : typeof params.body === 'string'
          ? params.body
          : JSON.stringify(params.body);
    let response: Awaited<ReturnType<FCClient['invokeFunction']>>;
    try {
      response = await client.invokeFunction(LOCAL_FC_SERVICE, name, body, {
        'x-fc-invocation-type': invocationType,
      });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      throw new FlowError(`FC.${e.code ?? 'Unknown'}`, e.message ?? 'the FC invocation failed');
    }
    const errorType = response.headers['x-fc-error-type'];
    const data = response.data;
    if (errorType) throw functionError(name, data);
    if (invocationType === 'Async') return {};
    if (typeof data === 'string') {
      try {
        return { [ASSUMPTIONS.fcOutputKey]: JSON.parse(data) };
      } catch {
        return { [ASSUMPTIONS.fcOutputKey]: data };
      }
    }
    return { [ASSUMPTIONS.fcOutputKey]: data ?? null };
  };
}
