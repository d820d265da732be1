/**
 * One execution of a flow: its status, output or error, `$Global`, and its history (the events
 * GetExecutionHistory returns), with the platform's limits on history size and state data.
 */
import type { Clock } from '../clock.js';
import { ASSUMPTIONS } from './assumptions.js';
import type { FlowDefinition } from './definition/schema.js';
import { FatalFlowError } from './errors.js';
import { type Random, systemRandom } from './random.js';

export type ExecutionStatus = 'Running' | 'Succeeded' | 'Failed' | 'TimedOut' | 'Stopped';

export interface HistoryEvent {
  EventId: number;
  Type: string;
  StepName: string;
  Time: string;
  /** Virtual milliseconds since the execution started (tests assert Wait and retry timing with it). */
  ElapsedMs: number;
  EventDetail: string;
}

/** A top-level state to run next, its input, and `$Global` then: CloudFlow resumes an execution from here. */
export interface Checkpoint {
  state: string;
  data: Record<string, unknown>;
  global: Record<string, unknown>;
}

/** The integrations a Task can call. */
export interface Integrations {
  invokeFunction(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  putEvents(params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export class Execution {
  status: ExecutionStatus = 'Running';
  output: Record<string, unknown> | undefined;
  errorCode: string | undefined;
  errorDetail: string | undefined;
  stoppedAt: number | undefined;
  readonly startedAt: number;
  readonly events: HistoryEvent[] = [];
  global: Record<string, unknown> = {};
  /** Where the execution stands between two top-level states (what a restart resumes from). */
  checkpoint: Checkpoint | undefined;
  /** Told of each new checkpoint (a durable store journals it). */
  onCheckpoint: ((checkpoint: Checkpoint) => void) | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly flow: FlowDefinition,
    public input: Record<string, unknown>,
    readonly clock: Clock,
    readonly integrations: Integrations,
    /** The source of randomInt() and uuid(); seeded in tests. */
    readonly random: Random = systemRandom,
    /** When it started: now, unless it is an execution restored after a restart. */
    startedAt?: number,
  ) {
    this.startedAt = startedAt ?? clock.now();
  }

  /**
   * A long-finished execution keeps only its name, status and error (what StartExecution refuses a name
   * for): its input, output and history go.
   */
  forgetDetails(): void {
    this.input = {};
    this.output = undefined;
    this.global = {};
    this.checkpoint = undefined;
    this.events.length = 0;
  }

  /** The top-level state about to run and its input, with `$Global` as it is then. */
  reachCheckpoint(state: string, data: Record<string, unknown>): void {
    this.checkpoint = { state, data, global: this.global };
    this.onCheckpoint?.(this.checkpoint);
  }

  record(type: string, stepName: string, detail: unknown = {}): void {
    this.recordJson(type, stepName, JSON.stringify(detail));
  }

  /** A history event whose detail is already JSON text. */
  recordJson(type: string, stepName: string, detailJson: string): void {
    if (this.events.length >= ASSUMPTIONS.historyEventLimit) {
      throw new FatalFlowError(
        'FnF.HistoryEventLimitExceeded',
        `the execution reached ${ASSUMPTIONS.historyEventLimit} history events`,
      );
    }
    const now = this.clock.now();
    this.events.push({
      EventId: this.events.length + 1,
      Type: type,
      StepName: stepName,
      Time: new Date(now).toISOString(),
      ElapsedMs: now - this.startedAt,
      EventDetail: detailJson,
    });
  }

  finish(
    status: Exclude<ExecutionStatus, 'Running'>,
    result: { output?: Record<string, unknown>; code?: string; detail?: string },
  ): void {
    if (this.status !== 'Running') return;
    this.status = status;
    this.output = result.output;
    this.errorCode = result.code;
    this.errorDetail = result.detail;
    this.stoppedAt = this.clock.now();
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    for (const listener of this.finishListeners.splice(0)) listener();
  }

  private readonly finishListeners: (() => void)[] = [];

  /** Calls `listener` once the execution has ended (at once if it already has). */
  onFinish(listener: () => void): void {
    if (this.status !== 'Running') listener();
    else this.finishListeners.push(listener);
  }

  /** Resolves when the execution ends, or after `realMs` (for DescribeExecution's WaitTimeSeconds). */
  waitForEnd(realMs: number): Promise<void> {
    if (this.status !== 'Running') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, realMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}

/**
 * JSON text of state data, made once per object: a state's output is the next state's input, its history
 * events and its size check all want the same text. The executor never changes state data in place (every
 * constructor and Task builds a new object), so the text stays true.
 */
const jsonText = new WeakMap<object, string>();
export function jsonOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let text = jsonText.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    jsonText.set(value, text);
  }
  return text;
}

/** The state data as JSON text, checked to be an object within CloudFlow's size limit (the text is reused). */
export function stateDataJson(value: unknown, what: string, state: string): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FatalFlowError('FnF.InvalidStateData', `the ${what} of ${state} must be a JSON object`);
  }
  const text = jsonOf(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > ASSUMPTIONS.stateDataLimitBytes) {
    throw new FatalFlowError(
      'FnF.DataLimitExceeded',
      `the ${what} of ${state} is ${bytes} bytes; the limit is ${ASSUMPTIONS.stateDataLimitBytes}`,
    );
  }
  return text;
}
