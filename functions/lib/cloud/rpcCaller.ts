/**
 * One signed RPC call over `@alicloud/pop-core`: always POST (pop-core puts the signed URL, credentials
 * included, into the messages of failed GETs), a request timeout, the HTTP status checked (pop-core itself
 * resolves a 4xx/5xx body without `Code` as success), and every failure normalised and redacted.
 */
// The RPC client alone: the package's index also loads the ROA client, whose XML parser (xml2js, xmlbuilder,
// sax: 100 KiB of every bundle) RPC calls with JSON responses never use.
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { CloudApiError, normaliseError } from './cloudError.js';
import { type Credentials, secretsOf } from './credentials.js';
import { toWireParams, type WireValue } from './wireParams.js';

export interface RpcCallerOptions {
  endpoint: string;
  apiVersion: string;
  credentials: Credentials;
  timeoutMs: number;
}

export type RpcCaller = (
  action: string,
  params: Readonly<Record<string, WireValue>>,
) => Promise<Record<string, unknown>>;

interface HttpEntry {
  response?: { statusCode?: number };
}

export function createRpcCaller(options: RpcCallerOptions): RpcCaller {
  const { credentials } = options;
  // verbose=true makes pop-core return [body, entry], so the HTTP status of a "successful" body is visible.
  const client = new (
    RPCClient as unknown as new (
      config: object,
      verbose: boolean,
    ) => {
      request(action: string, params: object, opts: object): Promise<unknown>;
    }
  )(
    {
      endpoint: options.endpoint,
      apiVersion: options.apiVersion,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    },
    true,
  );
  const secrets = secretsOf(credentials);
  return async (action, params) => {
    const wire = toWireParams(params);
    let result: unknown;
    try {
      result = await client.request(action, wire, {
        method: 'POST',
        timeout: options.timeoutMs,
        formatParams: false,
        formatAction: false,
      });
    } catch (error) {
      throw normaliseError(error, action, secrets);
    }
    const [body, entry] = result as [Record<string, unknown>, HttpEntry];
    const status = entry?.response?.statusCode;
    if (typeof status === 'number' && status >= 400) {
      throw new CloudApiError({
        code: typeof body?.Code === 'string' ? body.Code : `HttpStatus${status}`,
        message: `the cloud answered HTTP ${status} without an error code`,
        action,
        httpStatus: status,
        requestId: typeof body?.RequestId === 'string' ? body.RequestId : undefined,
      });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new CloudApiError({
        code: 'InvalidResponse',
        message: 'the response body is not a JSON object',
        action,
      });
    }
    return body;
  };
}
