/**
 * One request through the front half of mirrorflow: provision() it, then hand it to the session-ready flow
 * under an ExecutionName derived from its ClientToken. A crash between the two heals on redelivery: the same
 * token finds the same session, and the hand-off happens then.
 */
import { executionName, type TriggerKind } from './clientToken.js';
import { type JobItem, jobItem, newJob, withdrawJobItem } from './flowJob.js';
import { type ProvisionDeps, type ProvisionResult, provision } from './provision.js';
import type { Runtime } from './runtime.js';
import { type WithdrawResult, withdraw } from './withdraw.js';
import { handOff, handOffPolicy } from './workflowClient.js';

export interface IntakeInput {
  request: unknown;
  kind: TriggerKind;
  key: string;
  /** Hand invalid requests to the flow too, so a Failed event answers them (for triggers without a reply). */
  handOffInvalid: boolean;
}

export interface IntakeOutcome {
  result: ProvisionResult;
  executionName: string | null;
  handOff: 'started' | 'finished' | 'skipped';
}

export async function intake(
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'> = {},
): Promise<IntakeOutcome> {
  const { config } = runtime;
  const result = await provision(
    { request: input.request, kind: input.kind, key: input.key },
    { vpcFor: runtime.vpcFor, config, ...extra },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  const started = await handOffItem(jobItem(result, input.kind, runtime.accountId), runtime, extra);
  return { result, executionName: started.executionName, handOff: started.handOff };
}

export interface WithdrawOutcome {
  result: WithdrawResult;
  executionName: string | null;
  handOff: 'started' | 'finished' | 'skipped';
}

/** One withdraw through the front half: withdraw() it, then hand it to the flow, which waits until it is gone. */
export async function intakeWithdraw(
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'> = {},
): Promise<WithdrawOutcome> {
  const result = await withdraw(
    { request: input.request, kind: input.kind, key: input.key },
    { vpcFor: runtime.vpcFor, config: runtime.config, ...extra },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  const started = await handOffItem(withdrawJobItem(result, input.kind, runtime.accountId), runtime, extra);
  return { result, executionName: started.executionName, handOff: started.handOff };
}

/** The hand-off of one request's item, under the execution name its ClientToken gives. */
async function handOffItem(item: JobItem, runtime: Runtime, extra: Pick<ProvisionDeps, 'retryHooks'>) {
  const { config } = runtime;
  const job = newJob({
    executionName: executionName(item.clientToken),
    eventBusName: config.eventBusName,
    accountId: runtime.accountId,
    now: runtime.now(),
    deadlineSeconds: config.pollDeadlineSeconds,
    items: [item],
  });
  return handOff(runtime.workflow, {
    flowName: config.flowName,
    job,
    policy: handOffPolicy(config),
    ...(extra.retryHooks ? { hooks: extra.retryHooks } : {}),
  });
}
