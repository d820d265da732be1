/**
 * How FC 3.0 talks to a custom-runtime instance of an event function: it starts the instance's command (here
 * a worker thread running the entry file, as `/var/fc/lang/nodejs20/bin/node <entry>` runs it), waits until the
 * port accepts connections, then sends each invocation as `POST /invoke` with the event as the body and the
 * context in `x-fc-*` headers. The instance answers the result as the body; `x-fc-status: 404` marks a
 * function error, and an answer without `x-fc-status` counts as a success.
 * Sources: https://www.alibabacloud.com/help/en/function-compute/latest/custom-runtime-event-functions (the
 * protocol, `x-fc-status`), https://www.alibabacloud.com/help/en/fc/user-guide/specification-details (the
 * headers), https://www.alibabacloud.com/help/ja/functioncompute/fc/environment-variables
 * (FC_CUSTOM_LISTEN_PORT), https://www.alibabacloud.com/help/en/functioncompute/fc/principles-1 (ready
 * within 120 s; the server must listen on 0.0.0.0:CAPort or *:CAPort — FC reaches it from another address, so
 * one listening on 127.0.0.1 fails with FunctionNotStarted:
 * https://www.alibabacloud.com/help/en/functioncompute/fc/must-the-listening-port-of-a-custom-runtime-be-the-same-as-that-of-the-http-server-of-the-custom-runtime).
 */
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import type { InvocationOutcome } from './pool.js';

/** FC gives a custom runtime's server this long to listen before the invocation fails. */
export const START_TIMEOUT_MS = 120_000;

/** What FC puts in the `x-fc-*` headers, from the invocation's context (infra/local/fc/context.ts). */
export interface CustomInvocationContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
}

/** A free loopback port for one instance (on FC each instance has its own network; here they share one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a connection to `host:port` is taken (within a second: a dropped one counts as refused). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ port, host }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const loopbackOnly = (port: number) =>
  new Error(
    `the server listens on port ${port} of the loopback only; a custom runtime's server must listen on 0.0.0.0:${port} or *:${port}`,
  );

/**
 * Another address of this machine, standing in for the one FC connects from: on Linux all of 127.0.0.0/8 is
 * the loopback, so a server listening on every interface accepts 127.0.0.2 and one on 127.0.0.1 refuses it.
 * Elsewhere no second address can be counted on, and the rule goes unchecked.
 */
const OTHER_ADDRESS = process.platform === 'linux' ? '127.0.0.2' : undefined;

/**
 * Resolves once the port accepts connections as FC makes them; rejects after `timeoutMs`, when `gone` fires,
 * or when the server listens on the loopback only.
 */
export async function untilListening(port: number, timeoutMs: number, gone: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void gone.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error('the instance exited before its server listened');
    if (await accepts('127.0.0.1', port)) {
      if (OTHER_ADDRESS !== undefined && !(await accepts(OTHER_ADDRESS, port))) throw loopbackOnly(port);
      return;
    }
    // On IPv6's loopback only (`localhost` may name it): FC cannot reach it either.
    if (await accepts('::1', port)) throw loopbackOnly(port);
    if (Date.now() > deadline)
      throw new Error(`the server did not listen on port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function headersFor(context: CustomInvocationContext): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'x-fc-request-id': context.requestId,
    'x-fc-access-key-id': context.credentials.accessKeyId,
    'x-fc-access-key-secret': context.credentials.accessKeySecret,
    'x-fc-security-token': context.credentials.securityToken,
    'x-fc-function-name': context.function.name,
    'x-fc-function-handler': context.function.handler,
    'x-fc-function-memory': String(context.function.memory),
    'x-fc-function-timeout': String(context.function.timeout),
    'x-fc-region': context.region,
    'x-fc-account-id': context.accountId,
    'x-fc-qualifier': 'LATEST',
    'x-fc-control-path': '/invoke',
  };
}

/** The instance's answer as FC reads it: a function error when `x-fc-status` (or the status) says 404. */
export function outcomeOf(status: number, fcStatus: string | undefined, body: Buffer): InvocationOutcome {
  const text = body.toString('utf8');
  const failed = fcStatus !== undefined ? fcStatus !== '200' : status !== 200;
  if (!failed) {
    try {
      JSON.parse(text);
      return { ok: true, result: { kind: 'json', payload: text } };
    } catch {
      return { ok: true, result: { kind: 'bytes', payload: body.toString('base64') } };
    }
  }
  try {
    const error = JSON.parse(text) as { errorMessage?: unknown; errorType?: unknown };
    if (typeof error.errorMessage === 'string')
      return {
        ok: false,
        error: {
          errorMessage: error.errorMessage,
          errorType: typeof error.errorType === 'string' ? error.errorType : 'UnhandledInvocationError',
        },
      };
  } catch {
    // not JSON: the body is the message
  }
  return {
    ok: false,
    error: { errorMessage: text || `status ${status}`, errorType: 'UnhandledInvocationError' },
  };
}

/**
 * Sends one invocation to an instance's server on a connection of its own (no keep-alive: a connection the
 * server closed between two invocations would fail one that did nothing wrong); rejects when the connection
 * fails, i.e. the instance is gone.
 */
export function invokeOverHttp(
  port: number,
  event: Buffer,
  context: CustomInvocationContext,
): Promise<InvocationOutcome> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/invoke',
        agent: false,
        headers: { ...headersFor(context), 'content-length': String(event.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const fcStatus = res.headers['x-fc-status'];
          resolve(
            outcomeOf(
              res.statusCode ?? 0,
              Array.isArray(fcStatus) ? fcStatus[0] : fcStatus,
              Buffer.concat(chunks),
            ),
          );
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(event);
  });
}
