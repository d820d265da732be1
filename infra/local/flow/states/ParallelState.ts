import type { ParallelState } from '../definition/schema.js';
import type { StateContext, StateResult } from './types.js';

/** Parallel: every branch gets the input; the output maps Branch0, Branch1, … to each branch's output. */
export async function runParallel(
  state: ParallelState,
  input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const outputs = await Promise.all(
    state.Branches.map((branch) => ctx.runScope(branch, structuredClone(input))),
  );
  return { output: Object.fromEntries(outputs.map((o, i) => [`Branch${i}`, o])) };
}
