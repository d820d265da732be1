/**
 * Synchronous invocations through FC 3.0's own SDK, `@alicloud/fc20230330` (`POST
 * /2023-03-30/functions/<name>/invocations`, ACS3-signed): mirrorflow's functions are FC 3.0 functions, and
 * whether fc2's 2.0 paths reach them is not documented.
 */
import { Readable } from 'node:stream';
import Fc3Module, * as $Fc3 from '@alicloud/fc20230330';
import * as $OpenApi from '@alicloud/openapi-core';
import type { Credentials } from '../../functions/lib/cloud/credentials.js';
import type { Invoke } from './codeCaches.js';

type Fc3Client = {
  invokeFunction(name: string, request: $Fc3.InvokeFunctionRequest): Promise<$Fc3.InvokeFunctionResponse>;
};

/** The FC 3.0 endpoint of an account in a region (`<account>.<region>.fc.aliyuncs.com`), or a local one. */
export function fc3Endpoint(o: { accountId: string; region: string } | { url: string }): {
  endpoint: string;
  protocol: 'https' | 'http';
} {
  if ('url' in o) {
    const url = new URL(o.url);
    return { endpoint: url.host, protocol: url.protocol === 'http:' ? 'http' : 'https' };
  }
  return { endpoint: `${o.accountId}.${o.region}.fc.aliyuncs.com`, protocol: 'https' };
}

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream ?? []) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export function fc3Invoker(o: {
  endpoint: string;
  protocol: 'https' | 'http';
  region: string;
  credentials: Credentials;
}): Invoke {
  // The package is CommonJS with its class as `default`; under ESM the module object may be that class itself.
  const Client = ((Fc3Module as unknown as { default?: unknown }).default ?? Fc3Module) as new (
    config: $OpenApi.$OpenApiUtil.Config,
  ) => Fc3Client;
  const client = new Client(
    new $OpenApi.$OpenApiUtil.Config({
      accessKeyId: o.credentials.accessKeyId,
      accessKeySecret: o.credentials.accessKeySecret,
      ...(o.credentials.securityToken ? { securityToken: o.credentials.securityToken } : {}),
      endpoint: o.endpoint,
      protocol: o.protocol,
      regionId: o.region,
      // A cold start of the function, and its answer: well within a minute.
      readTimeout: 60_000,
    }),
  );
  return async (name, event) => {
    try {
      const response = await client.invokeFunction(
        name,
        new $Fc3.InvokeFunctionRequest({ body: Readable.from([event]) }),
      );
      const body = await readAll(response.body);
      // A function's own error comes with HTTP 200 and its type in a header (FC's invoke API).
      const errorType = response.headers?.['x-fc-error-type'];
      if (errorType) return { ok: false, error: `${errorType}: ${body.toString('utf8').slice(0, 300)}` };
      return { ok: true, body };
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return { ok: false, error: `${e.code ?? 'Error'}: ${e.message ?? String(error)}` };
    }
  };
}
