/** Errors of the flow runner: a definition the cloud would refuse, and the named errors an execution fails with. */

export interface DefinitionProblem {
  /** The state (or `(flow)`) the problem is in. */
  state: string;
  reason: string;
}

export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
  constructor(readonly problems: DefinitionProblem[]) {
    super(`invalid flow definition:\n${problems.map((p) => `  ${p.state}: ${p.reason}`).join('\n')}`);
  }
}

/** A named flow error (`Code`, `Detail`): what Retry and Catch match, and what a failed execution reports. */
export class FlowError extends Error {
  override readonly name: string = 'FlowError';
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** Ends the execution at once: Fail states and the platform's limits are not caught by Retry or Catch. */
export class FatalFlowError extends FlowError {
  override readonly name = 'FatalFlowError';
}

export const expressionError = (detail: string) => new FlowError('FnF.InvalidExpression', detail);
