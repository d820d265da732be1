/**
 * The local EventBridge service: the control plane (`controlPlane.ts`), the data plane (`dataPlane.ts`) and
 * the routing of accepted events to rule targets (`router.ts`), over the model of buses and rules
 * (`model.ts`), on one port.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import type { Journal } from '../durable/journal.js';
import { FaultInjector } from '../faults.js';
import { isLoopback, listen, readJson, sendJson } from '../http.js';
import type { ServiceAccess } from '../ram/access.js';
import { controlPlane } from './controlPlane.js';
import { dataPlane } from './dataPlane.js';
import { EventBridgeModel, type StoredEvent } from './model.js';
import { type BusRecord, type DeliverFn, EventRouter, KEPT_EVENTS } from './router.js';

export { EVENTBRIDGE_VERSION } from './controlPlane.js';
export type { StoredEvent } from './model.js';
export type { BusRecord, DeliverFn } from './router.js';

export interface BusOptions {
  port?: number;
  clock: Clock;
  access: ServiceAccess;
  deliver: DeliverFn;
  duplicates?: number;
  /** With `--state DIR`: the bus's journal (see `router.ts`). */
  journal?: Journal<BusRecord>;
  /** Events kept for reading (router.ts: KEPT_EVENTS unless given). */
  keptEvents?: number;
}

export interface Bus {
  url: string;
  /** Faults on PutEvents as the SDK sends it: throttled (TooManyRequests), server errors, latency. */
  faults: FaultInjector;
  model: EventBridgeModel;
  events: StoredEvent[];
  /** Virtual time (epoch ms) each event arrived, by index in `events`. */
  arrivals: number[];
  /** Deliveries that gave up (rule, target, event id), as a dead-letter view. */
  undelivered: { rule: string; target: string; eventId: string }[];
  setDuplicates(n: number): void;
  /** How many `GET /events?wait=…` readers are waiting for the next event. */
  followers(): number;
  idle(): Promise<void>;
  /** After a restart (once the deployment's rules exist): the journal's events back, owed deliveries made. */
  restore(records: BusRecord[]): void;
  close(): Promise<void>;
}

export async function startBus(options: BusOptions): Promise<Bus> {
  const model = new EventBridgeModel();
  const router = new EventRouter(
    model,
    options.clock,
    options.deliver,
    options.keptEvents ?? KEPT_EVENTS,
    options.journal,
  );
  router.duplicates = options.duplicates ?? 0;
  const control = controlPlane(model, options.access);
  const faults = new FaultInjector();
  const data = dataPlane(router, options.access, faults);

  const setDuplicatesByAdmin = async (req: IncomingMessage, res: ServerResponse) => {
    if (!isLoopback(req)) return sendJson(res, 403, { error: 'the admin API answers loopback callers only' });
    const { duplicates } = (await readJson(req, 4096)) as { duplicates?: unknown };
    if (
      !(typeof duplicates === 'number' && Number.isInteger(duplicates) && duplicates >= 0 && duplicates <= 10)
    )
      return sendJson(res, 400, { error: 'duplicates must be a whole number from 0 to 10' });
    router.duplicates = duplicates;
    return sendJson(res, 200, { ok: true });
  };

  const running = await listen(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'POST /openapi/putEvents') return data.putEvents(req, res);
      if (route === 'POST /events') return data.localPut(req, res);
      if (route === 'GET /events') return data.readEvents(req, res, url);
      if (route === 'POST /_admin/duplicates') return setDuplicatesByAdmin(req, res);
      return control(req, res);
    },
    options.port ?? 0,
    'EventBridge',
  );
  return {
    url: running.url,
    faults,
    model,
    events: router.events,
    arrivals: router.arrivals,
    undelivered: router.undelivered,
    setDuplicates: (n) => {
      router.duplicates = n;
    },
    followers: () => router.followers,
    idle: () => router.idle(),
    restore: (records) => router.restore(records),
    close: async () => {
      router.stop();
      await running.close();
      options.journal?.close();
    },
  };
}
