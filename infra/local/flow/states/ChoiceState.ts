import type { ChoiceState } from '../definition/schema.js';
import { evaluateCondition } from '../expressions/evaluate.js';
import type { StateContext, StateResult } from './types.js';

/** Choice: the first branch whose Condition holds, else Default; the input passes through. */
export async function runChoice(
  state: ChoiceState,
  input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const branch = state.Branches.find((b) => evaluateCondition(b.Condition, ctx.vars));
  return { output: input, next: branch ? branch.Next : state.Default };
}
