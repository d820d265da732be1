/**
 * Runs a flow definition: scopes of states, each with InputConstructor → the state's work → OutputConstructor
 * → GlobalConstructor, Retry (first matching rule, backoff in virtual seconds) then Catch, history events.
 */
import type { Clock } from '../clock.js';
import { ASSUMPTIONS } from './assumptions.js';
import { construct } from './constructors.js';
import type { CatchRule, FlowDefinition, RetryRule, Scope, State } from './definition/schema.js';
import { FatalFlowError, FlowError } from './errors.js';
import { type Checkpoint, Execution, type Integrations, jsonOf, stateDataJson } from './execution.js';
import { RANDOM, type Variables } from './expressions/evaluate.js';
import type { Random } from './random.js';
import { runChoice } from './states/ChoiceState.js';
import { runFail } from './states/FailState.js';
import { runMap } from './states/MapState.js';
import { runParallel } from './states/ParallelState.js';
import { runPass } from './states/PassState.js';
import { runSucceed } from './states/SucceedState.js';
import { runTask } from './states/TaskState.js';
import type { StateContext, StateResult } from './states/types.js';
import { runWait } from './states/WaitState.js';

type Runner = (state: never, input: Record<string, unknown>, ctx: StateContext) => Promise<StateResult>;
const RUNNERS: Record<State['Type'], Runner> = {
  Task: runTask,
  Pass: runPass,
  Wait: runWait,
  Choice: runChoice,
  Succeed: runSucceed,
  Fail: runFail,
  Parallel: runParallel,
  Map: runMap,
};

const matches = (errors: string[], code: string) =>
  errors.includes(ASSUMPTIONS.wildcard) || errors.includes(code);

/** Wait before retry n (1-based) of a rule: min(IntervalSeconds × BackoffRate^(n−1), MaxBackoffSeconds). */
export function retryDelaySeconds(rule: RetryRule, n: number): number {
  const raw = rule.IntervalSeconds * (rule.BackoffRate ?? 1) ** (n - 1);
  return rule.MaxBackoffSeconds === undefined ? raw : Math.min(raw, rule.MaxBackoffSeconds);
}

export class StateExecutor {
  constructor(private readonly execution: Execution) {}

  private contextVars(
    state: State,
    input: Record<string, unknown>,
    retryCount: number,
    extra: Variables = {},
  ): Variables {
    const e = this.execution;
    return {
      $Input: input,
      $Global: e.global,
      $Context: {
        Execution: { Name: e.name, Input: e.input, StartTime: new Date(e.startedAt).toISOString() },
        Current: { Name: state.Name, Input: input, RetryCount: retryCount },
      },
      ...extra,
      [RANDOM]: e.random,
    };
  }

  /**
   * Runs a scope from `from` (its StartAt unless resuming). The flow's own scope (`topLevel`) checkpoints
   * before each state after the first, so a restarted local cloud resumes from the last completed state.
   */
  async runScope(
    scope: Scope,
    input: Record<string, unknown>,
    options: { from?: string; topLevel?: boolean } = {},
  ): Promise<Record<string, unknown>> {
    const byName = new Map(scope.States.map((s) => [s.Name, s]));
    let current = options.from ?? scope.StartAt;
    let data = input;
    for (let step = 0; ; step++) {
      if (options.topLevel && step > 0) this.execution.reachCheckpoint(current, data);
      const state = byName.get(current)!;
      this.execution.recordJson('StateEntered', state.Name, `{"input":${jsonOf(data)}}`);
      let result: StateResult;
      try {
        result = await this.runWithRetry(state, data);
      } catch (error) {
        if (!(error instanceof FlowError) || error instanceof FatalFlowError) throw error;
        const rule = ('Catch' in state ? (state.Catch as CatchRule[] | undefined) : undefined)?.find((c) =>
          matches(c.Errors, error.code),
        );
        if (!rule) throw error;
        const failure = { Code: error.code, Detail: error.detail };
        data = rule.OutputConstructor
          ? construct(rule.OutputConstructor, {
              $Input: data,
              $Global: this.execution.global,
              $Context: {
                Execution: { Name: this.execution.name, Input: this.execution.input },
                Current: { Name: state.Name, Input: data, Error: failure },
              },
              [RANDOM]: this.execution.random,
            })
          : { [ASSUMPTIONS.catchErrorKey]: failure };
        this.execution.record('StateCaught', state.Name, { error: failure, next: rule.Next });
        current = rule.Next;
        continue;
      }
      if (result.endScope || ('End' in state && state.End)) return result.output;
      current = result.next ?? (state as { Next: string }).Next;
      data = result.output;
    }
  }

  private async runWithRetry(state: State, input: Record<string, unknown>): Promise<StateResult> {
    const rules: RetryRule[] = 'Retry' in state ? (state.Retry ?? []) : [];
    const used = rules.map(() => 0);
    let retryCount = 0;
    for (;;) {
      try {
        return await this.runOnce(state, input, retryCount);
      } catch (error) {
        if (!(error instanceof FlowError) || error instanceof FatalFlowError) throw error;
        this.execution.record('StateFailed', state.Name, {
          error: { Code: error.code, Detail: error.detail },
        });
        const index = rules.findIndex((r) => matches(r.Errors, error.code));
        if (index < 0 || used[index]! >= rules[index]!.MaxAttempts) throw error;
        used[index]!++;
        retryCount++;
        const delay = retryDelaySeconds(rules[index]!, used[index]!);
        this.execution.record('StateRetried', state.Name, {
          attempt: retryCount,
          delaySeconds: delay,
          code: error.code,
        });
        await this.execution.clock.sleep(delay * 1000);
      }
    }
  }

  private async runOnce(
    state: State,
    rawInput: Record<string, unknown>,
    retryCount: number,
  ): Promise<StateResult> {
    const e = this.execution;
    e.record('StateStarted', state.Name, { retryCount });
    const input =
      'InputConstructor' in state && state.InputConstructor
        ? construct(state.InputConstructor, this.contextVars(state, rawInput, retryCount))
        : rawInput;
    stateDataJson(input, 'input', state.Name);
    const vars = this.contextVars(state, input, retryCount);
    const ctx: StateContext = {
      execution: e,
      vars,
      runScope: (scope, scopeInput) => this.runScope(scope, scopeInput),
    };
    let result: StateResult;
    try {
      result = await RUNNERS[state.Type](state as never, input, ctx);
    } catch (error) {
      if (state.Type === 'Task' && error instanceof FlowError)
        e.record('TaskFailed', state.Name, { error: { Code: error.code, Detail: error.detail } });
      throw error;
    }
    if (state.Type === 'Task')
      e.recordJson('TaskSucceeded', state.Name, `{"output":${jsonOf(result.output)}}`);
    const outputVars = { ...vars, $Output: result.output };
    const output =
      'OutputConstructor' in state && state.OutputConstructor
        ? construct(state.OutputConstructor, outputVars)
        : result.output;
    if ('GlobalConstructor' in state && state.GlobalConstructor)
      e.global = { ...e.global, ...construct(state.GlobalConstructor, outputVars) };
    e.recordJson('StateSucceeded', state.Name, `{"output":${stateDataJson(output, 'output', state.Name)}}`);
    return { ...result, output: output as Record<string, unknown> };
  }
}

interface ExecutionOptions {
  name: string;
  input: Record<string, unknown>;
  clock: Clock;
  integrations: Integrations;
  /** The source of randomInt() and uuid(); the system's unless a test seeds one. */
  random?: Random;
}

const executionOf = (flow: FlowDefinition, o: ExecutionOptions, startedAt?: number) =>
  new Execution(o.name, flow, o.input, o.clock, o.integrations, o.random, startedAt);

/** Starts an execution in the background; it keeps running on the virtual clock until it ends. */
export function startExecution(flow: FlowDefinition, options: ExecutionOptions): Execution {
  const execution = executionOf(flow, options);
  execution.record('ExecutionStarted', '', { input: options.input });
  run(execution, options.input);
  return execution;
}

/**
 * Resumes an execution a restarted local cloud finds unfinished, from its last checkpoint (or its start): the
 * state that was running when the process died runs again, as CloudFlow reruns a step it has no result for.
 * Its history restarts here (the local cloud does not keep histories across restarts).
 */
export function resumeExecution(
  flow: FlowDefinition,
  options: ExecutionOptions & { startedAt: number; checkpoint: Checkpoint | undefined },
): Execution {
  const execution = executionOf(flow, options, options.startedAt);
  const from = options.checkpoint;
  execution.global = from?.global ?? {};
  execution.checkpoint = from;
  execution.record('ExecutionResumed', from?.state ?? flow.StartAt, { input: from?.data ?? options.input });
  run(execution, from?.data ?? options.input, from?.state);
  return execution;
}

function run(execution: Execution, input: Record<string, unknown>, from?: string): void {
  const { flow, clock } = execution;
  const running = new StateExecutor(execution).runScope(flow, input, {
    topLevel: true,
    ...(from ? { from } : {}),
  });
  const remainingMs =
    flow.Timeout === undefined ? undefined : flow.Timeout * 1000 - (clock.now() - execution.startedAt);
  const guarded =
    remainingMs === undefined
      ? running
      : Promise.race([
          running,
          clock.sleep(Math.max(0, remainingMs)).then(() => {
            throw new FatalFlowError('FnF.Timeout', `the execution ran longer than ${flow.Timeout} seconds`);
          }),
        ]);
  guarded.then(
    (output) => {
      if (execution.status !== 'Running') return;
      execution.record('ExecutionSucceeded', '', { output });
      execution.finish('Succeeded', { output });
    },
    (error: unknown) => {
      if (execution.status !== 'Running') return;
      const flowError =
        error instanceof FlowError
          ? error
          : new FlowError('FnF.RuntimeError', (error as Error)?.message ?? String(error));
      const timedOut = flowError.code === 'FnF.Timeout';
      try {
        execution.record(timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', '', {
          error: flowError.code,
          cause: flowError.detail,
        });
      } catch {
        // The history is full: the failure is still reported by the status.
      }
      execution.finish(timedOut ? 'TimedOut' : 'Failed', { code: flowError.code, detail: flowError.detail });
    },
  );
}
