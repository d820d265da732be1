/**
 * The RPC server core of the local cloud: Alibaba Cloud RPC over HTTP (`Action` + `Version`, parameters in
 * the query or a form body), authenticated (`authenticate.ts`), authorised by RAM (the service's
 * `authorize` hook), and answered in the cloud's shapes. Services (VPC, CloudFlow, EventBridge) only
 * supply actions.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { detachedValues } from '../detachedString.js';
import { HttpError, readBody, sendJson } from '../http.js';
import { createAuthenticator } from './authenticate.js';
import { RpcError } from './errors.js';

export interface RpcCredential {
  accessKeySecret: string;
  /** Set for STS credentials: requests must carry this SecurityToken. */
  securityToken?: string;
}

export interface RpcCall {
  action: string;
  params: Record<string, string>;
  requestId: string;
  accessKeyId: string;
  signatureVersion: 'v1' | 'v3';
}

export type RpcAction = (call: RpcCall) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface RpcService {
  /** Product code, for the Recommend link (e.g. `Vpc`, `fnf`). */
  product: string;
  version: string;
  /** Shown as `HostId` in errors, as the cloud does. */
  hostId: string;
  actions: Readonly<Record<string, RpcAction>>;
}

export interface CallRecord {
  time: string;
  action: string;
  code: string;
  httpStatus: number;
  durationMs: number;
  requestId: string;
  signatureVersion?: 'v1' | 'v3';
  /** Names (never values) of the operation parameters, e.g. to tell a List by ids from a List by source. */
  paramNames?: string[];
  /** Who called (the AccessKey ID, never the secret). */
  accessKeyId?: string;
}

export interface RpcEndpointOptions {
  credentials: (accessKeyId: string) => RpcCredential | undefined;
  /** Wall-clock time for timestamp checks (signatures are wall-clock even when cloud time is scaled). */
  now?: () => number;
  maxClockSkewMs?: number;
  nonceTtlMs?: number;
  maxBodyBytes?: number;
  /** RAM: throws the service's denial (an RpcError) when the caller may not run the call. */
  authorize?: (call: RpcCall) => void;
  onCall?: (record: CallRecord) => void;
}

async function readRpcBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await readBody(req, limit);
  } catch (error) {
    if (error instanceof HttpError) throw new RpcError('RequestTooLarge', error.message, 413);
    throw error;
  }
}

export { sendJson } from '../http.js';

export function createRpcEndpoint(service: RpcService, options: RpcEndpointOptions) {
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const authenticate = createAuthenticator(service, options);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = now();
    const requestId = randomUUID().toUpperCase();
    let action = '(unknown)';
    let signatureVersion: 'v1' | 'v3' | undefined;
    let paramNames: string[] | undefined;
    let caller: string | undefined;
    const finish = (status: number, code: string, body: Record<string, unknown>) => {
      sendJson(res, status, body);
      options.onCall?.({
        time: new Date(started).toISOString(),
        action,
        code,
        httpStatus: status,
        durationMs: now() - started,
        requestId,
        ...(signatureVersion ? { signatureVersion } : {}),
        ...(paramNames ? { paramNames } : {}),
        ...(caller ? { accessKeyId: caller } : {}),
      });
    };
    try {
      const body = await readRpcBody(req, maxBody);
      const url = new URL(req.url ?? '/', 'http://local');
      const query = detachedValues(Object.fromEntries(url.searchParams));
      const contentType = String(req.headers['content-type'] ?? '');
      const form =
        body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded')
          ? detachedValues(Object.fromEntries(new URLSearchParams(body.toString('utf8'))))
          : {};
      const authorization = req.headers.authorization;
      const method = (req.method ?? 'GET').toUpperCase();
      let call: RpcCall;
      if (authorization?.startsWith('ACS3-')) {
        signatureVersion = 'v3';
        call = authenticate.v3(req, authorization, query, form, body);
      } else {
        signatureVersion = 'v1';
        call = authenticate.v1(method, { ...query, ...form });
      }
      action = call.action;
      paramNames = Object.keys(call.params).sort();
      caller = call.accessKeyId;
      call.requestId = requestId;
      const handler = Object.hasOwn(service.actions, call.action) ? service.actions[call.action] : undefined;
      if (!handler)
        throw new RpcError(
          'InvalidAction.NotFound',
          `Specified api is not found, please check your url and method.`,
          404,
        );
      options.authorize?.(call);
      const result = await handler(call);
      finish(200, 'OK', { RequestId: requestId, ...result });
    } catch (error) {
      const rpc =
        error instanceof RpcError
          ? error
          : new RpcError(
              'InternalError',
              'The request processing has failed due to some unknown error.',
              500,
            );
      if (!(error instanceof RpcError)) console.error('local cloud: unexpected error in', action, error);
      finish(rpc.httpStatus, rpc.code, {
        RequestId: requestId,
        HostId: service.hostId,
        Code: rpc.code,
        Message: rpc.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(rpc.code)}&product=${service.product}&requestId=${requestId}`,
        ...rpc.extra,
      });
    }
  };
}
