/**
 * FC:InvokeFunction through `@alicloud/fc2`, over HTTP, against an FC endpoint (the local FC host). The
 * function is the last segment of the ARN's `functions/<name>`; FC 3.0 has no services, so a fixed service
 * name is sent on fc2's FC 2.0 path (the local host ignores it).
 */
import FCClient from '@alicloud/fc2';
import type { LocalCredentials } from '../../credentials.js';
import { FlowError } from '../errors.js';

export const LOCAL_FC_SERVICE = 'mirrorflow';

/** `acs:fc:{region}:{uid}:functions/{name}[/{qualifier}]` or the FC 2.0 form `…:services/{svc}[.{q}]/functions/{name}`. */
export function functionNameFromArn(arn: string): string {
  const match = /functions\/([A-Za-z_][A-Za-z0-9_-]{0,63})(?:\/[^/]*)?$/.exec(arn);
  if (!match) throw new FlowError('FC.InvalidArgument', `resourceArn "${arn}" does not name a function`);
  return match[1]!;
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
    timeout: options.timeoutMs ?? 120_000,
  });
  return async (params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const name = functionNameFromArn(String(params.resourceArn ?? ''));
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
    if (errorType) {
      const message =
        typeof data === 'object' && data !== null
          ? String((data as { errorMessage?: unknown }).errorMessage ?? '')
          : String(data);
      throw new FlowError(`FC.${errorType}`, message || `${name} failed`);
    }
    if (invocationType === 'Async') return {};
    if (typeof data === 'string') {
      try {
        return { Body: JSON.parse(data) };
      } catch {
        return { Body: data };
      }
    }
    return { Body: data ?? null };
  };
}
