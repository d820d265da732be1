/**
 * What EventBridge does with the events it accepts: keeps them (oldest first, with their arrival time), and
 * hands each to the targets of the matching rules of its bus, at least once — retried as the target's push
 * retry strategy says, then given up (recorded) — and, on request, more than once, to prove consumers
 * idempotent.
 */
import type { Clock } from '../clock.js';
import type { Journal } from '../durable/journal.js';
import { HttpError } from '../http.js';
import type { EntryResult, EventBridgeModel, Rule, StoredEvent } from './model.js';
import type { Target } from './targets.js';

/**
 * The bus with `--state DIR` (`bus.jsonl`): each accepted event (before PutEvents answers), each delivery it
 * owes a target, and each delivery's end. A restarted bus keeps its events and makes the deliveries that had
 * not ended (at least once, as EventBridge delivers).
 */
export type BusRecord =
  | { op: 'event'; seq: number; at: number; event: StoredEvent }
  | { op: 'send'; id: number; seq: number; bus: string; rule: string; target: string }
  | { op: 'sent'; id: number };

type Send = Extract<BusRecord, { op: 'send' }>;

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
  private sendSequence = 0;
  /** Deliveries not yet ended, by id (what the journal would rebuild). */
  private readonly sending = new Map<number, { send: Send; event: StoredEvent; at: number }>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly arrivalWaiters = new Set<() => void>();
  /** Aborted on close: retries waiting for their next attempt stop instead of holding the process open. */
  private readonly stopping = new AbortController();
  /**
   * With a journal the bus serves once `restore` has run: an event taken before would be numbered over the
   * journal's and routed before the deployment's rules exist again.
   */
  private restored: boolean;

  constructor(
    private readonly model: EventBridgeModel,
    private readonly clock: Clock,
    private readonly deliver: DeliverFn,
    private readonly keptEvents = KEPT_EVENTS,
    private readonly journal?: Journal<BusRecord>,
  ) {
    this.restored = journal === undefined;
  }

  /**
   * After a restart: the journal's events kept again (the newest), and the deliveries that had not ended
   * made again. The journal is rewritten as that state.
   */
  restore(records: BusRecord[]): void {
    const events = new Map<number, { event: StoredEvent; at: number }>();
    const pending = new Map<number, Send>();
    for (const r of records) {
      if (r.op === 'event') events.set(r.seq, { event: r.event, at: r.at });
      else if (r.op === 'send') pending.set(r.id, r);
      else pending.delete(r.id);
    }
    // The kept events are the newest run of consecutive numbers: a compacted journal also holds older events
    // that only an owed delivery still needs, which a larger `keptEvents` than before must not count as kept.
    let last = -1;
    for (const seq of events.keys()) last = Math.max(last, seq);
    let first = last + 1;
    while (first > 0 && events.has(first - 1) && last + 1 - first < this.keptEvents) first--;
    this.dropped = first;
    for (let seq = first; seq <= last; seq++) {
      this.events.push(events.get(seq)!.event);
      this.arrivals.push(events.get(seq)!.at);
    }
    this.restored = true;
    this.sendSequence = Math.max(0, ...pending.keys()) + 1;
    for (const send of pending.values()) {
      const stored = events.get(send.seq);
      if (stored) this.sending.set(send.id, { send, ...stored });
    }
    this.compact();
    for (const { send, event } of [...this.sending.values()]) {
      const rule = this.model.rules(send.bus).find((r) => r.name === send.rule);
      const target = rule?.targets.find((t) => t.Id === send.target);
      if (rule && target) this.deliverWithRetries(rule, target, event, send.id);
      else this.ended(send.id);
    }
  }

  /** Rewrites the journal as the kept events and the deliveries not yet ended. */
  private compact(): void {
    const journal = this.journal;
    if (!journal) return;
    const records: BusRecord[] = this.events.map((event, i) => ({
      op: 'event',
      seq: this.dropped + i,
      at: this.arrivals[i]!,
      event,
    }));
    for (const { send, event, at } of this.sending.values()) {
      if (send.seq < this.dropped) records.push({ op: 'event', seq: send.seq, at, event });
      records.push(send);
    }
    journal.rewrite(records);
  }

  private write(record: BusRecord): void {
    if (!this.journal) return;
    this.journal.append(record);
    if (this.journal.wantsCompaction) this.compact();
  }

  private ended(id: number): void {
    this.sending.delete(id);
    this.write({ op: 'sent', id });
  }

  /** Refuses a data-plane call while the bus is stopping or not yet restored: the sender tries again. */
  assertServing(): void {
    if (this.journal?.isClosed)
      throw new HttpError(503, 'ServiceUnavailable', 'the local bus is stopping: send the events again');
    if (!this.restored)
      throw new HttpError(503, 'ServiceUnavailable', 'the local bus is starting: send the events again');
  }

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
    // Stopping (its journal closed), an event taken now would be acknowledged and not kept.
    this.assertServing();
    const results = incoming.map((event) => {
      const bus = busOf(event);
      const refused = this.model.refusal(event, bus);
      if (refused) return refused;
      const seq = this.accepted;
      const at = this.clock.now();
      this.events.push(event);
      this.arrivals.push(at);
      if (this.events.length > this.keptEvents) {
        const over = this.events.length - this.keptEvents;
        this.events.splice(0, over);
        this.arrivals.splice(0, over);
        this.dropped += over;
      }
      // Written once it is in the live state, so a rewrite of the journal that this line sets off keeps it.
      this.write({ op: 'event', seq, at, event });
      for (const rule of this.model.matching(event, bus))
        for (const target of rule.targets)
          for (let copy = 0; copy <= this.duplicates; copy++) this.send(rule, target, event, seq, at);
      return { EventId: event.id };
    });
    for (const wake of [...this.arrivalWaiters]) wake();
    return results;
  }

  private send(rule: Rule, target: Target, event: StoredEvent, seq: number, at: number): void {
    const send: Send = {
      op: 'send',
      id: this.sendSequence++,
      seq,
      bus: rule.bus,
      rule: rule.name,
      target: target.Id,
    };
    if (this.journal) {
      this.sending.set(send.id, { send, event, at });
      this.write(send);
    }
    this.deliverWithRetries(rule, target, event, send.id);
  }

  private deliverWithRetries(rule: Rule, target: Target, event: StoredEvent, id: number): void {
    this.inFlight++;
    void (async () => {
      const plan = retryPlan(target);
      for (let attempt = 1; attempt <= plan.attempts; attempt++) {
        try {
          await this.deliver(target, event, rule);
          return this.ended(id);
        } catch {
          // Closing is the process going away: the delivery stays owed in the journal.
          if (this.stopping.signal.aborted) return;
          if (attempt < plan.attempts) await this.clock.sleep(plan.delayMs(attempt), this.stopping.signal);
          if (this.stopping.signal.aborted) return;
        }
      }
      this.undelivered.push({ rule: rule.name, target: target.Id, eventId: event.id });
      this.ended(id);
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
