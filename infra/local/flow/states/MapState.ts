import type { MapState } from '../definition/schema.js';
import { FlowError } from '../errors.js';
import { evaluateText } from '../expressions/evaluate.js';
import type { StateContext, StateResult } from './types.js';

/** Map (inline): runs the Processor once per item of ItemsPath, one after another; output `{Items: […]}`. */
export async function runMap(
  state: MapState,
  _input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const items = evaluateText(state.ItemsPath, ctx.vars);
  if (!Array.isArray(items))
    throw new FlowError('FnF.InvalidExpression', `${state.Name}: ItemsPath did not give an array`);
  const outputs: Record<string, unknown>[] = [];
  for (const item of items) {
    outputs.push(await ctx.runScope(state.Processor, item as Record<string, unknown>));
  }
  return { output: { Items: outputs } };
}
