/**
 * The local Function Compute host. It serves the FC invoke API as `@alicloud/fc2` speaks it
 * (`POST /2016-08-15/services/<svc>[.<qualifier>]/functions/<fn>/invocations`, the `FC` Authorization header
 * checked, `x-fc-invocation-type` Sync or Async, `x-fc-error-type` on function errors, async invocations
 * retried as FC does by default), and HTTP triggers with the FC 3.0 HTTP event and response shapes
 * (`/http/<fn>/<path>`). Functions are the bundles in `dist/<name>/index.js`, run in worker-thread instances.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Clock } from '../clock.js';
import type { LocalCredentials } from '../credentials.js';
import { listen } from '../http.js';
import { type FcFunctionConfig, InstancePool, type InvocationOutcome } from './pool.js';
import { fcSignature, fcStringToSign } from './signature.js';

export type { FcFunctionConfig } from './pool.js';

const INVOKE_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;
const HTTP_TRIGGER_PATH = /^\/http\/([A-Za-z_][A-Za-z0-9_-]*)(\/.*)?$/;
const MAX_SKEW_MS = 15 * 60_000;

export interface InvocationRecord {
  function: string;
  requestId: string;
  invocationType: 'Sync' | 'Async' | 'HTTP';
  attempt: number;
  outcome: 'ok' | 'error';
  errorType?: string;
  durationMs: number;
  time: string;
}

export interface FcHostOptions {
  port?: number;
  functions: FcFunctionConfig[];
  /** Who may call the invoke API. */
  credentials: (accessKeyId: string) => { accessKeySecret: string; securityToken?: string } | undefined;
  /** What each invocation's `context.credentials` carries: the function's role. */
  roleCredentials: LocalCredentials | ((functionName: string) => LocalCredentials);
  accountId: string;
  region: string;
  clock: Clock;
  /** FC's default for async invocations is 3 retries. */
  maxAsyncRetryAttempts?: number;
  /** Where function logs go (default: kept in memory, see `logs`). */
  onLog?: (fn: string, line: string) => void;
}

export interface FcHost {
  url: string;
  invocations: InvocationRecord[];
  logs: { function: string; line: string }[];
  /** Resolves when no async invocation is running or waiting for a retry. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** One function per `dir/<name>/index.js`; `configure` supplies each one's environment and limits. */
export function functionsFromDir(
  dir: string,
  configure: (name: string) => Partial<Omit<FcFunctionConfig, 'name' | 'bundle'>> = () => ({}),
): FcFunctionConfig[] {
  const root = resolve(dir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'index.js')))
    .sort()
    .map((name) => ({
      name,
      bundle: join(root, name, 'index.js'),
      env: {},
      timeoutSeconds: 60,
      ...configure(name),
    }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendFcError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
): void {
  const body = JSON.stringify({ ErrorCode: code, ErrorMessage: message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-fc-request-id': requestId });
  res.end(body);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startFcHost(options: FcHostOptions): Promise<FcHost> {
  const invocations: InvocationRecord[] = [];
  const logs: { function: string; line: string }[] = [];
  const pools = new Map<string, InstancePool>();
  for (const fn of options.functions) {
    pools.set(
      fn.name,
      new InstancePool(fn, (line) => {
        if (options.onLog) options.onLog(fn.name, line);
        logs.push({ function: fn.name, line });
        if (logs.length > 10_000) logs.splice(0, logs.length - 10_000);
      }),
    );
  }
  let pendingAsync = 0;
  const idleWaiters: (() => void)[] = [];
  const asyncDone = () => {
    pendingAsync--;
    if (pendingAsync === 0) for (const wake of idleWaiters.splice(0)) wake();
  };

  const roleOf = (name: string) =>
    typeof options.roleCredentials === 'function' ? options.roleCredentials(name) : options.roleCredentials;
  const context = (pool: InstancePool, requestId: string) => ({
    requestId,
    credentials: {
      accessKeyId: roleOf(pool.config.name).accessKeyId,
      accessKeySecret: roleOf(pool.config.name).accessKeySecret,
      securityToken: roleOf(pool.config.name).securityToken ?? '',
    },
    function: {
      name: pool.config.name,
      handler: pool.config.handler ?? 'index.handler',
      memory: pool.config.memoryMB ?? 512,
      timeout: pool.config.timeoutSeconds,
    },
    region: options.region,
    accountId: options.accountId,
  });

  const invoke = async (
    pool: InstancePool,
    event: Buffer,
    requestId: string,
    type: InvocationRecord['invocationType'],
    attempt: number,
  ) => {
    const started = Date.now();
    const outcome = await pool.invoke(event, context(pool, requestId));
    invocations.push({
      function: pool.config.name,
      requestId,
      invocationType: type,
      attempt,
      outcome: outcome.ok ? 'ok' : 'error',
      ...(outcome.ok ? {} : { errorType: outcome.error.errorType }),
      durationMs: Date.now() - started,
      time: new Date().toISOString(),
    });
    return outcome;
  };

  const authenticate = (req: IncomingMessage, body: Buffer, path: string): string | undefined => {
    const header = req.headers.authorization ?? '';
    const match = /^FC ([^:]+):(.+)$/.exec(header);
    if (!match) return 'the Authorization header must be "FC <AccessKeyID>:<signature>"';
    const credential = options.credentials(match[1]!);
    if (!credential) return 'InvalidAccessKeyID';
    if (
      credential.securityToken !== undefined &&
      !sameText(String(req.headers['x-fc-security-token'] ?? ''), credential.securityToken)
    ) {
      return 'the x-fc-security-token does not match the access key';
    }
    const date = Date.parse(String(req.headers.date ?? ''));
    if (Number.isNaN(date) || Math.abs(Date.now() - date) > MAX_SKEW_MS) return 'RequestTimeTooSkewed';
    const md5 = req.headers['content-md5'];
    if (body.length > 0 && md5 !== undefined) {
      const expected = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
      if (md5 !== expected) return 'the Content-MD5 header does not match the body';
    }
    const expected = fcSignature(
      fcStringToSign(req.method ?? 'POST', path, req.headers),
      credential.accessKeySecret,
    );
    return sameText(expected, match[2]!) ? undefined : 'SignatureNotMatch';
  };

  const respondOutcome = (res: ServerResponse, outcome: InvocationOutcome, requestId: string) => {
    if (!outcome.ok) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-fc-request-id': requestId,
        // FC: an error thrown by the function (or a timeout) is UnhandledInvocationError, with HTTP 200.
        'x-fc-error-type': 'UnhandledInvocationError',
      });
      res.end(JSON.stringify(outcome.error));
      return;
    }
    const { kind, payload } = outcome.result;
    const body = kind === 'bytes' ? Buffer.from(payload, 'base64') : Buffer.from(payload);
    res.writeHead(200, {
      'content-type': kind === 'json' ? 'application/json' : 'application/octet-stream',
      'x-fc-request-id': requestId,
    });
    res.end(body);
  };

  const handleInvoke = async (req: IncomingMessage, res: ServerResponse, fnName: string, path: string) => {
    const requestId = randomUUID();
    const body = await readBody(req);
    const denied = authenticate(req, body, path);
    if (denied) {
      const code =
        denied === 'InvalidAccessKeyID' || denied === 'SignatureNotMatch' || denied === 'RequestTimeTooSkewed'
          ? denied
          : 'InvalidArgument';
      return sendFcError(res, 403, code, denied, requestId);
    }
    const pool = pools.get(fnName);
    if (!pool)
      return sendFcError(res, 404, 'FunctionNotFound', `function ${fnName} does not exist`, requestId);
    const type = String(req.headers['x-fc-invocation-type'] ?? 'Sync');
    if (type === 'Async') {
      res.writeHead(202, { 'x-fc-request-id': requestId });
      res.end();
      pendingAsync++;
      void (async () => {
        const retries = options.maxAsyncRetryAttempts ?? 3;
        for (let attempt = 1; attempt <= retries + 1; attempt++) {
          const outcome = await invoke(pool, body, requestId, 'Async', attempt).catch(() => undefined);
          if (outcome?.ok) break;
          // FC retries failed async invocations with growing intervals (virtual seconds here).
          if (attempt <= retries) await options.clock.sleep(2 ** (attempt - 1) * 1000);
        }
      })().finally(asyncDone);
      return;
    }
    return respondOutcome(res, await invoke(pool, body, requestId, 'Sync', 1), requestId);
  };

  const handleHttpTrigger = async (
    req: IncomingMessage,
    res: ServerResponse,
    fnName: string,
    rest: string,
    url: URL,
  ) => {
    const requestId = randomUUID();
    const pool = pools.get(fnName);
    if (!pool) return sendFcError(res, 404, 'FunctionNotFound', `no HTTP trigger for ${fnName}`, requestId);
    const raw = await readBody(req);
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      headers[name] =
        headers[name] === undefined ? req.rawHeaders[i + 1]! : `${headers[name]},${req.rawHeaders[i + 1]}`;
    }
    const queryParameters: Record<string, string> = {};
    for (const [k, v] of url.searchParams)
      queryParameters[k] = queryParameters[k] === undefined ? v : `${queryParameters[k]},${v}`;
    const text = raw.toString('utf8');
    const binary = Buffer.from(text, 'utf8').compare(raw) !== 0;
    const now = Date.now();
    const event = {
      version: 'v1',
      rawPath: rest || '/',
      body: binary ? raw.toString('base64') : text,
      isBase64Encoded: binary,
      headers,
      queryParameters,
      requestContext: {
        accountId: options.accountId,
        domainName: `${fnName}.${options.region}.fcapp.run`,
        domainPrefix: fnName,
        http: {
          method: req.method ?? 'GET',
          path: decodeURIComponent(rest || '/'),
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: String(req.headers['user-agent'] ?? ''),
        },
        requestId,
        time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        timeEpoch: String(now),
      },
    };
    const outcome = await invoke(pool, Buffer.from(JSON.stringify(event)), requestId, 'HTTP', 1);
    if (!outcome.ok) {
      res.writeHead(502, {
        'content-type': 'application/json',
        'x-fc-request-id': requestId,
        'x-fc-error-type': 'UnhandledInvocationError',
      });
      res.end(
        JSON.stringify({ errorMessage: outcome.error.errorMessage, errorType: outcome.error.errorType }),
      );
      return;
    }
    let reply: { statusCode?: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };
    try {
      reply =
        outcome.result.kind === 'json'
          ? JSON.parse(outcome.result.payload)
          : { statusCode: 200, body: outcome.result.payload };
    } catch {
      reply = { statusCode: 200, body: outcome.result.payload };
    }
    const status = typeof reply.statusCode === 'number' ? reply.statusCode : 200;
    const outHeaders: Record<string, string> = { 'x-fc-request-id': requestId };
    if (reply.headers && typeof reply.headers === 'object') {
      for (const [k, v] of Object.entries(reply.headers as Record<string, unknown>)) {
        // FC refuses to let handlers set these.
        if (/^(x-fc-|connection$|content-length$|date$|keep-alive$|server$)/i.test(k)) continue;
        outHeaders[k] = String(v);
      }
    }
    const body =
      typeof reply.body === 'string'
        ? Buffer.from(reply.body, reply.isBase64Encoded ? 'base64' : 'utf8')
        : Buffer.alloc(0);
    res.writeHead(status, outHeaders);
    res.end(body);
  };

  const running = await listen(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const invokeMatch = INVOKE_PATH.exec(url.pathname);
      if (invokeMatch && req.method === 'POST') return handleInvoke(req, res, invokeMatch[2]!, url.pathname);
      const httpMatch = HTTP_TRIGGER_PATH.exec(url.pathname);
      if (httpMatch) return handleHttpTrigger(req, res, httpMatch[1]!, httpMatch[2] ?? '/', url);
      return sendFcError(res, 404, 'PathNotFound', `no route ${req.method} ${url.pathname}`, randomUUID());
    },
    options.port ?? 0,
    'FC host',
  );

  return {
    url: running.url,
    invocations,
    logs,
    idle: () => (pendingAsync === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.close()));
      await running.close();
    },
  };
}
