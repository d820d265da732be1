/**
 * A trigger key used again with another payload — a sender's bug, or a captured delivery id replayed with
 * another body. The first request keeps its answer; the other payload gets one of its own: a Failed event
 * `IdempotentParameterMismatch` (or `Mirror.InvalidRequest` when it is not even a valid request), under a
 * token and execution name derived from the key and that payload, so however often it is delivered it is
 * answered once and never touches the first request's session.
 *
 * How it is told apart from a redelivery: every item an intake function hands off carries the digest of its
 * payload (payloadDigest: canonical JSON, Correlation left out), and before acting the intake reads the
 * execution its key names (DescribeExecution) — another digest there is another request. The cloud's own
 * IdempotentParameterMismatch (a Create that differs) is answered the same way.
 */
import type { ErrorSummary } from '../cloud/cloudError.js';
import { ruleFor } from '../cloud/errorTable.js';
import type { RetryHooks } from '../cloud/retry.js';
import type { FoundExecution, HandOffResult } from '../cloud/workflowClient.js';
import { mismatchExecutionName, type TriggerKind } from '../contract/clientToken.js';
import { type JobItem, jobItem, namedSessionJobItem } from '../contract/flowJob.js';
import {
  validateMirrorRequest,
  validateModifyRequest,
  validateWithdrawRequest,
} from '../contract/request.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ModifyResult } from './modify.js';
import type { ProvisionResult } from './provision.js';
import { jobFor, startJob } from './startJob.js';
import type { WithdrawResult } from './withdraw.js';

const REUSED_KEY_ERROR: Omit<ErrorSummary, 'message'> = {
  code: 'IdempotentParameterMismatch',
  hint: ruleFor('IdempotentParameterMismatch').hint,
  retryable: false,
};

/** True when the execution the key's token names (read by the caller) was started for another payload. */
export function startedForOtherPayload(execution: FoundExecution | undefined, digest: string): boolean {
  return execution?.job.items.some((i) => i.payload !== undefined && i.payload !== digest) ?? false;
}

export type ReusedKeyOperation = 'create' | 'modify' | 'withdraw';

/** The answer's result: the payload's problems when it is invalid, else refused as a mismatch. */
function reusedKeyResult(operation: ReusedKeyOperation, payload: unknown, token: string, keyToken: string) {
  const validation =
    operation === 'create'
      ? validateMirrorRequest(payload)
      : operation === 'modify'
        ? validateModifyRequest(payload)
        : validateWithdrawRequest(payload);
  if (!validation.ok)
    return { outcome: 'Invalid' as const, clientToken: token, problems: validation.problems, raw: payload };
  return {
    outcome: 'Rejected' as const,
    clientToken: token,
    request: validation.value,
    sessionId: null,
    error: {
      ...REUSED_KEY_ERROR,
      message: `this key (event id, delivery id or ClientToken) was used before with another request (${keyToken}); that first request keeps its answer`,
    },
  };
}

/** Answers the other payload with one Failed event of its own (see the module's comment). */
export async function answerReusedKey(
  operation: ReusedKeyOperation,
  input: { request: unknown; kind: TriggerKind; token: string; digest: string },
  runtime: Runtime,
  hooks: RetryHooks | undefined,
): Promise<{ result: ProvisionResult | WithdrawResult | ModifyResult } & HandOffResult> {
  const name = mismatchExecutionName(input.token, input.digest);
  const result = reusedKeyResult(operation, input.request, name, input.token);
  const item: JobItem = {
    ...(operation === 'create'
      ? jobItem(result as ProvisionResult, input.kind, runtime.accountId)
      : namedSessionJobItem(operation, result as WithdrawResult, input.kind, runtime.accountId)),
    payload: input.digest,
  };
  const started = await startJob(jobFor(name, [item], runtime), runtime, hooks);
  return { result: result as ProvisionResult | WithdrawResult | ModifyResult, ...started };
}
