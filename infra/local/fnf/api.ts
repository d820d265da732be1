/**
 * The local CloudFlow API (product `fnf`, version 2019-03-15, RPC, signed like every Alibaba Cloud RPC API):
 * StartExecution, DescribeExecution (with WaitTimeSeconds long poll) and GetExecutionHistory. Executions run
 * in the background on the virtual clock.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { FaultInjector, parseFaults, withFaults } from '../faults.js';
import { ASSUMPTIONS } from '../flow/assumptions.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import type { Execution, Integrations } from '../flow/execution.js';
import { startExecution } from '../flow/executor.js';
import { listen, readJsonBody } from '../http.js';
import { LOCAL_ACCOUNT_ID } from '../overlay.js';
import { rpcAuthorizer, type ServiceAccess, standaloneAccess } from '../ram/access.js';
import { RpcError } from '../rpc/errors.js';
import { type CallRecord, createRpcEndpoint, type RpcAction, sendJson } from '../rpc/server.js';
import { ruleFor } from './errors.js';

export const FNF_VERSION = '2019-03-15';
const EXECUTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

const fail = (code: string, message: string): never => {
  throw new RpcError(code, message, ruleFor(code).httpStatus || 400);
};

export interface FnfApiOptions {
  port?: number;
  /** Faults on the fnf actions (e.g. StartExecution failing), set with POST /_admin/faults on this port. */
  faults?: FaultInjector;
  clock: Clock;
  flows: Map<string, FlowDefinition>;
  /** The Task integrations of a flow's executions, acting as that flow's execution role. */
  integrations: Integrations | ((flowName: string) => Integrations);
  /** RAM: who may call (default: the account's key and the local operator's STS key). */
  access?: ServiceAccess;
  /** Flows deployed in Express mode, which StartExecution does not run. */
  expressFlows?: ReadonlySet<string>;
}

export interface FnfApi {
  url: string;
  faults: FaultInjector;
  executions: Map<string, Execution>;
  calls: CallRecord[];
  close(): Promise<void>;
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

function describe(e: Execution) {
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

export async function startFnfApi(options: FnfApiOptions): Promise<FnfApi> {
  const executions = new Map<string, Execution>();
  const access = options.access ?? standaloneAccess(LOCAL_ACCOUNT_ID, 'cn-hangzhou');
  const calls: CallRecord[] = [];
  const key = (flow: string, name: string) => `${flow}\u0000${name}`;
  const find = (params: Record<string, string>): Execution => {
    const flow = params.FlowName ?? fail('MissingParameter', 'FlowName is mandatory for this action.');
    const name =
      params.ExecutionName ?? fail('MissingParameter', 'ExecutionName is mandatory for this action.');
    if (!options.flows.has(flow)) fail('FlowNotExists', `flow ${flow} does not exist`);
    return (
      executions.get(key(flow, name)) ??
      fail('ExecutionNotExists', `execution ${name} does not exist in flow ${flow}`)
    );
  };

  const faults = options.faults ?? new FaultInjector();
  const endpoint = createRpcEndpoint(
    {
      product: 'fnf',
      version: FNF_VERSION,
      hostId: 'fnf.aliyuncs.com',
      actions: withFaults(
        {
          StartExecution: ({ params }) => {
            const flowName =
              params.FlowName ?? fail('MissingParameter', 'FlowName is mandatory for this action.');
            const flow =
              options.flows.get(flowName) ?? fail('FlowNotExists', `flow ${flowName} does not exist`);
            // "The specified flow must exist and be in Standard execution mode" (StartExecution API page).
            if (options.expressFlows?.has(flowName))
              fail(
                'InvalidArgument',
                `flow ${flowName} is in Express mode; StartExecution runs Standard flows only`,
              );
            const name = params.ExecutionName || `exec-${randomUUID()}`;
            if (!EXECUTION_NAME.test(name)) {
              fail(
                'InvalidArgument',
                'ExecutionName must be 1–128 of letters, digits, "_" and "-", starting with a letter or "_"',
              );
            }
            const inputText = params.Input ?? '{}';
            if (Buffer.byteLength(inputText) > ASSUMPTIONS.stateDataLimitBytes) {
              fail('InvalidArgument', `Input is larger than ${ASSUMPTIONS.stateDataLimitBytes} bytes`);
            }
            let input: unknown;
            try {
              input = JSON.parse(inputText);
            } catch {
              fail('InvalidArgument', 'Input must be a JSON object');
            }
            if (input === null || typeof input !== 'object' || Array.isArray(input))
              fail('InvalidArgument', 'Input must be a JSON object');
            const existing = executions.get(key(flowName, name));
            if (existing) {
              // A running duplicate is the same execution; a finished one is refused.
              if (existing.status === 'Running') return describe(existing);
              fail(
                'ExecutionAlreadyExists',
                `execution ${name} already exists in flow ${flowName} (${existing.status})`,
              );
            }
            const execution = startExecution(flow, {
              name,
              input: input as Record<string, unknown>,
              clock: options.clock,
              integrations:
                typeof options.integrations === 'function'
                  ? options.integrations(flowName)
                  : options.integrations,
            });
            executions.set(key(flowName, name), execution);
            return describe(execution);
          },
          DescribeExecution: async ({ params }) => {
            const execution = find(params);
            const wait = params.WaitTimeSeconds === undefined ? 0 : Number(params.WaitTimeSeconds);
            if (!(Number.isInteger(wait) && wait >= 0 && wait <= 60))
              fail('InvalidArgument', 'WaitTimeSeconds must be 0–60');
            if (wait > 0) await execution.waitForEnd(wait * 1000);
            return describe(execution);
          },
          GetExecutionHistory: ({ params }) => {
            const execution = find(params);
            const limit = params.Limit === undefined ? 100 : Number(params.Limit);
            if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
              fail('InvalidArgument', 'Limit must be 1–1000');
            const start = params.NextToken
              ? Number(Buffer.from(params.NextToken, 'base64url').toString())
              : 0;
            if (!(Number.isInteger(start) && start >= 0)) fail('InvalidArgument', 'NextToken is invalid');
            const events = execution.events.slice(start, start + limit);
            const next =
              start + events.length < execution.events.length
                ? Buffer.from(String(start + events.length)).toString('base64url')
                : '';
            return { Events: events, NextToken: next };
          },
        } satisfies Record<string, RpcAction>,
        faults,
      ),
    },
    {
      credentials: (id) => access.authority.credentials(id),
      authorize: rpcAuthorizer(access, 'fnf'),
      onCall: (r) => calls.push(r),
    },
  );
  const running = await listen(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname === '/_admin/faults' && req.method === 'POST') {
        try {
          faults.set(parseFaults(await readJsonBody(req)));
          return sendJson(res, 200, { ok: true });
        } catch (error) {
          return sendJson(res, 400, { error: (error as Error).message });
        }
      }
      return endpoint(req, res);
    },
    options.port ?? 0,
    'CloudFlow (fnf) API',
  );
  return { url: running.url, executions, calls, faults, close: () => running.close() };
}
