/**
 * FC's asynchronous invocations: accepted at once, then run in the background, retried with growing
 * intervals up to the function's `maxAsyncRetryAttempts` and within its `maxAsyncEventAgeInSeconds`, and
 * finally sent to its failure destination: another function of the deployment is invoked asynchronously with
 * the failure record (FC's "result callback": a function may be a destination); any other destination (a
 * queue) is recorded, as a service the local cloud does not have. Source: FC 3.0 "Configure a retry
 * mechanism", "Result callback", and fc3 asyncInvokeConfig.
 */
import type { Clock } from '../clock.js';
import type { Journal } from '../durable/journal.js';
import type { InstancePool, InvocationOutcome } from './pool.js';

/**
 * FC's async queue with `--state DIR` (`fc-async.jsonl`): an invocation is written before the 202 that
 * accepts it, each retry as it begins, and its end; a restarted host runs what had not ended, from the
 * attempt it was on (at least once, as FC's own queue delivers).
 */
export type AsyncRecord =
  | { op: 'queued'; id: string; fn: string; body: string; requestId: string; type: 'Async' | 'Timer' }
  | { op: 'attempt'; id: string; attempt: number }
  | { op: 'done'; id: string };

interface QueuedInvocation {
  id: string;
  fn: string;
  body: string;
  requestId: string;
  type: 'Async' | 'Timer';
  attempt: number;
}

/** The invocations the journal holds that had not ended, oldest first. */
export function pendingInvocations(records: Iterable<AsyncRecord>): QueuedInvocation[] {
  const pending = new Map<string, QueuedInvocation>();
  for (const r of records) {
    if (r.op === 'queued') {
      const { op: _, ...queued } = r;
      pending.set(r.id, { ...queued, attempt: 1 });
    } else if (r.op === 'attempt') {
      const queued = pending.get(r.id);
      if (queued) queued.attempt = r.attempt;
    } else pending.delete(r.id);
  }
  return [...pending.values()];
}

export interface DeadLetter {
  function: string;
  destination: string;
  requestId: string;
  error: string;
  time: string;
}

type InvokeOnce = (
  pool: InstancePool,
  body: Buffer,
  requestId: string,
  type: 'Async' | 'Timer',
  attempt: number,
) => Promise<InvocationOutcome>;

const DEFAULTS = { maxAsyncRetryAttempts: 3, maxAsyncEventAgeInSeconds: 18_000 };

export class AsyncInvoker {
  readonly deadLetters: DeadLetter[] = [];
  private pending = 0;
  private sequence = 0;
  /** What the journal would rebuild: the invocations not yet ended. */
  private readonly queued = new Map<string, QueuedInvocation>();
  /** Aborted on close: invocations waiting for a retry stop instead of holding the process open. */
  private readonly stopping = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly invokeOnce: InvokeOnce,
    /**
     * The deployment's function a destination ARN names (`acs:fc:<region>:<account>:functions/<name>`), when
     * the failed function's role may invoke it; undefined: the destination is recorded instead.
     */
    private readonly functionAt: (arn: string, from: InstancePool) => InstancePool | undefined = () =>
      undefined,
    /** With `--state DIR`: the queue's journal. */
    private readonly journal?: Journal<AsyncRecord>,
  ) {}

  /** Accepts an invocation: journaled (with a state directory) before the caller answers 202. */
  start(pool: InstancePool, body: Buffer, requestId: string, type: 'Async' | 'Timer'): void {
    const queued: QueuedInvocation = {
      id: `${requestId}#${++this.sequence}`,
      fn: pool.config.name,
      body: body.toString('base64'),
      requestId,
      type,
      attempt: 1,
    };
    // In the live state before its line is written: a rewrite of the journal that the line sets off keeps it.
    this.queued.set(queued.id, queued);
    const { attempt: _, ...record } = queued;
    this.write({ op: 'queued', ...record });
    this.launch(pool, body, queued);
  }

  /** After a restart: runs each invocation the journal holds that had not ended, from its attempt. */
  resume(records: AsyncRecord[], poolOf: (fn: string) => InstancePool | undefined): void {
    for (const queued of pendingInvocations(records)) {
      const pool = poolOf(queued.fn);
      if (pool) this.launch(pool, Buffer.from(queued.body, 'base64'), queued);
    }
    // From the live queue: it also holds what was accepted while the host was starting.
    this.journal?.rewrite([...this.queued.values()].flatMap(queuedRecords));
  }

  private launch(pool: InstancePool, body: Buffer, queued: QueuedInvocation): void {
    this.queued.set(queued.id, queued);
    this.pending++;
    void this.run(pool, body, queued).finally(() => {
      this.pending--;
      if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private write(record: AsyncRecord): void {
    if (!this.journal) return;
    this.journal.append(record);
    if (this.journal.wantsCompaction) this.journal.rewrite([...this.queued.values()].flatMap(queuedRecords));
  }

  private async run(pool: InstancePool, body: Buffer, queued: QueuedInvocation) {
    // Closing is the process going away: what it had not finished stays in the journal.
    if (!(await this.attempts(pool, body, queued))) return;
    this.queued.delete(queued.id);
    this.write({ op: 'done', id: queued.id });
  }

  /** Runs the attempts left; false when the host closed first (the invocation has not ended). */
  private async attempts(pool: InstancePool, body: Buffer, queued: QueuedInvocation): Promise<boolean> {
    const { requestId, type } = queued;
    const settings = pool.config.async ?? DEFAULTS;
    const expires = this.clock.now() + settings.maxAsyncEventAgeInSeconds * 1000;
    let last = '';
    for (let attempt = queued.attempt; attempt <= settings.maxAsyncRetryAttempts + 1; attempt++) {
      if (attempt > queued.attempt) {
        queued.attempt = attempt;
        this.write({ op: 'attempt', id: queued.id, attempt });
      }
      const outcome = await this.invokeOnce(pool, body, requestId, type, attempt).catch(
        (error: unknown): InvocationOutcome => ({
          ok: false,
          error: { errorMessage: String(error), errorType: 'HostError' },
        }),
      );
      if (outcome.ok) return true;
      if (this.stopping.signal.aborted) return false;
      last = `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
      if (attempt > settings.maxAsyncRetryAttempts) break;
      const delay = 2 ** (attempt - 1) * 1000;
      if (this.clock.now() + delay > expires) break;
      await this.clock.sleep(delay, this.stopping.signal);
      if (this.stopping.signal.aborted) return false;
    }
    const destination = pool.config.async?.onFailure;
    const target = destination ? this.functionAt(destination, pool) : undefined;
    if (target) {
      this.start(
        target,
        failureRecord(pool, body, requestId, last, this.clock.now()),
        `${requestId}-failure`,
        'Async',
      );
      return true;
    }
    if (destination)
      this.deadLetters.push({
        function: pool.config.name,
        destination,
        requestId,
        error: last.slice(0, 1000),
        time: new Date(this.clock.now()).toISOString(),
      });
    return true;
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Resolves when no async invocation is running or waiting for a retry. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }
}

function queuedRecords(q: QueuedInvocation): AsyncRecord[] {
  const { attempt, ...record } = q;
  return [
    { op: 'queued', ...record },
    ...(attempt > 1 ? [{ op: 'attempt' as const, id: q.id, attempt }] : []),
  ];
}

/**
 * What a failure destination function receives: the failed request's context, its original payload, and why
 * it failed. The shape follows FC's result callback (requestContext, requestPayload, responseContext,
 * responsePayload); the docs show it only in part, so mirrorflow's destination function reads it tolerantly.
 */
function failureRecord(
  pool: InstancePool,
  body: Buffer,
  requestId: string,
  error: string,
  now: number,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      timestamp: now,
      requestContext: {
        requestId,
        functionArn: `acs:fc:::functions/${pool.config.name}`,
        condition: 'RetriesExhausted',
        approximateInvokeCount:
          (pool.config.async?.maxAsyncRetryAttempts ?? DEFAULTS.maxAsyncRetryAttempts) + 1,
      },
      requestPayload: body.toString('utf8'),
      responseContext: { statusCode: 200, functionError: 'UnhandledInvocationError' },
      responsePayload: error,
    }),
  );
}
