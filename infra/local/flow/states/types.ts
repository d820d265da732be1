import type { Execution } from '../execution.js';
import type { Variables } from '../expressions/evaluate.js';

/** What running one state produced: its raw output, and where to go (a Choice decides; Succeed ends the scope). */
export interface StateResult {
  output: Record<string, unknown>;
  next?: string;
  endScope?: boolean;
}

export interface StateContext {
  execution: Execution;
  /** The variables expressions of this state see ($Input is the state's effective input). */
  vars: Variables;
  /** Runs a nested scope (Parallel branch, Map processor) with an input. */
  runScope(
    scope: import('../definition/schema.js').Scope,
    input: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}
