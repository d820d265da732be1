/**
 * FC's asynchronous invocations: accepted at once, then run in the background, retried with growing
 * intervals up to the function's `maxAsyncRetryAttempts` and within its `maxAsyncEventAgeInSeconds`, and
 * finally sent to its failure destination (recorded here: the destinations are services the local cloud
 * does not have). Source: FC 3.0 "Configure a retry mechanism" and fc3 asyncInvokeConfig.
 */
import type { Clock } from '../clock.js';
import type { InstancePool, InvocationOutcome } from './pool.js';

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
  /** Aborted on close: invocations waiting for a retry stop instead of holding the process open. */
  private readonly stopping = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly invokeOnce: InvokeOnce,
  ) {}

  start(pool: InstancePool, body: Buffer, requestId: string, type: 'Async' | 'Timer'): void {
    this.pending++;
    void this.run(pool, body, requestId, type).finally(() => {
      this.pending--;
      if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private async run(pool: InstancePool, body: Buffer, requestId: string, type: 'Async' | 'Timer') {
    const settings = pool.config.async ?? DEFAULTS;
    const expires = this.clock.now() + settings.maxAsyncEventAgeInSeconds * 1000;
    let last = '';
    for (let attempt = 1; attempt <= settings.maxAsyncRetryAttempts + 1; attempt++) {
      const outcome = await this.invokeOnce(pool, body, requestId, type, attempt).catch(
        (error: unknown): InvocationOutcome => ({
          ok: false,
          error: { errorMessage: String(error), errorType: 'HostError' },
        }),
      );
      if (outcome.ok) return;
      last = `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
      if (attempt > settings.maxAsyncRetryAttempts) break;
      const delay = 2 ** (attempt - 1) * 1000;
      if (this.clock.now() + delay > expires) break;
      await this.clock.sleep(delay, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
    }
    const destination = pool.config.async?.onFailure;
    if (destination)
      this.deadLetters.push({
        function: pool.config.name,
        destination,
        requestId,
        error: last.slice(0, 1000),
        time: new Date(this.clock.now()).toISOString(),
      });
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Resolves when no async invocation is running or waiting for a retry. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }
}
