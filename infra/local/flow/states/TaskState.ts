import { ASSUMPTIONS } from '../assumptions.js';
import { construct } from '../constructors.js';
import type { TaskState } from '../definition/schema.js';
import { FlowError } from '../errors.js';
import { evaluateText } from '../expressions/evaluate.js';
import type { StateContext, StateResult } from './types.js';

/** `Timeout` (string or number of seconds) or `Timeout.$` (an expression); 0 or absent means none. */
function taskTimeoutSeconds(state: TaskState, ctx: StateContext): number {
  const raw = state['Timeout.$'] !== undefined ? evaluateText(state['Timeout.$'], ctx.vars) : state.Timeout;
  if (raw === undefined) return 0;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 604_800)
    throw new FlowError(
      'FnF.InvalidArgument',
      `${state.Name}: Timeout must be 0–604800 seconds, got ${JSON.stringify(raw)}`,
    );
  return seconds;
}

/** Task: evaluates Parameters and calls the integration; a Timeout (seconds, 0 = none) fails the Task (see ASSUMPTIONS.taskTimeoutError). */
export async function runTask(
  state: TaskState,
  _input: Record<string, unknown>,
  ctx: StateContext,
): Promise<StateResult> {
  const params = state.Parameters ? construct(state.Parameters, ctx.vars) : {};
  // Settled before the call starts, so a bad Timeout.$ never leaves a call running.
  const timeoutSeconds = taskTimeoutSeconds(state, ctx);
  const { integrations, clock } = ctx.execution;
  const call =
    state.Action === 'FC:InvokeFunction'
      ? integrations.invokeFunction(params)
      : state.Action === 'EventBridge:PutEvents'
        ? integrations.putEvents(params)
        : Promise.reject(new FlowError('FnF.UnsupportedAction', `${state.Action} cannot run locally`));
  if (timeoutSeconds <= 0) return { output: await call };
  let timer = true;
  const timeout = clock.sleep(timeoutSeconds * 1000).then(() => {
    if (timer)
      throw new FlowError(
        ASSUMPTIONS.taskTimeoutError,
        `${state.Name} did not finish within ${timeoutSeconds} seconds`,
      );
    return {};
  });
  try {
    return { output: await Promise.race([call, timeout]) };
  } finally {
    timer = false;
  }
}
