/**
 * The hand-off to CloudFlow: StartExecution of the session-ready flow through pop-core, with an
 * ExecutionName derived from the ClientToken. `ExecutionAlreadyExists` means the hand-off happened before,
 * which is success; a running duplicate returns the same execution. And the way back: DescribeExecution of
 * the execution a token names, so a resend whose session is already gone is answered from the job its first
 * delivery handed off (steps/intake.ts).
 */

import { JOB_BYTES_LIMIT, type Job, jobBytes } from '../contract/flowJob.js';
import { CloudApiError } from './cloudError.js';
import type { Credentials } from './credentials.js';
import { type RetryHooks, type RetryPolicy, withRetry } from './retry.js';
import { createRpcCaller } from './rpcCaller.js';

export const FNF_API_VERSION = '2019-03-15';

export function fnfEndpoint(regionId: string, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  return `https://${regionId}.fnf.aliyuncs.com`;
}

export interface WorkflowApi {
  startExecution(params: {
    FlowName: string;
    ExecutionName: string;
    Input: string;
  }): Promise<{ Status: string }>;
  /**
   * DescribeExecution (CloudFlow API 2019-03-15, its API page): the execution's Status and
   * its Input (the JSON text it was started with). An unknown name is the error `ExecutionNotExists`.
   */
  describeExecution(params: { FlowName: string; ExecutionName: string }): Promise<{
    Status: string;
    Input: string;
  }>;
  /**
   * ListExecutions (CloudFlow API 2019-03-15, its API page): one page of a flow's executions, optionally
   * only those of one Status.
   */
  listExecutions(params: { FlowName: string; Status?: string; Limit?: number }): Promise<{
    Executions: { Name: string; Status: string }[];
  }>;
}

export function createWorkflowClient(options: {
  regionId: string;
  credentials: Credentials;
  endpoint?: string;
  timeoutMs?: number;
}): WorkflowApi {
  const call = createRpcCaller({
    endpoint: fnfEndpoint(options.regionId, options.endpoint),
    apiVersion: FNF_API_VERSION,
    credentials: options.credentials,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return {
    async startExecution(params) {
      const body = await call('StartExecution', params);
      return { Status: String(body.Status ?? '') };
    },
    async describeExecution(params) {
      const body = await call('DescribeExecution', params);
      return { Status: String(body.Status ?? ''), Input: String(body.Input ?? '') };
    },
    async listExecutions(params) {
      const body = await call('ListExecutions', params);
      const executions = Array.isArray(body.Executions) ? (body.Executions as Record<string, unknown>[]) : [];
      return {
        Executions: executions.map((e) => ({ Name: String(e.Name ?? ''), Status: String(e.Status ?? '') })),
      };
    },
  };
}

export interface HandOffResult {
  executionName: string;
  /** `started`: it is running now (started by this call, or by an earlier delivery); `finished`: it already ran to its end. */
  handOff: 'started' | 'finished';
}

export async function handOff(
  workflow: WorkflowApi,
  options: { flowName: string; job: Job; policy: RetryPolicy; hooks?: RetryHooks },
): Promise<HandOffResult> {
  const { job } = options;
  const bytes = jobBytes(job);
  if (bytes > JOB_BYTES_LIMIT) {
    // A programming error, not a cloud error: batches are sized below the limit before they get here.
    throw new Error(`the workflow input is ${bytes} bytes; the limit is ${JOB_BYTES_LIMIT}`);
  }
  try {
    await withRetry(
      () =>
        workflow.startExecution({
          FlowName: options.flowName,
          ExecutionName: job.executionName,
          Input: JSON.stringify({ job }),
        }),
      options.policy,
      options.hooks,
    );
    return { executionName: job.executionName, handOff: 'started' };
  } catch (error) {
    if (error instanceof CloudApiError && error.code === 'ExecutionAlreadyExists')
      return { executionName: job.executionName, handOff: 'finished' };
    throw error;
  }
}

/** An execution found by name: whether it is still running, and the job it was started with. */
export interface FoundExecution {
  executionName: string;
  handOff: HandOffResult['handOff'];
  job: Job;
}

/**
 * The execution of this name with the job it was started with, or undefined when there is none
 * (`ExecutionNotExists`; an execution whose input is not a job is not mirrorflow's, and counts as none).
 */
export async function findExecution(
  workflow: WorkflowApi,
  options: { flowName: string; executionName: string; policy: RetryPolicy; hooks?: RetryHooks },
): Promise<FoundExecution | undefined> {
  let described: { Status: string; Input: string };
  try {
    described = await withRetry(
      () => workflow.describeExecution({ FlowName: options.flowName, ExecutionName: options.executionName }),
      options.policy,
      options.hooks,
    );
  } catch (error) {
    if (error instanceof CloudApiError && error.code === 'ExecutionNotExists') return undefined;
    throw error;
  }
  const job = jobOf(described.Input);
  if (!job) return undefined;
  // Starting or Running: the flow still waits (StartExecution would return it); anything else has ended.
  const running = described.Status === 'Running' || described.Status === 'Starting';
  return { executionName: options.executionName, handOff: running ? 'started' : 'finished', job };
}

function jobOf(input: string): Job | undefined {
  try {
    const job = (JSON.parse(input) as { job?: Partial<Job> } | null)?.job;
    return job && Array.isArray(job.items) ? (job as Job) : undefined;
  } catch {
    return undefined;
  }
}

/** The name of an execution of the flow that is running now, if any (one page of at most one). */
export async function runningExecution(
  workflow: WorkflowApi,
  options: { flowName: string; policy: RetryPolicy; hooks?: RetryHooks },
): Promise<string | undefined> {
  const listed = await withRetry(
    () => workflow.listExecutions({ FlowName: options.flowName, Status: 'Running', Limit: 1 }),
    options.policy,
    options.hooks,
  );
  return listed.Executions[0]?.Name;
}
