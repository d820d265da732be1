/**
 * What EventBridge does with the events it accepts: keeps them (oldest first, with their arrival time), and
 * hands each to the targets of the matching rules of its bus, at least once — retried as the target's push
 * retry strategy says, then given up (recorded) — and, on request, more than once, to prove consumers
 * idempotent.
 */
import type { Clock } from '../clock.js';
import type { EntryResult, EventBridgeModel, Rule, StoredEvent } from './model.js';
import type { Target } from './targets.js';

/** Sends one event to one target; throws when the target did not take it. */
export type DeliverFn = (target: Target, event: StoredEvent, rule: Rule) => Promise<void>;

/** Push retry strategies (event-target-parameters): BACKOFF_RETRY 3 retries, EXPONENTIAL_DECAY_RETRY 176. */
function retryPlan(target: Target): { attempts: number; delayMs: (attempt: number) => number } {
  if (target.PushRetryStrategy === 'BACKOFF_RETRY') return { attempts: 4, delayMs: () => 15_000 };
  return { attempts: 177, delayMs: (n) => Math.min(512, 2 ** (n - 1)) * 1000 };
}

/**
 * Accepted events the local bus keeps for reading (`GET /events`), the newest: a long-running local stack
 * must not grow with every event for ever. Readers count in the sequence of all events (`dropped` before
 * the first kept), so `?since=N` stays right as old ones go.
 */
export const KEPT_EVENTS = 20_000;

export class EventRouter {
  readonly events: StoredEvent[] = [];
  /** Virtual time (epoch ms) each event arrived, by index in `events`. */
  readonly arrivals: number[] = [];
  /** How many of the oldest accepted events are no longer kept. */
  dropped = 0;
  /** Deliveries that gave up (rule, target, event id), as a dead-letter view. */
  readonly undelivered: { rule: string; target: string; eventId: string }[] = [];
  duplicates = 0;
  private inFlight = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly arrivalWaiters = new Set<() => void>();
  /** Aborted on close: retries waiting for their next attempt stop instead of holding the process open. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly model: EventBridgeModel,
    private readonly clock: Clock,
    private readonly deliver: DeliverFn,
    private readonly keptEvents = KEPT_EVENTS,
  ) {}

  /** Every event accepted so far, kept or not. */
  get accepted(): number {
    return this.dropped + this.events.length;
  }

  /** The kept events from sequence number `since` on. */
  eventsSince(since: number): StoredEvent[] {
    return this.events.slice(Math.max(0, since - this.dropped));
  }

  /** Accepts what may go on its bus and routes it; one entry per event, as PutEvents answers. */
  accept(incoming: StoredEvent[], busOf: (e: StoredEvent) => string): EntryResult[] {
    const results = incoming.map((event) => {
      const bus = busOf(event);
      const refused = this.model.refusal(event, bus);
      if (refused) return refused;
      this.events.push(event);
      this.arrivals.push(this.clock.now());
      if (this.events.length > this.keptEvents) {
        const over = this.events.length - this.keptEvents;
        this.events.splice(0, over);
        this.arrivals.splice(0, over);
        this.dropped += over;
      }
      for (const rule of this.model.matching(event, bus))
        for (const target of rule.targets)
          for (let copy = 0; copy <= this.duplicates; copy++) this.send(rule, target, event);
      return { EventId: event.id };
    });
    for (const wake of [...this.arrivalWaiters]) wake();
    return results;
  }

  private send(rule: Rule, target: Target, event: StoredEvent): void {
    this.inFlight++;
    void (async () => {
      const plan = retryPlan(target);
      for (let attempt = 1; attempt <= plan.attempts; attempt++) {
        try {
          await this.deliver(target, event, rule);
          return;
        } catch {
          if (attempt < plan.attempts) await this.clock.sleep(plan.delayMs(attempt), this.stopping.signal);
          if (this.stopping.signal.aborted) return;
        }
      }
      this.undelivered.push({ rule: rule.name, target: target.Id, eventId: event.id });
    })().finally(() => {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** Resolves when more than `count` events are kept, after `waitMs` (real), or when `abort` fires. */
  async waitForMore(count: number, waitMs: number, abort: (wake: () => void) => void): Promise<void> {
    if (this.accepted > count || waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      const waiters = this.arrivalWaiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
      abort(done);
    });
  }

  /** Resolves when every delivery has finished (delivered or given up). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  /** How many readers are waiting for the next event. */
  get followers(): number {
    return this.arrivalWaiters.size;
  }

  /** The server is closing: followers return, retries stop. */
  stop(): void {
    this.stopping.abort();
    for (const wake of [...this.arrivalWaiters]) wake();
  }
}
