/**
 * One request through the front half of mirrorflow: provision() it, then hand it to the session-ready flow
 * under an ExecutionName derived from its ClientToken. A crash between the two heals on redelivery: the same
 * token finds the same session, and the hand-off happens then.
 */

import { cloudCallPolicy } from '../cloud/retry.js';
import { handOff } from '../cloud/workflowClient.js';
import { executionName, mismatchExecutionName, type TriggerKind } from '../contract/clientToken.js';
import { type JobItem, jobItem, namedSessionJobItem, newJob } from '../contract/flowJob.js';
import type { Runtime } from '../runtime/runtime.js';
import { type ModifyResult, modify } from './modify.js';
import { type ProvisionDeps, type ProvisionResult, provision } from './provision.js';
import { type WithdrawResult, withdraw } from './withdraw.js';

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
    { vpcFor: runtime.vpcFor, config, now: runtime.now, ...extra },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  const item = jobItem(result, input.kind, runtime.accountId);
  const started = await handOffItem(item, answerExecutionName(result, input.request), runtime, extra);
  return { result, executionName: started.executionName, handOff: started.handOff };
}

export interface NamedSessionOutcome<R> {
  result: R;
  executionName: string | null;
  handOff: 'started' | 'finished' | 'skipped';
}

/** One withdraw through the front half: withdraw() it, then hand it to the flow, which waits until it is gone. */
export function intakeWithdraw(
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'> = {},
): Promise<NamedSessionOutcome<WithdrawResult>> {
  return intakeNamed('withdraw', withdraw, input, runtime, extra);
}

/** One modify through the front half: modify() it, then hand it to the flow, which waits for the changes. */
export function intakeModify(
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'> = {},
): Promise<NamedSessionOutcome<ModifyResult>> {
  return intakeNamed('modify', modify, input, runtime, extra);
}

async function intakeNamed<R extends WithdrawResult | ModifyResult>(
  operation: 'withdraw' | 'modify',
  step: (
    input: { request: unknown; kind: IntakeInput['kind']; key: string },
    deps: Parameters<typeof withdraw>[1],
  ) => Promise<R>,
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'>,
): Promise<NamedSessionOutcome<R>> {
  const result = await step(
    { request: input.request, kind: input.kind, key: input.key },
    { vpcFor: runtime.vpcFor, config: runtime.config, ...extra },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  const item = namedSessionJobItem(operation, result, input.kind, runtime.accountId);
  const started = await handOffItem(item, answerExecutionName(result, input.request), runtime, extra);
  return { result, executionName: started.executionName, handOff: started.handOff };
}

/**
 * The execution that answers a request: the one its ClientToken names — unless the cloud refused it because
 * the key was used before with other parameters, whose answer cannot be that first request's execution.
 */
function answerExecutionName(
  result: { outcome: string; clientToken: string; error?: { code: string } },
  request: unknown,
): string {
  return result.outcome === 'Rejected' && result.error?.code === 'IdempotentParameterMismatch'
    ? mismatchExecutionName(result.clientToken, JSON.stringify(request) ?? '')
    : executionName(result.clientToken);
}

/** The hand-off of one request's item under its execution name. */
async function handOffItem(
  item: JobItem,
  name: string,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks'>,
) {
  const { config } = runtime;
  const job = newJob({
    executionName: name,
    eventBusName: config.eventBusName,
    accountId: runtime.accountId,
    now: runtime.now(),
    deadlineSeconds: config.pollDeadlineSeconds,
    items: [item],
  });
  return handOff(runtime.workflow, {
    flowName: config.flowName,
    job,
    policy: cloudCallPolicy(config),
    ...(extra.retryHooks ? { hooks: extra.retryHooks } : {}),
  });
}
