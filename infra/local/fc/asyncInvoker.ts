/**
 * FC's asynchronous invocations: accepted at once, then run in the background, retried with growing
 * intervals up to the function's `maxAsyncRetryAttempts` and within its `maxAsyncEventAgeInSeconds`, and
 * finally sent to its failure destination: another function of the deployment is invoked asynchronously with
 * the failure record (FC's "result callback": a function may be a destination); any other destination (a
 * queue) is recorded, as a service the local cloud does not have. Source: FC 3.0 "Configure a retry
 * mechanism", "Result callback", and fc3 asyncInvokeConfig.
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
    /**
     * The deployment's function a destination ARN names (`acs:fc:<region>:<account>:functions/<name>`), when
     * the failed function's role may invoke it; undefined: the destination is recorded instead.
     */
    private readonly functionAt: (arn: string, from: InstancePool) => InstancePool | undefined = () =>
      undefined,
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
    const target = destination ? this.functionAt(destination, pool) : undefined;
    if (target) {
      this.start(
        target,
        failureRecord(pool, body, requestId, last, this.clock.now()),
        `${requestId}-failure`,
        'Async',
      );
      return;
    }
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
