import type { PassState } from '../definition/schema.js';
import type { StateContext, StateResult } from './types.js';

/** Pass: its (constructed) input is its output. */
export async function runPass(
  _state: PassState,
  input: Record<string, unknown>,
  _ctx: StateContext,
): Promise<StateResult> {
  return { output: input };
}
