/**
 * The local EventBridge service. Its control plane is the RPC API (version 2020-04-01: CreateEventBus,
 * DeleteEventBus, ListEventBuses, CreateRule, DeleteRule, ListRules), signed and RAM-checked like every
 * local API. Its data plane is PutEvents (`POST /openapi/putEvents`, a CloudEvents batch, signed as the
 * EventBridge SDK signs it, `eventbridge:PutEvents` checked against the bus). Accepted events are kept
 * (`GET /events`, oldest first; `?since=N&wait=S` follows them) and routed to the targets of matching rules,
 * at least once (a switch adds duplicate deliveries on purpose, to prove consumers idempotent).
 * `POST /events` (loopback only) is the local stand-in of `aliyun eventbridge PutEvents` with the account's
 * own key: CloudEvents in any HTTP binding mode, each on the bus its `aliyuneventbusname` names.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudEvent, CloudEvent as CloudEventClass, HTTP } from 'cloudevents';
import type { Clock } from '../clock.js';
import { LOCAL_ACCESS_KEY } from '../credentials.js';
import { HttpError, isLoopback, listen, readBody, readJson, sendJson } from '../http.js';
import { check, rpcAuthorizer, type ServiceAccess } from '../ram/access.js';
import { createRpcEndpoint, type RpcAction } from '../rpc/server.js';
import { DEFAULT_BUS, type EntryResult, EventBridgeModel, type Rule, type StoredEvent } from './model.js';
import { eventBridgeSignature, eventBridgeStringToSign } from './signature.js';
import type { Target } from './targets.js';

export type { StoredEvent } from './model.js';
export const EVENTBRIDGE_VERSION = '2020-04-01';

/** Sends one event to one target; throws when the target did not take it (the bus then retries). */
export type DeliverFn = (target: Target, event: StoredEvent, rule: Rule) => Promise<void>;

export interface BusOptions {
  port?: number;
  clock: Clock;
  access: ServiceAccess;
  deliver: DeliverFn;
  duplicates?: number;
}

export interface Bus {
  url: string;
  model: EventBridgeModel;
  events: StoredEvent[];
  /** Virtual time (epoch ms) each event arrived, by index in `events`. */
  arrivals: number[];
  /** Deliveries that gave up (rule, target, event id), as a dead-letter view. */
  undelivered: { rule: string; target: string; eventId: string }[];
  setDuplicates(n: number): void;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Push retry strategies (event-target-parameters): BACKOFF_RETRY 3 retries, EXPONENTIAL_DECAY_RETRY 176. */
function retryPlan(target: Target): { attempts: number; delayMs: (attempt: number) => number } {
  if (target.PushRetryStrategy === 'BACKOFF_RETRY') return { attempts: 4, delayMs: () => 15_000 };
  return { attempts: 177, delayMs: (n) => Math.min(512, 2 ** (n - 1)) * 1000 };
}

export async function startBus(options: BusOptions): Promise<Bus> {
  const model = new EventBridgeModel();
  const events: StoredEvent[] = [];
  const arrivalTimes: number[] = [];
  const undelivered: Bus['undelivered'] = [];
  let duplicates = options.duplicates ?? 0;
  const arrivals = new Set<() => void>();
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];

  const deliverWithRetries = (rule: Rule, target: Target, event: StoredEvent) => {
    inFlight++;
    void (async () => {
      const plan = retryPlan(target);
      for (let attempt = 1; attempt <= plan.attempts; attempt++) {
        try {
          await options.deliver(target, event, rule);
          return;
        } catch {
          if (attempt < plan.attempts) await options.clock.sleep(plan.delayMs(attempt));
        }
      }
      undelivered.push({ rule: rule.name, target: target.Id, eventId: event.id });
    })().finally(() => {
      inFlight--;
      if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
    });
  };

  /** Accepts what may go on its bus and routes it; answers one entry per event. */
  const accept = (incoming: StoredEvent[], busOf: (e: StoredEvent) => string): EntryResult[] => {
    const results = incoming.map((event) => {
      const bus = busOf(event);
      const refused = model.refusal(event, bus);
      if (refused) return refused;
      events.push(event);
      arrivalTimes.push(options.clock.now());
      for (const rule of model.matching(event, bus))
        for (const target of rule.targets)
          for (let copy = 0; copy <= duplicates; copy++) deliverWithRetries(rule, target, event);
      return { EventId: event.id };
    });
    for (const wake of [...arrivals]) wake();
    return results;
  };

  const busName = (e: StoredEvent) =>
    typeof e.aliyuneventbusname === 'string' && e.aliyuneventbusname ? e.aliyuneventbusname : DEFAULT_BUS;

  const control = createRpcEndpoint(
    {
      product: 'eventbridge',
      version: EVENTBRIDGE_VERSION,
      hostId: 'eventbridge.aliyuncs.com',
      actions: {
        CreateEventBus: ({ params }) => ({ Data: model.createEventBus(params), Success: true }),
        DeleteEventBus: ({ params }) => {
          model.deleteEventBus(params);
          return { Success: true };
        },
        ListEventBuses: () => ({
          Data: { EventBuses: model.busNames().map((n) => ({ EventBusName: n })) },
          Success: true,
        }),
        CreateRule: ({ params }) => ({ Data: { RuleARN: model.createRule(params).name }, Success: true }),
        DeleteRule: ({ params }) => {
          model.deleteRule(params);
          return { Success: true };
        },
        ListRules: ({ params }) => ({
          Data: {
            Rules: model.rules(params.EventBusName).map((r) => ({
              EventBusName: r.bus,
              RuleName: r.name,
              FilterPattern: r.filterPattern,
              Status: r.status,
              Targets: r.targets,
            })),
          },
          Success: true,
        }),
      } satisfies Record<string, RpcAction>,
    },
    {
      credentials: (id) => options.access.authority.credentials(id),
      authorize: rpcAuthorizer(options.access, 'eventbridge'),
    },
  );

  /** The data plane's own error shape: lower-case code/message/requestId (alibabacloud-eventbridge-sdk). */
  const dataPlaneError = (res: ServerResponse, status: number, code: string, message: string) =>
    sendJson(res, status, { code, message, requestId: randomUUID().toUpperCase() });

  const putEvents = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req, 1024 * 1024);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]),
    );
    const match = /^acs:([^:]+):(.+)$/.exec(String(headers.authorization ?? ''));
    if (!match)
      return dataPlaneError(
        res,
        401,
        'InvalidAuthorization',
        'the authorization header is missing or malformed',
      );
    const credential = options.access.authority.credentials(match[1]!);
    if (!credential)
      return dataPlaneError(res, 403, 'InvalidAccessKeyId', 'Specified access key is not found.');
    if (
      credential.securityToken !== undefined &&
      headers['x-acs-security-token'] !== credential.securityToken
    )
      return dataPlaneError(
        res,
        403,
        'InvalidSecurityToken',
        'the security token does not match the access key',
      );
    const expected = eventBridgeSignature(
      eventBridgeStringToSign('POST', '/openapi/putEvents', headers),
      credential.accessKeySecret,
    );
    if (expected !== match[2])
      return dataPlaneError(res, 403, 'SignatureDoesNotMatch', 'the request signature does not match');
    let batch: StoredEvent[];
    try {
      const raw = JSON.parse(body.toString('utf8')) as unknown;
      if (!Array.isArray(raw) || raw.length === 0)
        throw new Error('the body must be a JSON array of CloudEvents');
      batch = raw.map((e) => {
        const event = new CloudEventClass(e as Record<string, unknown>, true);
        return JSON.parse(JSON.stringify(event)) as StoredEvent;
      });
    } catch (error) {
      return dataPlaneError(
        res,
        400,
        'InvalidArgument',
        `not a batch of valid CloudEvents: ${(error as Error).message}`,
      );
    }
    // RAM: eventbridge:PutEvents on each bus the batch names.
    for (const bus of new Set(batch.map(busName))) {
      const denial = check(options.access, match[1]!, 'eventbridge:PutEvents', { EventBusName: bus });
      if (denial)
        return dataPlaneError(
          res,
          403,
          'AccessDenied',
          `The OwnerId that your Access Key Id associated to is forbidden for this operation. (${denial.action} on ${denial.resource})`,
        );
    }
    const entries = accept(batch, busName);
    return sendJson(res, 200, {
      RequestId: randomUUID().toUpperCase(),
      FailedEntryCount: entries.filter((e) => e.ErrorCode).length,
      EntryList: entries,
    });
  };

  const localPut = async (req: IncomingMessage, res: ServerResponse) => {
    if (!isLoopback(req))
      return sendJson(res, 403, { code: 'Forbidden', message: 'POST /events answers loopback callers only' });
    const body = (await readBody(req, 1024 * 1024)).toString('utf8');
    let parsed: CloudEvent<unknown> | CloudEvent<unknown>[];
    try {
      parsed = HTTP.toEvent({ headers: req.headers as Record<string, string>, body }) as
        | CloudEvent<unknown>
        | CloudEvent<unknown>[];
      // The SDK deserialises leniently; EventBridge requires valid CloudEvents 1.0 (an id above all).
      for (const e of Array.isArray(parsed) ? parsed : [parsed]) e.validate();
    } catch (error) {
      return sendJson(res, 400, {
        code: 'InvalidArgument',
        message: `not a valid CloudEvent: ${(error as Error).message}`,
      });
    }
    const list = (Array.isArray(parsed) ? parsed : [parsed]).map(
      (e) => JSON.parse(JSON.stringify(e)) as StoredEvent,
    );
    void LOCAL_ACCESS_KEY; // the account's own key: allowed everything, so no RAM check is needed here
    const entries = accept(list, busName);
    const failed = entries.filter((e) => e.ErrorCode);
    if (failed.length === entries.length)
      return sendJson(res, 400, { code: failed[0]!.ErrorCode, message: failed[0]!.ErrorMessage, entries });
    return sendJson(res, 200, {
      accepted: entries.length - failed.length,
      ids: entries.map((e) => e.EventId),
      entries,
    });
  };

  const readEvents = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const since = Number(url.searchParams.get('since') ?? 0);
    const waitSeconds = Math.min(60, Number(url.searchParams.get('wait') ?? 0));
    if (!(Number.isInteger(since) && since >= 0) || !(waitSeconds >= 0))
      return sendJson(res, 400, {
        code: 'InvalidArgument',
        message: 'since must be a whole number ≥ 0 and wait 0–60 seconds',
      });
    if (events.length <= since && waitSeconds > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitSeconds * 1000);
        function done() {
          clearTimeout(timer);
          arrivals.delete(done);
          resolve();
        }
        arrivals.add(done);
        req.once('close', done);
      });
    }
    return sendJson(res, 200, events.slice(since));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    try {
      if (url.pathname === '/openapi/putEvents' && req.method === 'POST') return await putEvents(req, res);
      if (url.pathname === '/events' && req.method === 'POST') return await localPut(req, res);
      if (url.pathname === '/events' && req.method === 'GET') return await readEvents(req, res, url);
      if (url.pathname === '/_admin/duplicates' && req.method === 'POST') {
        if (!isLoopback(req))
          return sendJson(res, 403, { error: 'the admin API answers loopback callers only' });
        const body = (await readJson(req, 4096)) as { duplicates?: unknown };
        if (
          !(
            Number.isInteger(body.duplicates) &&
            (body.duplicates as number) >= 0 &&
            (body.duplicates as number) <= 10
          )
        )
          return sendJson(res, 400, { error: 'duplicates must be a whole number from 0 to 10' });
        duplicates = body.duplicates as number;
        return sendJson(res, 200, { ok: true });
      }
    } catch (error) {
      if (error instanceof HttpError)
        return sendJson(res, error.status, { code: error.code, message: error.message });
      throw error;
    }
    return control(req, res);
  };

  const running = await listen(handle, options.port ?? 0, 'EventBridge');
  return {
    url: running.url,
    model,
    events,
    arrivals: arrivalTimes,
    undelivered,
    setDuplicates: (n) => {
      duplicates = n;
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    close: async () => {
      for (const wake of [...arrivals]) wake();
      await running.close();
    },
  };
}
