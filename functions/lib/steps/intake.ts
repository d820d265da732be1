/**
 * One request through the front half of mirrorflow: provision() it, then hand it to the session-ready flow
 * under an ExecutionName derived from its ClientToken. A crash between the two heals on redelivery: the same
 * token finds the same session, and the hand-off happens then. A withdraw or modify resent after its session
 * is gone is answered from the execution its first delivery started (recallExecution), as it was then. A
 * withdraw by ticket hands one item per session to one execution (withdrawTicket.ts).
 */

import type { ErrorSummary } from '../cloud/cloudError.js';
import { ruleFor } from '../cloud/errorTable.js';
import { cloudCallPolicy, type RetryHooks } from '../cloud/retry.js';
import { type FoundExecution, findExecution, handOff } from '../cloud/workflowClient.js';
import {
  clientToken,
  executionName,
  mismatchExecutionName,
  payloadDigest,
  type TriggerKind,
} from '../contract/clientToken.js';
import {
  JOB_BYTES_LIMIT,
  type Job,
  type JobItem,
  jobBytes,
  jobItem,
  namedSessionJobItem,
  newJob,
  ticketJobItems,
} from '../contract/flowJob.js';
import { validateWithdrawRequest } from '../contract/request.js';
import type { Runtime } from '../runtime/runtime.js';
import { type ModifyResult, modify } from './modify.js';
import { type ProvisionDeps, type ProvisionResult, provision } from './provision.js';
import { jobFor, startJob } from './startJob.js';
import { type WithdrawResult, withdraw } from './withdraw.js';
import {
  recallTicketWithdraw,
  type TicketWithdrawRequest,
  type TicketWithdrawResult,
  withdrawTicket,
} from './withdrawTicket.js';

export interface IntakeInput {
  request: unknown;
  kind: TriggerKind;
  key: string;
  /** Hand invalid requests to the flow too, so a Failed event answers them (for triggers without a reply). */
  handOffInvalid: boolean;
  /**
   * When a withdraw or modify finds no session, look for the execution its ClientToken names
   * (DescribeExecution: the caller's role needs `fnf:DescribeExecution`) and answer as its first delivery was
   * answered — a resend after the delete finished gets the same answer, not "not found".
   */
  recallExecution?: boolean;
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
    { vpcFor: runtime.vpcFor, config, now: runtime.now, ...withRuntimeRetries(runtime, extra) },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  const item = { ...jobItem(result, input.kind, runtime.accountId), payload: payloadDigest(input.request) };
  const started = await handOffItem(item, answerExecutionName(result, input.request), runtime, extra);
  const reused =
    started.handOff === 'finished' && (await answerReusedKey(item, input.request, runtime, extra));
  if (!reused) return { result, ...started };
  const { error, ...answered } = reused;
  return {
    ...answered,
    result: result.outcome === 'Invalid' ? result : { ...result, outcome: 'Rejected', error },
  };
}

export interface NamedSessionOutcome<R> {
  result: R;
  executionName: string | null;
  handOff: 'started' | 'finished' | 'skipped';
}

/**
 * One withdraw through the front half: withdraw() it, then hand it to the flow, which waits until it is gone.
 * A withdraw naming a Ticket withdraws every session of that ticket (intakeTicketWithdraw).
 */
export function intakeWithdraw(
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'> = {},
): Promise<NamedSessionOutcome<WithdrawResult | TicketWithdrawResult>> {
  const validation = validateWithdrawRequest(input.request);
  if (validation.ok && validation.value.Ticket !== undefined)
    return intakeTicketWithdraw(validation.value as TicketWithdrawRequest, input, runtime, extra);
  return intakeNamed('withdraw', withdraw, input, runtime, extra);
}

/**
 * A withdraw by ticket: its sessions deleted (withdrawTicket), then one execution, named by the withdraw's
 * token, with one item per session. A delivery that finds that execution already there is answered from it
 * and deletes nothing: a session tagged with the ticket since the first delivery is not this withdraw's.
 */
async function intakeTicketWithdraw(
  request: TicketWithdrawRequest,
  input: IntakeInput,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks' | 'log'>,
): Promise<NamedSessionOutcome<TicketWithdrawResult>> {
  const token = clientToken(input.kind, input.key);
  if (input.recallExecution) {
    const found = await executionOf(token, runtime, extra);
    const recalled = found && recallTicketWithdraw(token, request, found);
    if (recalled) return recalled;
  }
  const name = executionName(token);
  const items = (result: TicketWithdrawResult) => ticketJobItems(result, input.kind, runtime.accountId);
  const result = await withdrawTicket(
    request,
    token,
    { vpcFor: runtime.vpcFor, config: runtime.config, ...withRuntimeRetries(runtime, extra) },
    (sessions) =>
      jobBytes(
        jobFor(name, items({ outcome: 'Deleting', clientToken: token, request, sessions }), runtime),
      ) <= JOB_BYTES_LIMIT,
  );
  const started = await startJob(
    jobFor(name, items(result), runtime),
    runtime,
    extra.retryHooks ?? runtime.retryHooks,
  );
  return { result, executionName: started.executionName, handOff: started.handOff };
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
    { vpcFor: runtime.vpcFor, config: runtime.config, ...withRuntimeRetries(runtime, extra) },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  if (
    input.recallExecution &&
    result.outcome === 'Rejected' &&
    result.error.code === 'Mirror.SessionNotFound'
  ) {
    const found = await executionOf(result.clientToken, runtime, extra);
    const recalled = found && recallNamed(operation, result, found);
    if (recalled) return recalled as NamedSessionOutcome<R>;
  }
  const item = {
    ...namedSessionJobItem(operation, result, input.kind, runtime.accountId),
    payload: payloadDigest(input.request),
  };
  const started = await handOffItem(item, answerExecutionName(result, input.request), runtime, extra);
  const reused =
    started.handOff === 'finished' && (await answerReusedKey(item, input.request, runtime, extra));
  if (!reused) return { result, ...started };
  const { error, ...answered } = reused;
  if (result.outcome === 'Invalid') return { ...answered, result };
  return { ...answered, result: { ...result, outcome: 'Rejected', sessionId: null, error } as R };
}

/**
 * A key whose execution already exists was used before: with this payload (a redelivery, already answered:
 * undefined) or with another. The cloud refuses the latter itself when its Create differs
 * (IdempotentParameterMismatch); this catches what never reaches the cloud — a payload whose session already
 * exists, or that differs only in what the look-up does not compare. It gets one Failed event of its own,
 * under a name from the key and this payload; the first request's answer stands.
 */
async function answerReusedKey(
  item: JobItem,
  payload: unknown,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks'>,
): Promise<{ executionName: string; handOff: 'started' | 'finished'; error: ErrorSummary } | undefined> {
  const found = await executionOf(item.clientToken, runtime, extra);
  const first = found?.job.items.find((i) => i.clientToken === item.clientToken);
  if (!first?.payload || first.payload === item.payload) return undefined;
  const error = item.failure ?? REUSED_KEY_ERROR;
  const refused: JobItem = {
    ...item,
    provisioning: item.failure ? item.provisioning : 'Rejected',
    sessionId: null,
    subject: `mirrorflow:request/${item.clientToken}`,
    failure: error,
  };
  const name = mismatchExecutionName(item.clientToken, JSON.stringify(payload) ?? '');
  const started = await handOffItem(refused, name, runtime, extra);
  return { ...started, error };
}

const REUSED_KEY_ERROR: ErrorSummary = {
  code: 'IdempotentParameterMismatch',
  message:
    'this key (event id, delivery id or ClientToken) was used before with another request; that first request keeps its answer',
  hint: ruleFor('IdempotentParameterMismatch').hint,
  retryable: false,
};

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

/** The execution a request's ClientToken names, if a delivery of it has started one. */
function executionOf(
  token: string,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks'>,
): Promise<FoundExecution | undefined> {
  const hooks = extra.retryHooks ?? runtime.retryHooks;
  return findExecution(runtime.workflow, {
    flowName: runtime.config.flowName,
    executionName: executionName(token),
    policy: cloudCallPolicy(runtime.config),
    ...(hooks ? { hooks } : {}),
  });
}

/** What each operation's item says once its change was accepted. */
const ACCEPTED = { withdraw: 'Deleting', modify: 'Modifying' } as const;

/**
 * The answer the first delivery got, from its item in the execution: accepted (same session), or refused
 * (same error). Undefined when the execution holds no item of this operation under this token (a submit
 * that happened to share the delivery id is not this request).
 */
function recallNamed(
  operation: 'withdraw' | 'modify',
  result: Extract<WithdrawResult | ModifyResult, { outcome: 'Rejected' }>,
  found: FoundExecution,
): NamedSessionOutcome<WithdrawResult | ModifyResult> | undefined {
  const item = found.job.items.find((i) => i.clientToken === result.clientToken && i.operation === operation);
  if (!item) return undefined;
  const answered = { executionName: found.executionName, handOff: found.handOff };
  if (item.failure)
    return { ...answered, result: { ...result, sessionId: item.sessionId, error: item.failure } };
  if (item.provisioning !== ACCEPTED[operation] || !item.sessionId) return undefined;
  const { error: _error, ...request } = result;
  // The operation's own outcome with its own request: the pairing TypeScript cannot follow through `operation`.
  const accepted = { ...request, outcome: ACCEPTED[operation], sessionId: item.sessionId };
  return { ...answered, result: accepted as WithdrawResult | ModifyResult };
}

/** The hand-off of one request's item under its execution name. */
function handOffItem(
  item: JobItem,
  name: string,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks'>,
) {
  return startJob(jobFor(name, [item], runtime), runtime, extra.retryHooks ?? runtime.retryHooks);
}

/** The caller's extras, retrying in the runtime's time unless the caller brings its own retry hooks. */
function withRuntimeRetries<E extends Pick<ProvisionDeps, 'retryHooks'>>(runtime: Runtime, extra: E): E {
  const retryHooks = extra.retryHooks ?? runtime.retryHooks;
  return retryHooks ? { ...extra, retryHooks } : extra;
}
