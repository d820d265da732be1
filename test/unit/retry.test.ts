import { describe, expect, it } from 'vitest';
import { backoffCeiling, fullJitterDelay } from '../../functions/lib/cloud/backoff.js';
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import { RetriesExhaustedError, type RetryPolicy, withRetry } from '../../functions/lib/cloud/retry.js';

const err = (code: string) => new CloudApiError({ code, message: code, action: 'Test' });
const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 60_000 };

function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    hooks: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.999999,
    },
  };
}

describe('backoff', () => {
  it('doubles up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffCeiling(a, 100, 1000))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffCeiling(5000, 100, 1000)).toBe(1000);
  });
  it('full jitter stays within [0, ceiling]', () => {
    expect(fullJitterDelay(3, 100, 1000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 100, 1000, () => 0.5)).toBe(400);
    expect(fullJitterDelay(10, 100, 1000, () => 0.999)).toBeLessThanOrEqual(1000);
  });
});

describe('withRetry', () => {
  it('retries retryable errors and returns the first success', async () => {
    const t = fakeTime();
    const codes = ['Throttling.User', 'ServiceUnavailable'];
    const attempts: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        const code = codes.shift();
        if (code) throw err(code);
        return 'ok';
      },
      policy,
      t.hooks,
    );
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(t.sleeps).toEqual([99, 199]); // full jitter near the ceiling: 100, then 200
  });

  it('does not retry terminal errors or signals', async () => {
    for (const code of ['IllegalParam.Priority', 'DryRunOperation']) {
      let calls = 0;
      await expect(
        withRetry(async () => {
          calls++;
          throw err(code);
        }, policy),
      ).rejects.toMatchObject({ code });
      expect(calls).toBe(1);
    }
  });

  it('rethrows programming errors at once', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new TypeError('bug');
      }, policy),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('stops after maxAttempts with the last error, still classified', async () => {
    const t = fakeTime();
    let calls = 0;
    const failure = await withRetry(
      async () => {
        calls++;
        throw err('Throttling');
      },
      policy,
      t.hooks,
    ).catch((e) => e);
    expect(calls).toBe(5);
    expect(failure).toBeInstanceOf(RetriesExhaustedError);
    expect(failure).toMatchObject({ code: 'Throttling', attempts: 5, retryClass: 'retry' });
  });

  it('stops when the next wait would pass the total time budget', async () => {
    const t = fakeTime();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw err('InternalError');
        },
        { ...policy, maxAttempts: 100, maxElapsedMs: 1000 },
        t.hooks,
      ),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
    const waited = t.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(1000);
    expect(calls).toBeLessThan(100);
  });

  it('calls the same operation on every attempt (so the ClientToken never changes)', async () => {
    const t = fakeTime();
    const seen: string[] = [];
    const params = { ClientToken: 'mf-ev-abc' };
    let n = 0;
    await withRetry(
      async () => {
        seen.push(params.ClientToken);
        if (n++ < 2) throw err('LastTokenProcessing');
        return params;
      },
      policy,
      t.hooks,
    );
    expect(seen).toEqual(['mf-ev-abc', 'mf-ev-abc', 'mf-ev-abc']);
  });
});
