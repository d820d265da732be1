/**
 * The local CloudFlow API (product `fnf`, version 2019-03-15, RPC, signed and RAM-checked like every local
 * API): StartExecution, DescribeExecution (with WaitTimeSeconds long poll) and GetExecutionHistory, over the
 * execution store (`model.ts`) and its wire shapes (`routes.ts`). Executions run on the virtual clock.
 */
import type { Clock } from '../clock.js';
import type { Journal } from '../durable/journal.js';
import { FaultInjector, parseFaults, withFaults } from '../faults.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import type { Execution, Integrations } from '../flow/execution.js';
import { listen, readJsonBody } from '../http.js';
import { LOCAL_ACCOUNT_ID } from '../overlay.js';
import { rpcAuthorizer, type ServiceAccess, standaloneAccess } from '../ram/access.js';
import { type CallRecord, createRpcEndpoint, sendJson } from '../rpc/server.js';
import type { ExecutionRecord, JournaledExecution } from './executionJournal.js';
import { ExecutionStore } from './model.js';
import { fnfRoutes } from './routes.js';

export const FNF_VERSION = '2019-03-15';
/** Call records kept (the newest) unless `keptRecords` says otherwise. */
export const KEPT_RECORDS = 20_000;

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
  /** With `--state DIR`: the executions' journal (see `executionJournal.ts`). */
  journal?: Journal<ExecutionRecord>;
  /** Finished executions kept whole (model.ts: KEPT_EXECUTIONS unless given). */
  keptExecutions?: number;
  /** Call records kept, the newest (KEPT_RECORDS unless given). */
  keptRecords?: number;
}

export interface FnfApi {
  url: string;
  faults: FaultInjector;
  executions: Map<string, Execution>;
  calls: CallRecord[];
  /** After a restart: the journal's executions back, the unfinished resumed (call once the integrations are up). */
  restore(journaled: JournaledExecution[]): void;
  close(): Promise<void>;
}

export async function startFnfApi(options: FnfApiOptions): Promise<FnfApi> {
  const store = new ExecutionStore(options);
  const access = options.access ?? standaloneAccess(LOCAL_ACCOUNT_ID, 'cn-hangzhou');
  const calls: CallRecord[] = [];
  const faults = options.faults ?? new FaultInjector();
  const endpoint = createRpcEndpoint(
    {
      product: 'fnf',
      version: FNF_VERSION,
      hostId: 'fnf.aliyuncs.com',
      actions: withFaults(fnfRoutes(store), faults),
    },
    {
      credentials: (id) => access.authority.credentials(id),
      authorize: rpcAuthorizer(access, 'fnf'),
      onCall: (r) => {
        // The newest only: a long-running stack does not grow with every call.
        calls.push(r);
        const kept = options.keptRecords ?? KEPT_RECORDS;
        if (calls.length > kept) calls.splice(0, calls.length - kept);
      },
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
  return {
    url: running.url,
    executions: store.executions,
    calls,
    faults,
    restore: (journaled) => store.restore(journaled),
    close: async () => {
      await running.close();
      options.journal?.close();
    },
  };
}
