/**
 * One virtual clock for every piece of the local cloud. Virtual time runs `timeScale` times faster than real
 * time (so a 30-second creation takes 30 ms at scale 1000) and can be advanced by hand; cloud delays, Wait
 * states and backoff are all measured in virtual seconds, so tests and benchmarks stay fast and exact.
 */
export interface Clock {
  /** Virtual epoch milliseconds. */
  now(): number;
  readonly timeScale: number;
  /**
   * Resolves after `virtualMs` of virtual time (or earlier, if the clock is advanced past it); at once, and
   * without holding anything, when `signal` aborts.
   */
  sleep(virtualMs: number, signal?: AbortSignal): Promise<void>;
  /** Jumps virtual time forward; pending sleeps that are now due resolve at once. */
  advance(virtualMs: number): void;
}

interface Sleeper {
  due: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class VirtualClock implements Clock {
  private readonly realStart: number;
  private readonly virtualStart: number;
  private offset = 0;
  private readonly sleepers = new Set<Sleeper>();
  private stopped = false;

  constructor(
    readonly timeScale = 1,
    startAt: number = Date.now(),
  ) {
    if (!(timeScale > 0)) throw new RangeError('timeScale must be a positive number');
    this.realStart = Date.now();
    this.virtualStart = startAt;
  }

  now(): number {
    return Math.floor(this.virtualStart + (Date.now() - this.realStart) * this.timeScale + this.offset);
  }

  /** `scale,realMs,virtualMs`: how another process (a function) can follow this clock (MIRRORFLOW_LOCAL_TIME). */
  describe(): string {
    return `${this.timeScale},${this.realStart},${this.virtualStart + this.offset}`;
  }

  sleep(virtualMs: number, signal?: AbortSignal): Promise<void> {
    const due = this.now() + Math.max(0, virtualMs);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      if (this.stopped) return;
      const sleeper: Sleeper = {
        due,
        resolve: () => {
          clearTimeout(sleeper.timer);
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.resolve);
          resolve();
        },
        timer: setTimeout(() => sleeper.resolve(), Math.max(0, virtualMs) / this.timeScale),
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.resolve, { once: true });
    });
  }

  advance(virtualMs: number): void {
    if (virtualMs < 0) throw new RangeError('the clock only moves forward');
    this.offset += virtualMs;
    const now = this.now();
    for (const sleeper of [...this.sleepers]) if (sleeper.due <= now) sleeper.resolve();
  }

  /**
   * The stack that owns the clock has stopped: pending sleeps never end, and their timers no longer hold the
   * process open (a Wait of minutes would otherwise keep a stopped `up` alive that long).
   */
  stop(): void {
    this.stopped = true;
    for (const sleeper of this.sleepers) clearTimeout(sleeper.timer);
    this.sleepers.clear();
  }
}

/** The seed's CreationTime format: `2023-09-05T15:26Z` (UTC, minutes). */
export function formatCreationTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16)}Z`;
}

/** Sleepers ordered by when they are due, woken as virtual time reaches them. */
class SleeperQueue {
  private readonly sleepers: { due: number; resolve: () => void }[] = [];

  get size(): number {
    return this.sleepers.length;
  }

  get next(): number | undefined {
    return this.sleepers[0]?.due;
  }

  add(due: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { due, resolve };
      this.sleepers.push(sleeper);
      this.sleepers.sort((a, b) => a.due - b.due);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.sleepers.indexOf(sleeper);
          if (index >= 0) this.sleepers.splice(index, 1);
          resolve();
        },
        { once: true },
      );
    });
  }

  wake(now: number): void {
    while (this.sleepers.length && this.sleepers[0]!.due <= now) this.sleepers.shift()!.resolve();
  }
}

/**
 * A clock that moves only when told to (`advance`): no real time passes on it, so a test sees each
 * intermediate state for as long as it wants, however slow or loaded the machine is.
 */
export class ManualClock implements Clock {
  readonly timeScale: number = 1;
  protected current: number;
  protected readonly queue = new SleeperQueue();

  constructor(startAt: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  sleep(virtualMs: number, signal?: AbortSignal): Promise<void> {
    return this.queue.add(this.current + Math.max(0, virtualMs), signal);
  }

  /** How many sleeps are waiting (a request the emulator is processing is one). */
  get sleeping(): number {
    return this.queue.size;
  }

  advance(virtualMs: number): void {
    if (virtualMs < 0) throw new RangeError('the clock only moves forward');
    this.current += virtualMs;
    this.queue.wake(this.current);
  }
}

/**
 * A clock for tests and benchmarks: virtual time stands still until everything that runs is waiting on a
 * sleep, then jumps to the earliest one. Timings in virtual seconds come out exact, however loaded the
 * machine is. `settleMs` is how long (real) it waits for other work to settle before jumping.
 */
export class SimulatedClock extends ManualClock {
  override readonly timeScale = Number.POSITIVE_INFINITY;
  private scheduled = false;

  constructor(
    startAt: number = Date.parse('2026-01-01T00:00:00Z'),
    private readonly settleMs = 3,
  ) {
    super(startAt);
  }

  override sleep(virtualMs: number, signal?: AbortSignal): Promise<void> {
    const slept = super.sleep(virtualMs, signal);
    this.schedule();
    return slept;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      const next = this.queue.next;
      if (next === undefined) return;
      this.current = Math.max(this.current, next);
      this.queue.wake(this.current);
      if (this.queue.size) this.schedule();
    }, this.settleMs);
  }
}
