/**
 * The FC API's errors, as the local host answers them: `{ErrorCode, ErrorMessage}` with the status FC's
 * error-code table gives (https://www.alibabacloud.com/help/en/functioncompute/error-codes; the same codes for
 * FC 2.0, https://alibabacloud.com/help/doc-detail/52736.htm), the request id in `x-fc-request-id`.
 * `@alicloud/fc2` turns them into errors named `FC<ErrorCode>Error` with `code` = ErrorCode.
 */
import type { ServerResponse } from 'node:http';

export const FC_ERRORS = {
  InvalidArgument: 400,
  AccessDenied: 403,
  InvalidAccessKeyID: 403,
  SignatureNotMatch: 403,
  RequestTimeTooSkewed: 403,
  FunctionNotFound: 404,
  TriggerNotFound: 404,
  PathNotFound: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  /**
   * Throttled: too many invocations at once. CloudFlow names it FC.ResourceThrottled ("your function is
   * throttled for too high a concurrency", its FDL error page); FC's async retry page has 429 retried for up to
   * 5 hours. (An older FC table gives it 503; CloudFlow and mirrorflow go by the code.)
   */
  ResourceThrottled: 429,
  ServiceUnavailable: 503,
} as const;

export type FcErrorCode = keyof typeof FC_ERRORS;

function sendError(res: ServerResponse, code: FcErrorCode, requestId: string, body: object): void {
  res.writeHead(FC_ERRORS[code], { 'content-type': 'application/json', 'x-fc-request-id': requestId });
  res.end(JSON.stringify(body));
}

export function sendFcError(
  res: ServerResponse,
  code: FcErrorCode,
  message: string,
  requestId: string,
): void {
  sendError(res, code, requestId, { ErrorCode: code, ErrorMessage: message });
}

/**
 * The same errors as the FC 3.0 API (`/2023-03-30/...`) answers them: its Error structure, `{Code, Message,
 * RequestId}` (https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-struct-error), same statuses.
 */
export function sendFc3Error(
  res: ServerResponse,
  code: FcErrorCode,
  message: string,
  requestId: string,
): void {
  sendError(res, code, requestId, { Code: code, Message: message, RequestId: requestId });
}
