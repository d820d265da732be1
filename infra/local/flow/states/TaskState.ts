import { construct } from '../constructors.js';
import type { TaskState } from '../definition/schema.js';
import { FlowError } from '../errors.js';
import type { StateContext, StateResult } from './types.js';

/** Task: evaluates Parameters and calls the integration; a Timeout (seconds, 0 = none) fails with FnF.TaskTimeout. */
export async function runTask(
  state: TaskState,
  _input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const params = state.Parameters ? construct(state.Parameters, ctx.vars) : {};
  const { integrations, clock } = ctx.execution;
  const call =
    state.Action === 'FC:InvokeFunction'
      ? integrations.invokeFunction(params)
      : state.Action === 'EventBridge:PutEvents'
        ? integrations.putEvents(params)
        : Promise.reject(new FlowError('FnF.UnsupportedAction', `${state.Action} cannot run locally`));
  const timeoutSeconds = state.Timeout === undefined ? 0 : Number(state.Timeout);
  if (timeoutSeconds <= 0) return { output: await call };
  let timer = true;
  const timeout = clock.sleep(timeoutSeconds * 1000).then(() => {
    if (timer)
      throw new FlowError('FnF.TaskTimeout', `${state.Name} did not finish within ${timeoutSeconds} seconds`);
    return {};
  });
  try {
    return { output: await Promise.race([call, timeout]) };
  } finally {
    timer = false;
  }
}
