/**
 * Every place the public CloudFlow docs leave open, and the conservative choice this runner makes
 * (reference: cloudflow-fdl.md §15). One list, so a reviewer can check them against the cloud in one sitting.
 */
export const ASSUMPTIONS = {
  /** Standard mode only: Wait 1–300 s, all task modes documented, at-least-once steps. */
  executionMode: 'Standard',
  /** Wait `Seconds`/`Seconds.$` must be an integer in 1–300; anything else fails the execution (FnF.InvalidWaitSeconds). */
  waitSeconds: { min: 1, max: 300 },
  /** State inputs and outputs must be JSON objects of at most 64 KiB (FnF.DataLimitExceeded). */
  stateDataLimitBytes: 64 * 1024,
  /** Events per execution before it fails (FnF.HistoryEventLimitExceeded). */
  historyEventLimit: 5000,
  /** Max nested built-in calls in one expression. */
  maxNestedFunctionCalls: 10,
  /** Choice conditions may use parentheses (the docs neither show nor forbid them); negation `!` is rejected. */
  conditionParentheses: true,
  /** A path that does not exist is an error (FnF.InvalidExpression), never a silent `undefined`. */
  missingPathIsError: true,
  /** `$Input` inside an OutputConstructor is the state's input after its InputConstructor. */
  outputConstructorInput: 'afterInputConstructor',
  /** Wait, Choice and Succeed without constructors pass their input through unchanged. */
  passThrough: ['Wait', 'Choice', 'Succeed'],
  /** A Catch without OutputConstructor hands the next state `{Error: {Code, Detail}}`. */
  catchWithoutOutputConstructor: 'errorObject',
  /** FC errors: a non-2xx answer is `FC.<ErrorCode>`; a function error (x-fc-error-type) is `FC.<ErrorType>`, e.g. FC.UnhandledInvocationError. */
  fcErrorNames: 'FC.<ErrorCode> | FC.<x-fc-error-type>',
  /** A Task whose `Timeout` passes fails with FnF.TaskTimeout. */
  taskTimeoutError: 'FnF.TaskTimeout',
  /** `FnF.ALL` matches every error. */
  wildcard: 'FnF.ALL',
  /** Map runs its iterations in parallel, at most MaxConcuccency at a time; unset, up to the inline-mode limit. */
  mapConcurrency: { max: 40 },
  /** Only FC:InvokeFunction and EventBridge:PutEvents run locally, in TaskMode RequestComplete. */
  supportedActions: ['FC:InvokeFunction', 'EventBridge:PutEvents'],
  /** FC:InvokeFunction output is `{Body: <parsed JSON, or the text when not JSON>}`. */
  fcOutput: 'Body',
  /** EventBridge:PutEvents output is `{}` (the docs do not define it; flows must not read it). */
  putEventsOutput: {},
  /** The top-level `Timeout` (seconds), when present, fails the execution with status TimedOut. */
  executionTimeout: 'TimedOut',
  /** Retry `Description` and Catch `Description` are required (2026 pages). */
  retryDescriptionRequired: true,
} as const;
