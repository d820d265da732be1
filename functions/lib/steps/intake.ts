/**
 * One request through the front half of mirrorflow: provision() it, then hand it to the session-ready flow
 * under an ExecutionName derived from its ClientToken. A crash between the two heals on redelivery: the same
 * token finds the same session, and the hand-off happens then. For the triggers (recallExecution), a key
 * reused with another payload is answered without acting, and a withdraw or modify resent after its session
 * is gone is answered from the execution its first delivery started, as it was then. A
 * withdraw by ticket hands one item per session to one execution (withdrawTicket.ts).
 */

import { cloudCallPolicy } from '../cloud/retry.js';
import { type FoundExecution, findExecution } from '../cloud/workflowClient.js';
import { clientToken, executionName, payloadDigest, type TriggerKind } from '../contract/clientToken.js';
import {
  JOB_BYTES_LIMIT,
  type JobItem,
  jobBytes,
  jobItem,
  namedSessionJobItem,
  ticketJobItems,
} from '../contract/flowJob.js';
import { validateWithdrawRequest } from '../contract/request.js';
import type { Runtime } from '../runtime/runtime.js';
import { type ModifyResult, modify } from './modify.js';
import { type ProvisionDeps, type ProvisionResult, provision } from './provision.js';
import { answerReusedKey, type ReusedKeyOperation, startedForOtherPayload } from './reusedKey.js';
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
   * For the triggers: before acting, read the execution the key's token names (DescribeExecution: the
   * caller's role needs `fnf:DescribeExecution`). A key used before with another payload is answered without
   * acting (steps/reusedKey.ts); a withdraw or modify resent after its session is gone is answered as its
   * first delivery was — not "not found".
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
  const { reused } = await checkKey('create', input, submitToken(input), runtime, extra);
  if (reused) return reused as IntakeOutcome;
  const result = await provision(
    { request: input.request, kind: input.kind, key: input.key },
    { vpcFor: runtime.vpcFor, config, now: runtime.now, ...withRuntimeRetries(runtime, extra) },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  if (isCloudMismatch(result))
    return (await answerReused('create', input, result.clientToken, runtime, extra)) as IntakeOutcome;
  const item = { ...jobItem(result, input.kind, runtime.accountId), payload: payloadDigest(input.request) };
  return { result, ...(await handOffItem(item, executionName(result.clientToken), runtime, extra)) };
}

/** A submit's ClientToken: the caller's, when the request names one, else the trigger's. */
function submitToken(input: IntakeInput): string {
  const own = (input.request as { ClientToken?: unknown } | null)?.ClientToken;
  return typeof own === 'string' && own !== '' ? own : clientToken(input.kind, input.key);
}

/**
 * For the triggers (recallExecution): the execution the key's token names, read before acting. Started for
 * another payload: the key was reused, and this payload is answered without acting (steps/reusedKey.ts).
 * Otherwise `prior` is a redelivery's first execution (or none), which a withdraw or modify answers from.
 */
async function checkKey(
  operation: ReusedKeyOperation,
  input: IntakeInput,
  token: string,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks'>,
): Promise<{ reused?: Awaited<ReturnType<typeof answerReused>>; prior?: FoundExecution }> {
  if (!input.recallExecution) return {};
  const prior = await executionOf(token, runtime, extra);
  if (!startedForOtherPayload(prior, payloadDigest(input.request))) return prior ? { prior } : {};
  return { reused: await answerReused(operation, input, token, runtime, extra) };
}

function answerReused(
  operation: ReusedKeyOperation,
  input: IntakeInput,
  token: string,
  runtime: Runtime,
  extra: Pick<ProvisionDeps, 'retryHooks'>,
) {
  return answerReusedKey(
    operation,
    { request: input.request, kind: input.kind, token, digest: payloadDigest(input.request) },
    runtime,
    extra.retryHooks ?? runtime.retryHooks,
  );
}

/** The cloud refused a Create or change because this key was used with other parameters. */
const isCloudMismatch = (result: { outcome: string; error?: { code: string } }) =>
  result.outcome === 'Rejected' && result.error?.code === 'IdempotentParameterMismatch';

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
  const { reused, prior } = await checkKey('withdraw', input, token, runtime, extra);
  if (reused) return reused as NamedSessionOutcome<TicketWithdrawResult>;
  const recalled = prior && recallTicketWithdraw(token, request, prior);
  if (recalled) return recalled;
  const name = executionName(token);
  const payload = payloadDigest(input.request);
  const items = (result: TicketWithdrawResult) =>
    ticketJobItems(result, input.kind, runtime.accountId).map((item) => ({ ...item, payload }));
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
  const check = await checkKey(operation, input, clientToken(input.kind, input.key), runtime, extra);
  if (check.reused) return check.reused as NamedSessionOutcome<R>;
  const result = await step(
    { request: input.request, kind: input.kind, key: input.key },
    { vpcFor: runtime.vpcFor, config: runtime.config, ...withRuntimeRetries(runtime, extra) },
  );
  if (result.outcome === 'Invalid' && !input.handOffInvalid)
    return { result, executionName: null, handOff: 'skipped' };
  if (check.prior && result.outcome === 'Rejected' && result.error.code === 'Mirror.SessionNotFound') {
    const recalled = recallNamed(operation, result, check.prior);
    if (recalled) return recalled as NamedSessionOutcome<R>;
  }
  if (isCloudMismatch(result))
    return (await answerReused(
      operation,
      input,
      result.clientToken,
      runtime,
      extra,
    )) as NamedSessionOutcome<R>;
  const item = {
    ...namedSessionJobItem(operation, result, input.kind, runtime.accountId),
    payload: payloadDigest(input.request),
  };
  return { result, ...(await handOffItem(item, executionName(result.clientToken), runtime, extra)) };
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
