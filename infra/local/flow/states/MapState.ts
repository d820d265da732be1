import { ASSUMPTIONS } from '../assumptions.js';
import type { MapState } from '../definition/schema.js';
import { FlowError } from '../errors.js';
import { evaluateText } from '../expressions/evaluate.js';
import type { StateContext, StateResult } from './types.js';

/**
 * Map (inline): runs the Processor once per item of ItemsPath, concurrently — up to MaxConcuccency at a time,
 * or the inline-mode limit when it is not set — and merges the outputs, in item order, under `Items`.
 * When an iteration fails no new one starts; those already running finish, then the Map fails with the first
 * error (so nothing of the Map is still running when its Retry or Catch takes over).
 */
export async function runMap(
  state: MapState,
  _input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const items = evaluateText(state.ItemsPath, ctx.vars);
  if (!Array.isArray(items))
    throw new FlowError('FnF.InvalidExpression', `${state.Name}: ItemsPath did not give an array`);
  const limit = state.MaxConcuccency ?? ASSUMPTIONS.mapConcurrency.max;
  const outputs: Record<string, unknown>[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        outputs[index] = await ctx.runScope(state.Processor, items[index] as Record<string, unknown>);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return { output: { Items: outputs } };
}
