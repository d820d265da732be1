import { ASSUMPTIONS } from '../assumptions.js';
import type { WaitState } from '../definition/schema.js';
import { FlowError } from '../errors.js';
import { evaluateText } from '../expressions/evaluate.js';
import type { StateContext, StateResult } from './types.js';

/** Wait: sleeps a whole number of virtual seconds in 1–300 (Standard mode), then passes its input through. */
export async function runWait(
  state: WaitState,
  input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const seconds =
    state['Seconds.$'] !== undefined ? evaluateText(state['Seconds.$'], ctx.vars) : state.Seconds;
  const { min, max } = ASSUMPTIONS.waitSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new FlowError(
      'FnF.InvalidWaitSeconds',
      `${state.Name}: Seconds must be a whole number from ${min} to ${max}, got ${JSON.stringify(seconds)}`,
    );
  }
  await ctx.execution.clock.sleep(seconds * 1000);
  return { output: input };
}
