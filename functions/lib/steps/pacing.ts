/**
 * Mutating calls paced under the API's flow control: call k is due k intervals after the first, on the
 * cloud's clock, so the rate holds whatever each call's round trip (a slow call is not followed by a full wait).
 */
export function pacedCalls(
  perSecond: number,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
): () => Promise<void> {
  const interval = 1000 / perSecond;
  let calls = 0;
  let startedAt = 0;
  return async () => {
    if (calls === 0) startedAt = now();
    const due = startedAt + calls * interval;
    calls += 1;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
  };
}
