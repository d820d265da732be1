/**
 * A clock for emulator tests that moves only when the test says so: no real time passes on it, and a sleep
 * ends only when advance() reaches it. So a test sees `Creating` until it advances past the creation delay,
 * and a request the emulator is processing stays in flight until the test lets it finish, however slow or
 * loaded the machine is.
 */
import type { Clock } from '../../infra/local/clock.js';

export class ManualClock implements Clock {
  readonly timeScale = 1;
  private current: number;
  private readonly sleepers: { due: number; resolve: () => void }[] = [];

  constructor(startAt: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  sleep(virtualMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ due: this.current + Math.max(0, virtualMs), resolve });
      this.sleepers.sort((a, b) => a.due - b.due);
    });
  }

  /** How many sleeps are waiting (a request the emulator is processing is one). */
  get sleeping(): number {
    return this.sleepers.length;
  }

  advance(virtualMs: number): void {
    if (virtualMs < 0) throw new RangeError('the clock only moves forward');
    this.current += virtualMs;
    while (this.sleepers.length && this.sleepers[0]!.due <= this.current) this.sleepers.shift()!.resolve();
  }
}

/** Waits (yielding to the event loop, no time bound of its own) until the condition holds. */
export async function until(condition: () => boolean, what: string, maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`never happened: ${what}`);
}
