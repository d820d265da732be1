/**
 * CloudFlow's executions, by flow and name, and the rules StartExecution applies (StartExecution API page):
 * the flow must exist and run in Standard mode; a name of 1–128 `[A-Za-z0-9_-]` starting with a letter or `_`;
 * Input a JSON object within the state data limit; a running execution of the same name is that execution,
 * a finished one is ExecutionAlreadyExists.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ASSUMPTIONS } from '../flow/assumptions.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import type { Execution, Integrations } from '../flow/execution.js';
import { startExecution } from '../flow/executor.js';
import { RpcError } from '../rpc/errors.js';
import { ruleFor } from './errors.js';

const EXECUTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

export const fail = (code: string, message: string): never => {
  throw new RpcError(code, message, ruleFor(code).httpStatus || 400);
};

export interface FlowRegistry {
  flows: Map<string, FlowDefinition>;
  /** Flows deployed in Express mode, which StartExecution does not run. */
  expressFlows?: ReadonlySet<string>;
  /** The Task integrations of a flow's executions, acting as that flow's execution role. */
  integrations: Integrations | ((flowName: string) => Integrations);
  clock: Clock;
}

/**
 * Finished executions whose history the local CloudFlow keeps (newest first). Older ones keep their name,
 * status, input and output — what StartExecution and DescribeExecution answer from — but not their history:
 * a long-running local stack must not grow by each request's poll rounds for ever. (A local limit; the cloud's
 * own retention is its own.)
 */
export const KEPT_HISTORIES = 1000;

export class ExecutionStore {
  readonly executions = new Map<string, Execution>();
  /** Finished executions whose history is still kept, oldest first. */
  private readonly withHistory: Execution[] = [];

  constructor(
    private readonly registry: FlowRegistry,
    private readonly keptHistories = KEPT_HISTORIES,
  ) {}

  /** Keeps the history of a finished execution, dropping that of the oldest beyond the kept number. */
  private keepHistory(execution: Execution): void {
    this.withHistory.push(execution);
    while (this.withHistory.length > this.keptHistories) this.withHistory.shift()!.events.length = 0;
  }

  private key(flow: string, name: string): string {
    return `${flow}\u0000${name}`;
  }

  private flow(name: string): FlowDefinition {
    return this.registry.flows.get(name) ?? fail('FlowNotExists', `flow ${name} does not exist`);
  }

  /** The execution named by the request's FlowName and ExecutionName. */
  find(params: Readonly<Record<string, string | undefined>>): Execution {
    const flow = params.FlowName ?? fail('MissingParameter', 'FlowName is mandatory for this action.');
    const name =
      params.ExecutionName ?? fail('MissingParameter', 'ExecutionName is mandatory for this action.');
    this.flow(flow);
    return (
      this.executions.get(this.key(flow, name)) ??
      fail('ExecutionNotExists', `execution ${name} does not exist in flow ${flow}`)
    );
  }

  /** The flow's executions, oldest first (ListExecutions). */
  list(flowName: string): Execution[] {
    this.flow(flowName);
    return [...this.executions.values()].filter((e) => e.flow.Name === flowName);
  }

  start(params: Readonly<Record<string, string | undefined>>): Execution {
    const flowName = params.FlowName ?? fail('MissingParameter', 'FlowName is mandatory for this action.');
    const flow = this.flow(flowName);
    if (this.registry.expressFlows?.has(flowName))
      fail('InvalidArgument', `flow ${flowName} is in Express mode; StartExecution runs Standard flows only`);
    const name = params.ExecutionName || `exec-${randomUUID()}`;
    if (!EXECUTION_NAME.test(name))
      fail(
        'InvalidArgument',
        'ExecutionName must be 1–128 of letters, digits, "_" and "-", starting with a letter or "_"',
      );
    const input = parseInput(params.Input ?? '{}');
    const existing = this.executions.get(this.key(flowName, name));
    if (existing) {
      // A running duplicate is the same execution; a finished one is refused.
      if (existing.status === 'Running') return existing;
      fail(
        'ExecutionAlreadyExists',
        `execution ${name} already exists in flow ${flowName} (${existing.status})`,
      );
    }
    const { integrations, clock } = this.registry;
    const execution = startExecution(flow, {
      name,
      input,
      clock,
      integrations: typeof integrations === 'function' ? integrations(flowName) : integrations,
    });
    this.executions.set(this.key(flowName, name), execution);
    execution.onFinish(() => this.keepHistory(execution));
    return execution;
  }
}

function parseInput(text: string): Record<string, unknown> {
  if (Buffer.byteLength(text) > ASSUMPTIONS.stateDataLimitBytes)
    fail('InvalidArgument', `Input is larger than ${ASSUMPTIONS.stateDataLimitBytes} bytes`);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    fail('InvalidArgument', 'Input must be a JSON object');
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    fail('InvalidArgument', 'Input must be a JSON object');
  return input as Record<string, unknown>;
}
