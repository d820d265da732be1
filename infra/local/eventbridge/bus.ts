/**
 * The local EventBridge bus. It accepts CloudEvents over HTTP (the CloudEvents HTTP binding: structured
 * and batch modes, also binary), keeps every event it accepted (`GET /events`, oldest first; `?since=N`
 * returns those after the first N, and `&wait=S` waits up to S seconds for one to arrive), and routes events
 * matching a rule to a function, at least once (retried until FC accepts it; a switch delivers duplicates on
 * purpose, to prove consumers are idempotent).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudEvent, HTTP } from 'cloudevents';
import type { Clock } from '../clock.js';
import { listen } from '../http.js';
import { sendJson } from '../rpc/server.js';
import { type EventPattern, matchesPattern, patternProblems } from './pattern.js';

export interface BusRule {
  name: string;
  pattern: EventPattern;
  /** The function that receives matching events (event-driven mode: one CloudEvent per invocation). */
  function: string;
}

export interface StoredEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  [attribute: string]: unknown;
}

export type DeliverFn = (functionName: string, event: StoredEvent) => Promise<void>;

export interface BusOptions {
  port?: number;
  clock: Clock;
  rules?: BusRule[];
  /** Hands an event to a function (the local cloud wires this to the FC host through @alicloud/fc2). */
  deliver?: DeliverFn;
  /** Extra deliveries of every routed event (0: exactly at least once). */
  duplicates?: number;
  maxDeliveryAttempts?: number;
}

export interface Bus {
  url: string;
  events: StoredEvent[];
  /** Virtual time (epoch ms) each event arrived, by index in `events`. */
  arrivals: number[];
  setRules(rules: BusRule[]): void;
  setDuplicates(n: number): void;
  setDeliver(deliver: DeliverFn): void;
  /** Resolves when every routed delivery has finished (delivered or given up). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBus(options: BusOptions): Promise<Bus> {
  const events: StoredEvent[] = [];
  const arrivalTimes: number[] = [];
  let rules = options.rules ?? [];
  let duplicates = options.duplicates ?? 0;
  let deliver = options.deliver;
  const arrivals = new Set<() => void>();
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];

  const route = (event: StoredEvent) => {
    if (!deliver) return;
    const send = deliver;
    for (const rule of rules) {
      if (!matchesPattern(event, rule.pattern)) continue;
      for (let copy = 0; copy <= duplicates; copy++) {
        inFlight++;
        void (async () => {
          const attempts = options.maxDeliveryAttempts ?? 10;
          for (let attempt = 1; attempt <= attempts; attempt++) {
            try {
              await send(rule.function, event);
              return;
            } catch {
              // At least once: back off (virtual seconds) and try again.
              await options.clock.sleep(Math.min(60, 2 ** (attempt - 1)) * 1000);
            }
          }
        })().finally(() => {
          inFlight--;
          if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
        });
      }
    }
  };

  const accept = (incoming: StoredEvent[]) => {
    for (const event of incoming) {
      events.push(event);
      arrivalTimes.push(options.clock.now());
      route(event);
    }
    for (const wake of [...arrivals]) wake();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/events' && req.method === 'POST') {
      const body = await readBody(req);
      let parsed: CloudEvent<unknown> | CloudEvent<unknown>[];
      try {
        parsed = HTTP.toEvent({ headers: req.headers as Record<string, string>, body }) as
          | CloudEvent<unknown>
          | CloudEvent<unknown>[];
        // The SDK deserialises leniently; the bus, like EventBridge, requires valid CloudEvents 1.0.
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
      accept(list);
      return sendJson(res, 200, { accepted: list.length, ids: list.map((e) => e.id) });
    }
    if (url.pathname === '/events' && req.method === 'GET') {
      const since = Number(url.searchParams.get('since') ?? 0);
      const waitSeconds = Math.min(60, Number(url.searchParams.get('wait') ?? 0));
      if (!(Number.isInteger(since) && since >= 0) || !(waitSeconds >= 0)) {
        return sendJson(res, 400, {
          code: 'InvalidArgument',
          message: 'since must be a whole number ≥ 0 and wait 0–60 seconds',
        });
      }
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
    }
    if (url.pathname === '/_admin/rules') {
      if (req.method === 'GET') return sendJson(res, 200, { rules, duplicates });
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) || '{}') as { rules?: BusRule[]; duplicates?: number };
        const problems = (body.rules ?? []).flatMap((r, i) =>
          typeof r?.name === 'string' && typeof r?.function === 'string'
            ? patternProblems(r.pattern, `rules[${i}].pattern`)
            : [`rules[${i}] needs name, pattern and function`],
        );
        if (
          body.duplicates !== undefined &&
          !(Number.isInteger(body.duplicates) && body.duplicates >= 0 && body.duplicates <= 10)
        ) {
          problems.push('duplicates must be a whole number from 0 to 10');
        }
        if (problems.length) return sendJson(res, 400, { error: 'invalid rules', problems });
        if (body.rules) rules = body.rules;
        if (body.duplicates !== undefined) duplicates = body.duplicates;
        return sendJson(res, 200, { ok: true });
      }
    }
    return sendJson(res, 404, { code: 'NotFound', message: `no route ${req.method} ${url.pathname}` });
  };

  const running = await listen(handle, options.port ?? 0, 'EventBridge bus');
  return {
    url: running.url,
    events,
    arrivals: arrivalTimes,
    setRules: (r) => {
      rules = r;
    },
    setDuplicates: (n) => {
      duplicates = n;
    },
    setDeliver: (d) => {
      deliver = d;
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    close: async () => {
      for (const wake of [...arrivals]) wake();
      await running.close();
    },
  };
}
