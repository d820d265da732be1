/**
 * The local Function Compute host. It serves the invoke API as `@alicloud/fc2` speaks it
 * (`POST /2016-08-15/services/<svc>[.<qualifier>]/functions/<fn>/invocations`, signed, `x-fc-invocation-type`
 * Sync or Async, `x-fc-error-type` on function errors), and as FC 3.0's `@alicloud/fc20230330` does
 * (`POST /2023-03-30/functions/<fn>/invocations`, ACS3-signed, its errors `{Code, Message, RequestId}`), and
 * authorises each call with RAM
 * (`fc:InvokeFunction` on the function). Each function runs as its role: every invocation's
 * `context.credentials` are temporary keys of the role s.yaml gives it, from the local RAM. Async
 * invocations are retried as the function's async settings say, then sent to its failure destination.
 * HTTP triggers (`/http/<fn>/<path>`) exist only for functions s.yaml gives one, for the methods it lists.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, VirtualClock } from '../clock.js';
import type { Journal } from '../durable/journal.js';
import { FaultInjector } from '../faults.js';
import { listen, readBody } from '../http.js';
import { check, type ServiceAccess } from '../ram/access.js';
import { AsyncInvoker, type AsyncRecord, type DeadLetter } from './asyncInvoker.js';
import { authenticateFc, type FcAuthFailure } from './authenticate.js';
import { createFc3Authenticator } from './authenticateV3.js';
import { invocationContext } from './context.js';
import { type FcErrorCode, sendFc3Error, sendFcError } from './errors.js';
import { httpTriggerEvent, sendHttpTriggerReply } from './httpTrigger.js';
import { type FcFunctionConfig, InstancePool, type InvocationOutcome, ShuttingDownError } from './pool.js';
import { startTimers, type TimerTrigger, timerEvent } from './timers.js';

export type { DeadLetter } from './asyncInvoker.js';
export type { FcFunctionConfig } from './pool.js';

const INVOKE_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;
const INVOKE_PATH_V3 = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;

/** The two invoke APIs differ in how a call is signed and how an error is written; the rest is one. */
interface InvokeApi {
  authenticate(req: IncomingMessage, body: Buffer, path: string): { accessKeyId: string } | FcAuthFailure;
  sendError(res: ServerResponse, code: FcErrorCode, message: string, requestId: string): void;
}
const HTTP_TRIGGER_PATH = /^\/http\/([A-Za-z_][A-Za-z0-9_-]*)(\/.*)?$/;
/** FC's limits on invocation payloads: 32 MB sync, 128 KB async (HTTP handler limits page). */
const SYNC_BODY_LIMIT = 32 * 1024 * 1024;
const ASYNC_BODY_LIMIT = 128 * 1024;
/** Invocation records and log lines kept for tests and `mirrorflow status` (the newest), unless given. */
const KEPT_RECORDS = 10_000;

export interface InvocationRecord {
  function: string;
  requestId: string;
  invocationType: 'Sync' | 'Async' | 'HTTP' | 'Timer';
  attempt: number;
  outcome: 'ok' | 'error';
  errorType?: string;
  durationMs: number;
  time: string;
}

export interface FcHostOptions {
  port?: number;
  functions: FcFunctionConfig[];
  access: ServiceAccess;
  clock: Clock;
  /** Timer triggers to run on the clock (none: tests fire them by hand with `fireTimer`). */
  timers?: TimerTrigger[];
  runTimers?: boolean;
  onLog?: (fn: string, line: string) => void;
  /** With `--state DIR`: the async queue's journal (see `asyncInvoker.ts`). */
  asyncJournal?: Journal<AsyncRecord>;
  /** Invocation records and log lines kept (KEPT_RECORDS unless given). */
  keptRecords?: number;
}

export interface FcHost {
  url: string;
  /** Faults on the invoke API (`InvokeFunction`): throttled (ResourceThrottled), server errors, latency. */
  faults: FaultInjector;
  invocations: InvocationRecord[];
  logs: { function: string; line: string }[];
  /** Async invocations that failed every retry and went to the function's failure destination. */
  deadLetters: DeadLetter[];
  /** Fires a timer trigger now (as the console's "test trigger" does); resolves with the function's answer. */
  fireTimer(
    functionName: string,
    triggerName: string,
    triggerTime?: string,
    payload?: string,
  ): Promise<InvocationOutcome>;
  idle(): Promise<void>;
  /** Stops the function's instances that are running an invocation now (each ends with InstanceExited). */
  stopBusyInstances(functionName: string): number;
  /** After a restart: runs the async invocations the journal holds that had not ended. */
  resume(records: AsyncRecord[]): void;
  close(): Promise<void>;
}

export async function startFcHost(options: FcHostOptions): Promise<FcHost> {
  const invocations: InvocationRecord[] = [];
  const faults = new FaultInjector();
  const keptRecords = options.keptRecords ?? KEPT_RECORDS;
  const logs: FcHost['logs'] = [];
  const pools = new Map<string, InstancePool>();
  const { authority } = options.access;
  const { clock } = options;
  const localTime = clock instanceof VirtualClock ? () => clock.describe() : undefined;
  for (const fn of options.functions) {
    // A role FC cannot assume fails the deployment, not the first invocation.
    if (fn.roleArn) authority.assumeRole(fn.roleArn, 'fc.aliyuncs.com', fn.name);
    pools.set(
      fn.name,
      new InstancePool(
        fn,
        (line) => {
          options.onLog?.(fn.name, line);
          logs.push({ function: fn.name, line });
          if (logs.length > keptRecords) logs.splice(0, logs.length - keptRecords);
        },
        localTime,
      ),
    );
  }
  const invoke = async (
    pool: InstancePool,
    event: Buffer,
    requestId: string,
    type: InvocationRecord['invocationType'],
    attempt: number,
  ) => {
    const started = Date.now();
    const outcome = await pool.invoke(event, invocationContext(pool.config, requestId, options.access));
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
    // The newest only: a long-running stack does not grow with every invocation.
    if (invocations.length > keptRecords) invocations.splice(0, invocations.length - keptRecords);
    return outcome;
  };

  const asyncInvoker = new AsyncInvoker(
    options.clock,
    (pool, body, requestId, type, attempt) => invoke(pool, body, requestId, type, attempt),
    (arn, from) => {
      const name = /^acs:fc:[^:]*:[^:]*:functions\/([A-Za-z0-9_-]+)$/.exec(arn)?.[1];
      const target = name === undefined ? undefined : pools.get(name);
      if (!target) return undefined;
      // FC invokes the destination as the failed function's role: RAM must allow it (result callback).
      const keys = from.config.roleArn
        ? authority.assumeRole(from.config.roleArn, 'fc.aliyuncs.com', from.config.name)
        : undefined;
      const denial =
        keys && check(options.access, keys.accessKeyId, 'fc:InvokeFunction', { functionName: name! });
      if (!keys || denial) return undefined;
      return target;
    },
    options.asyncJournal,
  );
  const invokeAsync = (pool: InstancePool, body: Buffer, requestId: string, type: 'Async' | 'Timer') =>
    asyncInvoker.start(pool, body, requestId, type);

  const respondOutcome = (res: ServerResponse, outcome: InvocationOutcome, requestId: string) => {
    if (!outcome.ok) {
      // FC: an error thrown by the function (or a timeout) is an UnhandledInvocationError, with HTTP 200.
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-fc-request-id': requestId,
        'x-fc-error-type': 'UnhandledInvocationError',
      });
      res.end(JSON.stringify(outcome.error));
      return;
    }
    const { kind, payload } = outcome.result;
    res.writeHead(200, {
      'content-type': kind === 'json' ? 'application/json' : 'application/octet-stream',
      'x-fc-request-id': requestId,
    });
    res.end(kind === 'bytes' ? Buffer.from(payload, 'base64') : Buffer.from(payload));
  };

  const credentials = (id: string) => authority.credentials(id);
  const fc2: InvokeApi = {
    authenticate: (req, body, path) => authenticateFc(req, body, path, credentials),
    sendError: sendFcError,
  };
  const authenticateFc3 = createFc3Authenticator(credentials);
  const fc3: InvokeApi = {
    authenticate: (req, body) => authenticateFc3(req, body),
    sendError: sendFc3Error,
  };

  const handleInvoke = async (
    api: InvokeApi,
    req: IncomingMessage,
    res: ServerResponse,
    fnName: string,
    path: string,
  ) => {
    const requestId = randomUUID();
    const type = String(req.headers['x-fc-invocation-type'] ?? 'Sync');
    const body = await readBody(req, SYNC_BODY_LIMIT);
    const caller = api.authenticate(req, body, path);
    if ('code' in caller) return api.sendError(res, caller.code, caller.message, requestId);
    const denial = check(options.access, caller.accessKeyId, 'fc:InvokeFunction', { functionName: fnName });
    if (denial)
      // FC error codes: 403 AccessDenied (https://www.alibabacloud.com/help/en/functioncompute/error-codes).
      return api.sendError(
        res,
        'AccessDenied',
        `the caller is not authorized to perform ${denial.action} on resource ${denial.resource}`,
        requestId,
      );
    const pool = pools.get(fnName);
    if (!pool) return api.sendError(res, 'FunctionNotFound', `function ${fnName} does not exist`, requestId);
    // A call's identity for the seeded draws: the function and what it is given (a retry is a repeat of it).
    const fault = await faults.serviceFault('InvokeFunction', {
      FunctionName: fnName,
      Body: createHash('sha256').update(body).digest('hex'),
    });
    if (fault === 'throttled')
      return api.sendError(res, 'ResourceThrottled', 'Reserve resource exceeded limit', requestId);
    if (fault === 'serverError')
      return api.sendError(res, 'ServiceUnavailable', 'the service is unavailable: invoke again', requestId);
    if (type === 'Async') {
      if (body.length > ASYNC_BODY_LIMIT)
        return api.sendError(
          res,
          'PayloadTooLarge',
          `async payloads are limited to ${ASYNC_BODY_LIMIT} bytes`,
          requestId,
        );
      // Stopping (its journal closed): an invocation taken now would be acknowledged and not kept.
      if (options.asyncJournal?.isClosed)
        return api.sendError(res, 'ServiceUnavailable', 'the local FC is stopping: invoke again', requestId);
      // Queued (and journaled, with a state directory) before the 202 that acknowledges it.
      invokeAsync(pool, body, requestId, 'Async');
      res.writeHead(202, { 'x-fc-request-id': requestId });
      res.end();
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
    const trigger = pool?.config.httpTrigger;
    if (!pool || !trigger)
      return sendFcError(res, 'TriggerNotFound', `no HTTP trigger for ${fnName}`, requestId);
    if (!trigger.methods.includes(String(req.method)))
      return sendFcError(
        res,
        'MethodNotAllowed',
        `the HTTP trigger accepts ${trigger.methods.join(', ')}`,
        requestId,
      );
    const raw = await readBody(req, SYNC_BODY_LIMIT);
    const event = httpTriggerEvent(req, raw, rest, url, {
      accountId: authority.accountId,
      region: options.access.region,
      functionName: fnName,
      requestId,
    });
    sendHttpTriggerReply(res, await invoke(pool, event, requestId, 'HTTP', 1), requestId);
  };

  const timers = options.timers ?? [];
  const stopTimers = options.runTimers
    ? startTimers(timers, options.clock, async (trigger, event) => {
        const pool = pools.get(trigger.functionName);
        if (pool) invokeAsync(pool, event, randomUUID(), 'Timer');
      })
    : () => undefined;

  const running = await listen(
    async (req, res) => {
      try {
        await route(req, res);
      } catch (error) {
        if (!(error instanceof ShuttingDownError) || res.headersSent) throw error;
        sendFcError(res, 'ServiceUnavailable', error.message, randomUUID());
      }
    },
    options.port ?? 0,
    'FC host',
  );

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const invokeMatch = INVOKE_PATH.exec(url.pathname);
    if (invokeMatch && req.method === 'POST')
      return handleInvoke(fc2, req, res, invokeMatch[2]!, url.pathname);
    const invokeV3Match = INVOKE_PATH_V3.exec(url.pathname);
    if (invokeV3Match && req.method === 'POST') {
      let name: string;
      try {
        name = decodeURIComponent(invokeV3Match[1]!);
      } catch {
        return sendFc3Error(res, 'InvalidArgument', 'the function name is not well encoded', randomUUID());
      }
      return handleInvoke(fc3, req, res, name, url.pathname);
    }
    const httpMatch = HTTP_TRIGGER_PATH.exec(url.pathname);
    if (httpMatch) return handleHttpTrigger(req, res, httpMatch[1]!, httpMatch[2] ?? '/', url);
    return sendFcError(res, 'PathNotFound', `no route ${req.method} ${url.pathname}`, randomUUID());
  }

  return {
    url: running.url,
    faults,
    invocations,
    logs,
    deadLetters: asyncInvoker.deadLetters,
    fireTimer: async (functionName, triggerName, triggerTime, payload) => {
      const trigger = timers.find((t) => t.functionName === functionName && t.triggerName === triggerName);
      const pool = pools.get(functionName);
      if (!trigger || !pool) throw new Error(`no timer trigger ${triggerName} on ${functionName}`);
      const at = triggerTime ? Date.parse(triggerTime) : options.clock.now();
      return invoke(
        pool,
        timerEvent({ ...trigger, ...(payload !== undefined ? { payload } : {}) }, at),
        randomUUID(),
        'Timer',
        1,
      );
    },
    idle: () => asyncInvoker.idle(),
    stopBusyInstances: (functionName) => pools.get(functionName)?.stopBusy() ?? 0,
    resume: (records) => asyncInvoker.resume(records, (fn) => pools.get(fn)),
    close: async () => {
      stopTimers();
      asyncInvoker.stop();
      await Promise.all([...pools.values()].map((p) => p.close()));
      await running.close();
      options.asyncJournal?.close();
    },
  };
}
