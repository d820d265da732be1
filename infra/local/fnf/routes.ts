/** The wire shapes of CloudFlow's execution API (2019-03-15): parameters in, the documented fields out. */
import type { Execution } from '../flow/execution.js';
import type { RpcAction } from '../rpc/server.js';
import { type ExecutionStore, fail } from './model.js';

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

export function describeExecution(e: Execution) {
  return {
    Name: e.name,
    FlowName: e.flow.Name,
    Status: e.status,
    StartedTime: iso(e.startedAt),
    StoppedTime: iso(e.stoppedAt),
    Input: JSON.stringify(e.input),
    Output: e.output === undefined ? '' : JSON.stringify(e.output),
    // Local extras: why a failed execution failed (the Fail state's Code/Detail or the uncaught error).
    ...(e.errorCode !== undefined ? { ErrorCode: e.errorCode, ErrorDetail: e.errorDetail ?? '' } : {}),
  };
}

export function fnfRoutes(store: ExecutionStore): Record<string, RpcAction> {
  return {
    StartExecution: ({ params }) => describeExecution(store.start(params)),
    DescribeExecution: async ({ params }) => {
      const execution = store.find(params);
      const wait = params.WaitTimeSeconds === undefined ? 0 : Number(params.WaitTimeSeconds);
      if (!(Number.isInteger(wait) && wait >= 0 && wait <= 60))
        fail('InvalidArgument', 'WaitTimeSeconds must be 0–60');
      if (wait > 0) await execution.waitForEnd(wait * 1000);
      return describeExecution(execution);
    },
    // ListExecutions (2019-03-15): FlowName, ExecutionNamePrefix, Status, Limit (1–100), NextToken.
    ListExecutions: ({ params }) => {
      const flowName = params.FlowName ?? fail('MissingParameter', 'FlowName is mandatory for this action.');
      const limit = params.Limit === undefined ? 60 : Number(params.Limit);
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= 100))
        fail('InvalidArgument', 'Limit must be 1–100');
      const start = params.NextToken ? Number(Buffer.from(params.NextToken, 'base64url').toString()) : 0;
      if (!(Number.isInteger(start) && start >= 0)) fail('InvalidArgument', 'NextToken is invalid');
      const matching = store
        .list(flowName)
        .filter((e) => !params.ExecutionNamePrefix || e.name.startsWith(params.ExecutionNamePrefix))
        .filter((e) => !params.Status || e.status === params.Status);
      const page = matching.slice(start, start + limit);
      const next =
        start + page.length < matching.length
          ? Buffer.from(String(start + page.length)).toString('base64url')
          : '';
      return { Executions: page.map(describeExecution), NextToken: next };
    },
    GetExecutionHistory: ({ params }) => {
      const execution = store.find(params);
      const limit = params.Limit === undefined ? 100 : Number(params.Limit);
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
        fail('InvalidArgument', 'Limit must be 1–1000');
      const start = params.NextToken ? Number(Buffer.from(params.NextToken, 'base64url').toString()) : 0;
      if (!(Number.isInteger(start) && start >= 0)) fail('InvalidArgument', 'NextToken is invalid');
      const events = execution.events.slice(start, start + limit);
      const next =
        start + events.length < execution.events.length
          ? Buffer.from(String(start + events.length)).toString('base64url')
          : '';
      return { Events: events, NextToken: next };
    },
  };
}
