/**
 * Retrying a cloud call: only errors classed `retry`, capped exponential backoff with full jitter, bounded by
 * attempts and by total time. The operation is the same closure on every attempt, so it sends the same
 * parameters and the same ClientToken each time (pop-core renews the nonce, timestamp and signature itself).
 */

import { refusalToken } from '../contract/clientToken.js';
import type { MirrorflowConfig } from '../runtime/config.js';
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

/** A cloud call of a step (Create, Update, Delete, a look-up List, a hand-off): the configured budget. */
export function cloudCallPolicy(config: {
  retryMaxAttempts: number;
  retryMaxElapsedMs: number;
}): RetryPolicy {
  return {
    maxAttempts: config.retryMaxAttempts,
    baseDelayMs: 500,
    maxDelayMs: 5_000,
    maxElapsedMs: config.retryMaxElapsedMs,
  };
}

/**
 * check-status's List: short, because the flow looks again anyway (a failed look only lengthens the next
 * wait), and an invocation must stay far from its timeout.
 */
export const STATUS_LOOK_POLICY: RetryPolicy = {
  maxAttempts: 2,
  baseDelayMs: 200,
  maxDelayMs: 1_000,
  maxElapsedMs: 3_000,
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
  policy: RetryPolicy,
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

/**
 * The cloud looked at the request and refused it because a resource was busy or changing state: a definite
 * answer it may remember with the token (unlike throttling, 5xx or a lost answer, after which the same token
 * must be sent again, since the Create may have happened).
 */
export function isStateRefusal(error: unknown): error is CloudApiError {
  return (
    error instanceof CloudApiError &&
    (error.code === 'OperationConflict' ||
      error.code === 'IncorrectStatus' ||
      error.code.startsWith('IncorrectStatus.'))
  );
}

export type Retrying = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * A retried call whose ClientToken moves on after each state refusal: the refused token could only get its
 * refusal back, so the n-th refusal is followed by refusalToken(token, n) — the same sequence on every delivery.
 */
export function retryingWithRefusalTokens<T>(
  retrying: Retrying,
  token: string,
  call: (clientToken: string) => Promise<T>,
): Promise<T> {
  let refusals = 0;
  return retrying(async () => {
    try {
      return await call(refusals === 0 ? token : refusalToken(token, refusals));
    } catch (error) {
      if (isStateRefusal(error)) refusals++;
      throw error;
    }
  });
}

/** Retries a cloud call as a step's settings say, logging each retry (the same for every step). */
export function retryingFor(deps: {
  config: Pick<MirrorflowConfig, 'retryMaxAttempts' | 'retryMaxElapsedMs'>;
  retryHooks?: RetryHooks;
  log?: (message: string, details: Record<string, unknown>) => void;
}): Retrying {
  const log = deps.log ?? (() => {});
  const policy = cloudCallPolicy(deps.config);
  const hooks: RetryHooks = {
    ...deps.retryHooks,
    onRetry: (info) => {
      log('retrying cloud call', {
        action: info.error.action,
        code: info.error.code,
        attempt: info.attempt,
        delayMs: info.delayMs,
      });
      deps.retryHooks?.onRetry?.(info);
    },
  };
  return (operation) => withRetry(operation, policy, hooks);
}

/** Each call retried under the cloud-call policy: a listing's pages, so a throttled page is retried alone. */
export function retryingPages(runtime: {
  config: { retryMaxAttempts: number; retryMaxElapsedMs: number };
  retryHooks?: RetryHooks;
}): <T>(call: () => Promise<T>) => Promise<T> {
  const policy = cloudCallPolicy(runtime.config);
  return (call) => withRetry(() => call(), policy, runtime.retryHooks);
}
