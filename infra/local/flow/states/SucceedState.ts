import type { SucceedState } from '../definition/schema.js';
import type { StateContext, StateResult } from './types.js';

/** Succeed: ends the current scope (the flow, a Parallel branch or a Map item) successfully. */
export async function runSucceed(
  _state: SucceedState,
  input: Record<string, unknown>,
  _ctx: StateContext,
): Promise<StateResult> {
  return { output: input, endScope: true };
}
