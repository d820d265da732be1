/**
 * A handler served on an FC 3.0 custom runtime: FC sends each event invocation as `POST /invoke` (the event
 * as the body, the context in `x-fc-*` headers) to the port in FC_CUSTOM_LISTEN_PORT (customRuntimeConfig.port,
 * 9000 by default), and reads `x-fc-status` (200 succeeded, 404 failed) with the result or the error as the
 * body. The same `(event, context)` handler runs as on a built-in runtime, so a function can be deployed
 * either way; on a custom runtime one process takes `instanceConcurrency` invocations at once.
 * Sources: https://www.alibabacloud.com/help/en/function-compute/latest/custom-runtime-event-functions,
 * https://www.alibabacloud.com/help/en/fc/user-guide/specification-details (headers).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { FcContext } from './runtime.js';

export type EventHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The FC 3.0 context the built-in runtime would hand the handler, from FC's headers. */
export function contextFromHeaders(headers: IncomingHttpHeaders): FcContext {
  return {
    requestId: header(headers, 'x-fc-request-id') ?? '',
    credentials: {
      accessKeyId: header(headers, 'x-fc-access-key-id') ?? '',
      accessKeySecret: header(headers, 'x-fc-access-key-secret') ?? '',
      securityToken: header(headers, 'x-fc-security-token') ?? '',
    },
    ...(header(headers, 'x-fc-region') ? { region: header(headers, 'x-fc-region')! } : {}),
    ...(header(headers, 'x-fc-account-id') ? { accountId: header(headers, 'x-fc-account-id')! } : {}),
    function: { name: header(headers, 'x-fc-function-name') ?? '' },
  };
}

function answer(res: ServerResponse, succeeded: boolean, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(succeeded ? 200 : 404, {
    'content-type': 'application/json',
    'x-fc-status': succeeded ? '200' : '404',
  });
  res.end(text);
}

/**
 * Serves the handler, listening on every interface as FC requires of a custom runtime's server (0.0.0.0:CAPort
 * or *:CAPort; the local cloud refuses a loopback-only one, infra/local/fc/customRuntime.ts). With no host,
 * Node listens on `::` with IPv4 taken too (libuv clears IPV6_V6ONLY), or on 0.0.0.0 where there is no IPv6;
 * naming 0.0.0.0 sends it through `dns.lookup` (about 1.2 ms of the start: loading `dns`, which the first
 * call to the VPC endpoint's host name loads anyway, and a turn of the event loop).
 */
export function serveEvents(handler: EventHandler, env: NodeJS.ProcessEnv = process.env): Server {
  const server = createServer((req, res) => {
    // An initializer is not configured; answer one anyway, as a no-op.
    if (req.method === 'POST' && req.url === '/initialize') return answer(res, true, null);
    if (req.method !== 'POST' || req.url !== '/invoke')
      return answer(res, false, {
        errorMessage: `${req.method} ${req.url} is not an event invocation`,
        errorType: 'UnsupportedInvocation',
      });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handler(Buffer.concat(chunks), contextFromHeaders(req.headers))
        .then(
          (result) => answer(res, true, result),
          // The handler's own error, as a built-in runtime reports it: name and message, no stack.
          (error: unknown) =>
            answer(res, false, {
              errorMessage: error instanceof Error ? error.message : String(error),
              errorType: error instanceof Error ? error.name : 'Error',
            }),
        )
        // A result that is not JSON (a cycle, a BigInt): a failed invocation, not a crashed instance.
        .catch((error: unknown) =>
          answer(res, false, {
            errorMessage: `the result could not be sent as JSON: ${error instanceof Error ? error.message : String(error)}`,
            errorType: 'ResultNotSerializable',
          }),
        );
    });
  });
  server.listen(Number(env.FC_CUSTOM_LISTEN_PORT ?? 9000));
  return server;
}
