/**
 * CloudFlow's executions, by flow and name, and the rules StartExecution applies (StartExecution API page):
 * the flow must exist and run in Standard mode; a name of 1–128 `[A-Za-z0-9_-]` starting with a letter or `_`;
 * Input a JSON object within the state data limit; a running execution of the same name is that execution,
 * a finished one is ExecutionAlreadyExists.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Journal } from '../durable/journal.js';
import { ASSUMPTIONS } from '../flow/assumptions.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import { Execution, type Integrations } from '../flow/execution.js';
import { resumeExecution, startExecution } from '../flow/executor.js';
import { RpcError } from '../rpc/errors.js';
import { ruleFor } from './errors.js';
import {
  type ExecutionRecord,
  finishedRecord,
  type JournaledExecution,
  recordsOf,
} from './executionJournal.js';

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
  /** With `--state DIR`: where each start, checkpoint and end is written before it is acknowledged. */
  journal?: Journal<ExecutionRecord>;
  /** Finished executions kept whole (KEPT_EXECUTIONS unless given). */
  keptExecutions?: number;
}

/**
 * Finished executions the local CloudFlow keeps whole — history, input and output — the newest. Older ones
 * keep only their name, status and error, so StartExecution still refuses their names
 * (`ExecutionAlreadyExists`) but a long-running local stack does not grow with every request for ever. (A
 * local limit, `up --keep-executions`; the cloud's own retention is its own.)
 */
export const KEPT_EXECUTIONS = 1000;

export class ExecutionStore {
  readonly executions = new Map<string, Execution>();
  /** Finished executions still kept whole, oldest first. */
  private readonly whole: Execution[] = [];

  constructor(
    private readonly registry: FlowRegistry,
    private readonly keptExecutions = registry.keptExecutions ?? KEPT_EXECUTIONS,
  ) {}

  /** Keeps a finished execution whole, and only the name and status of the oldest beyond the kept number. */
  private keepWhole(execution: Execution): void {
    this.whole.push(execution);
    while (this.whole.length > this.keptExecutions) this.whole.shift()!.forgetDetails();
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
    // Stopping (its journal closed): an execution started now would be acknowledged and not kept.
    if (this.registry.journal?.isClosed)
      throw new RpcError('ServiceUnavailable', 'the local CloudFlow is stopping: start it again', 503);
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
    const execution = startExecution(flow, {
      name,
      input,
      clock: this.registry.clock,
      integrations: this.integrationsOf(flowName),
    });
    this.registry.journal?.append({
      op: 'started',
      flow: flowName,
      name,
      input,
      startedAt: execution.startedAt,
    });
    this.track(execution);
    return execution;
  }

  private integrationsOf(flowName: string): Integrations {
    const { integrations } = this.registry;
    return typeof integrations === 'function' ? integrations(flowName) : integrations;
  }

  private track(execution: Execution): void {
    this.executions.set(this.key(execution.flow.Name, execution.name), execution);
    const journal = this.registry.journal;
    if (journal) {
      const flow = execution.flow.Name;
      execution.onCheckpoint = (checkpoint) =>
        this.write({ op: 'checkpoint', flow, name: execution.name, ...checkpoint });
      execution.onFinish(() => this.write(finishedRecord(execution)));
    }
    execution.onFinish(() => this.keepWhole(execution));
  }

  private write(record: ExecutionRecord): void {
    const journal = this.registry.journal!;
    journal.append(record);
    if (journal.wantsCompaction) journal.rewrite([...this.executions.values()].flatMap(recordsOf));
  }

  /**
   * After a restart: the journal's executions back in the store, the finished as they ended, the unfinished
   * resumed from their last checkpoint (once the integrations they call are up). The journal is rewritten
   * as this state.
   */
  restore(journaled: JournaledExecution[]): void {
    const { clock } = this.registry;
    for (const { started, checkpoint, finished } of journaled) {
      const flow = this.registry.flows.get(started.flow);
      if (!flow) continue; // the flow is no longer deployed
      const options = {
        name: started.name,
        input: started.input,
        clock,
        integrations: this.integrationsOf(started.flow),
        startedAt: started.startedAt,
      };
      if (finished) {
        const execution = new Execution(
          options.name,
          flow,
          options.input,
          clock,
          options.integrations,
          undefined,
          started.startedAt,
        );
        execution.finish(finished.status, {
          ...(finished.output ? { output: finished.output } : {}),
          ...(finished.errorCode !== undefined ? { code: finished.errorCode } : {}),
          ...(finished.errorDetail !== undefined ? { detail: finished.errorDetail } : {}),
        });
        execution.stoppedAt = finished.stoppedAt;
        this.executions.set(this.key(started.flow, started.name), execution);
        this.keepWhole(execution);
        continue;
      }
      this.track(resumeExecution(flow, { ...options, checkpoint }));
    }
    this.registry.journal?.rewrite([...this.executions.values()].flatMap(recordsOf));
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
