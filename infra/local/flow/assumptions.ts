/**
 * The platform facts and open questions the local runner's code reads, each with where it comes from. A value
 * marked "not documented" is the runner's conservative choice where the CloudFlow docs are silent: a flow
 * must not depend on it. Behaviour the docs settle outright lives with the code that implements it (and
 * cites its page there); only what a reviewer should check against the cloud, or a limit, is listed here.
 */
export const ASSUMPTIONS = {
  /**
   * Wait `Seconds`/`Seconds.$`: a whole number, 1–300 in Standard mode (the only mode StartExecution runs).
   * https://help.aliyun.com/en/document_detail/2412546.html
   */
  waitSeconds: { min: 1, max: 300 },
  /**
   * State inputs and outputs are JSON objects of at most 64 KiB; more fails the execution.
   * https://help.aliyun.com/document_detail/2402077.html
   */
  stateDataLimitBytes: 64 * 1024,
  /** Events per execution (adjustable in the cloud). https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits */
  historyEventLimit: 5000,
  /** Nested built-in calls per expression. https://help.aliyun.com/en/document_detail/2579872.html */
  maxNestedFunctionCalls: 10,
  /**
   * The actions the local runner can execute (RequestComplete mode only); both are real integrations:
   * https://www.alibabacloud.com/help/en/serverless-workflow/latest/integrated-function-compute ,
   * https://help.aliyun.com/en/document_detail/2400202.html
   */
  supportedActions: ['FC:InvokeFunction', 'EventBridge:PutEvents'],
  /** Matches every error in Retry and Catch. https://www.alibabacloud.com/help/doc-detail/2500862.html */
  wildcard: 'FnF.ALL',
  /**
   * Map (inline) runs its iterations in parallel, at most MaxConcuccency at once; the field's upper limit, 40,
   * is also the bound when it is unset (the page says "all sub-flows in parallel", the limits page 40).
   * https://www.alibabacloud.com/help/en/serverless-workflow/latest/inline-mode
   */
  mapConcurrency: { max: 40 },
  /**
   * FC:InvokeFunction puts the function's result under this key (a JSON result parsed, else the text).
   * Seen in an Alibaba-authored CloudFlow + FC 3.0 flow reading `$Output.Body.videoContent`:
   * https://help.aliyun.com/zh/model-studio/best-practices-for-applying-video-understanding-and-one-click-film
   */
  fcOutputKey: 'Body',
  /**
   * The error a Task `Timeout` fails with. Not documented for the new FDL; the name comes from public
   * old-FDL flows' retry lists (e.g. github.com/awesome-fnf/async-http-jobs). Catch Task timeouts with FnF.ALL.
   */
  taskTimeoutError: 'FnF.TaskTimeout',
  /**
   * The key under which a Catch without OutputConstructor hands the error `{Code, Detail}` to the next
   * state. Not documented (https://www.alibabacloud.com/help/doc-detail/2500862.html only pairs Catch with an
   * OutputConstructor): always give a Catch an OutputConstructor.
   */
  catchErrorKey: 'Error',
} as const;
