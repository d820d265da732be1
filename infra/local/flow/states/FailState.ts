import type { FailState } from '../definition/schema.js';
import { FatalFlowError } from '../errors.js';
import type { StateContext, StateResult } from './types.js';

/** Fail: ends the execution with its Code and Detail (not ASL's Error/Cause). */
export async function runFail(
  state: FailState,
  _input: Record<string, unknown>,
  _ctx: StateContext,
): Promise<StateResult> {
  throw new FatalFlowError(state.Code ?? 'FnF.Fail', state.Detail);
}
