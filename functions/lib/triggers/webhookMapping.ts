/**
 * From a ticketing system's payload to a mirror request: JMESPath expressions (Powertools' implementation,
 * with `powertools_json()` for JSON held in a text field) evaluated over `{body, headers}` (header names
 * lower-case). A mapping names the request, the correlation map, and the delivery id.
 */
import { search } from '@aws-lambda-powertools/jmespath';
import { PowertoolsFunctions } from '@aws-lambda-powertools/jmespath/functions';
import * as z from 'zod/mini';
import { LIMITS } from '../contract/requestLimits.js';

export const mappingSchema = z.strictObject({
  description: z.optional(z.string()),
  /** Gives the mirror request (an object). */
  request: z.string().check(z.minLength(1)),
  /** Gives the correlation map (an object of strings), echoed in the completion event. */
  correlation: z.optional(z.string().check(z.minLength(1))),
  /** Gives the sender's delivery id (a string); without one, the body's hash is the idempotency key. */
  deliveryId: z.optional(z.string().check(z.minLength(1))),
  /** Gives the operation: "submit" (create), "modify" (change in place) or "withdraw" (delete); absent: submit. */
  operation: z.optional(z.string().check(z.minLength(1))),
});
export type WebhookMapping = z.output<typeof mappingSchema>;

export type WebhookOperation = 'submit' | 'modify' | 'withdraw';
const OPERATIONS: readonly unknown[] = ['submit', 'modify', 'withdraw'];

export interface Mapped {
  operation: WebhookOperation;
  request: unknown;
  correlation: Record<string, string>;
  deliveryId: string | undefined;
}

export class MappingError extends Error {
  override readonly name = 'MappingError';
}

const functions = new PowertoolsFunctions();

function evaluate(expression: string, document: Record<string, unknown>, what: string): unknown {
  try {
    return search(expression, document as never, { customFunctions: functions });
  } catch (error) {
    throw new MappingError(`the ${what} expression failed on this payload: ${(error as Error).message}`);
  }
}

export function applyMapping(
  mapping: WebhookMapping,
  body: unknown,
  headers: Record<string, string>,
): Mapped {
  const document = { body, headers };
  const request = evaluate(mapping.request, document, 'request');
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new MappingError(
      'the payload holds no mirror request where the mapping looks for it (the request expression gave no object)',
    );
  }
  // In JMESPath a missing field is null; in a mirror request it is simply absent.
  const cleaned = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== null));
  const correlation: Record<string, string> = {};
  if (mapping.correlation) {
    const value = evaluate(mapping.correlation, document, 'correlation');
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // Only present scalar values become correlation entries (a ticket without a requester just lacks it),
      // cut to the contract's limits: a long ticket summary must not make the whole request invalid.
      for (const [k, v] of Object.entries(value)) {
        if (Object.keys(correlation).length >= LIMITS.correlationEntries) break;
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
          const text = String(v);
          const max = LIMITS.correlationValueLength;
          correlation[k] = text.length > max ? `${text.slice(0, max - 1)}…` : text;
        }
      }
    }
  }
  const id = mapping.deliveryId ? evaluate(mapping.deliveryId, document, 'deliveryId') : undefined;
  const operation = mapping.operation ? evaluate(mapping.operation, document, 'operation') : null;
  if (operation !== null && !OPERATIONS.includes(operation))
    throw new MappingError('operation must be "submit", "modify" or "withdraw" (absent: submit)');
  return {
    operation: (operation ?? 'submit') as WebhookOperation,
    request: cleaned,
    correlation,
    deliveryId: typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined,
  };
}

/**
 * The delivery id when the body alone gives it (the mapping reads it from the body, so any signature covers
 * it), else undefined — a delivery id from an unsigned header cannot be trusted to name the request.
 */
export function signedDeliveryId(mapping: WebhookMapping, body: unknown, mapped: Mapped): string | undefined {
  if (!mapping.deliveryId || mapped.deliveryId === undefined) return undefined;
  const fromBody = evaluate(mapping.deliveryId, { body, headers: {} }, 'deliveryId');
  const id = typeof fromBody === 'number' ? String(fromBody) : fromBody;
  return id === mapped.deliveryId ? mapped.deliveryId : undefined;
}
