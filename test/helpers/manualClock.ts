/** The manual clock (infra/local/clock.ts) and a wait for a condition, for emulator tests. */
export { ManualClock } from '../../infra/local/clock.js';

/** Waits (yielding to the event loop, no time bound of its own) until the condition holds. */
export async function until(condition: () => boolean, what: string, maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`never happened: ${what}`);
}
