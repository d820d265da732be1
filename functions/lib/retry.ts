/**
 * Retrying a cloud call: only errors classed `retry`, capped exponential backoff with full jitter, bounded by
 * attempts and by total time. The operation is the same closure on every attempt, so it sends the same
 * parameters and the same ClientToken each time (pop-core renews the nonce, timestamp and signature itself).
 */
import { fullJitterDelay, type Random } from './backoff.js';
import { CloudApiError } from './cloudError.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time since the first attempt. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxElapsedMs: 30_000,
};

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: Random;
  now?: () => number;
  /** Called before each wait, e.g. to log the retry. */
  onRetry?: (info: { attempt: number; delayMs: number; error: CloudApiError }) => void;
}

export class RetriesExhaustedError extends CloudApiError {
  readonly attempts: number;
  constructor(last: CloudApiError, attempts: number) {
    super({
      code: last.code,
      message: last.message,
      action: last.action,
      requestId: last.requestId,
      httpStatus: last.httpStatus,
      recommend: last.recommend,
    });
    this.attempts = attempts;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error (rethrown as is), or the policy is
 * spent (the last error is rethrown as RetriesExhaustedError, still carrying its code and retry class).
 * Errors that are not CloudApiError are programming errors and are rethrown at once.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? realSleep;
  const now = hooks.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof CloudApiError) || error.retryClass !== 'retry') throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(error, attempt);
      const delayMs = fullJitterDelay(attempt - 1, policy.baseDelayMs, policy.maxDelayMs, hooks.random);
      if (now() - started + delayMs > policy.maxElapsedMs) throw new RetriesExhaustedError(error, attempt);
      hooks.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
