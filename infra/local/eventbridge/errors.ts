/**
 * EventBridge's error codes and statuses, as the local service answers them. Control plane (RPC): the
 * service's error-code page (https://www.alibabacloud.com/help/en/eventbridge/error-codes) and the codes
 * terraform-provider-alicloud matches (EventBusNotExist, EventRuleNotExisted); data plane (PutEvents): the
 * SDK reads lower-case `code`, `message`, `requestId` (aliyun/alibabacloud-eventbridge-sdk). Statuses the
 * pages do not give are marked; mirrorflow classifies by code.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http.js';
import { RpcError } from '../rpc/errors.js';

export const EVENTBRIDGE_ERRORS = {
  MissingParameter: 400,
  InvalidArgument: 400,
  InvalidContentMD5: 400,
  InvalidAuthorization: 401,
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  InvalidSecurityToken: 403,
  SignatureDoesNotMatch: 403,
  SignatureNonceUsed: 403,
  RequestTimeTooSkewed: 403,
  /** Uncertain: terraform sees it in a transport-successful reply; 404 is the conservative reading. */
  EventBusNotExist: 404,
  EventRuleNotExisted: 404,
  /** Uncertain status. */
  EventBusAlreadyExist: 409,
  EventRuleAlreadyExisted: 409,
  /** "The request is denied by flow limiter for too many requests." (the error-code page). */
  TooManyRequests: 429,
  /** Uncertain: the page lists no server error; the platform's common one. */
  InternalError: 500,
} as const;

export type EventBridgeErrorCode = keyof typeof EVENTBRIDGE_ERRORS;

/** A control-plane error, answered through the RPC core. */
export function eventBridgeError(code: EventBridgeErrorCode, message: string): RpcError {
  return new RpcError(code, message, EVENTBRIDGE_ERRORS[code]);
}

/** A data-plane error, in the data plane's own shape. */
export function sendDataPlaneError(res: ServerResponse, code: EventBridgeErrorCode, message: string): void {
  sendJson(res, EVENTBRIDGE_ERRORS[code], { code, message, requestId: randomUUID().toUpperCase() });
}
