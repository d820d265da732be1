/** One error shape for every failed cloud call: code, the cloud's message, request id, status and retry class. */

import { redactText } from '../runtime/redact.js';
import { type RetryClass, ruleFor } from './errorTable.js';

export interface CloudErrorDetails {
  code: string;
  message: string;
  action: string;
  requestId?: string;
  httpStatus?: number;
  recommend?: string;
}

export class CloudApiError extends Error {
  override readonly name = 'CloudApiError';
  readonly code: string;
  readonly action: string;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly recommend: string | undefined;
  readonly retryClass: RetryClass;
  readonly hint: string;

  constructor(details: CloudErrorDetails) {
    super(details.message);
    this.code = details.code;
    this.action = details.action;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.recommend = details.recommend;
    const rule = ruleFor(details.code, details.httpStatus);
    this.retryClass = rule.retryClass;
    this.hint = rule.hint;
  }

  get retryable(): boolean {
    return this.retryClass === 'retry';
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      action: this.action,
      requestId: this.requestId,
      httpStatus: this.httpStatus,
      retryable: this.retryable,
      hint: this.hint,
    };
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

interface PopCoreError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  data?: { RequestId?: unknown; Message?: unknown; Recommend?: unknown; Code?: unknown };
  entry?: { response?: { statusCode?: unknown } };
  text?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Turns whatever the SDK threw into a CloudApiError with secrets removed. `secrets` are values (the
 * AccessKey secret, the STS token) that must never appear in the result, whatever the SDK put in its message.
 */
export function normaliseError(
  thrown: unknown,
  action: string,
  secrets: readonly (string | undefined)[] = [],
): CloudApiError {
  if (thrown instanceof CloudApiError) return thrown;
  const e = (thrown ?? {}) as PopCoreError;
  const clean = (text: string) => redactText(text, secrets);
  const status = typeof e.entry?.response?.statusCode === 'number' ? e.entry.response.statusCode : undefined;

  // The cloud answered with an error body.
  if (e.data && typeof e.data === 'object' && str(e.data.Code)) {
    return new CloudApiError({
      code: str(e.data.Code)!,
      message: clean(str(e.data.Message) ?? str(e.message) ?? 'no message'),
      action,
      requestId: str(e.data.RequestId),
      httpStatus: status,
      recommend: str(e.data.Recommend),
    });
  }
  const name = str(e.name) ?? '';
  const message = str(e.message) ?? '';
  // pop-core (httpx) timeouts: RequestTimeoutError with ReadTimeout(ms) / ConnectTimeout.
  if (/Timeout/i.test(name) || /(Read|Connect)Timeout/.test(message)) {
    return new CloudApiError({
      code: 'RequestTimeout',
      message: clean(message || 'request timed out'),
      action,
    });
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return new CloudApiError({ code: 'NetworkError', message: clean(`${e.code}: ${message}`), action });
  }
  // json-bigint throws a plain object (not an Error) on a non-JSON body, e.g. an HTML 502 page.
  if (name === 'SyntaxError' || e.text !== undefined) {
    return new CloudApiError({
      code: 'InvalidResponse',
      message: clean(`the response was not JSON: ${message}`),
      action,
      httpStatus: status,
    });
  }
  return new CloudApiError({
    code: 'UnexpectedClientError',
    message: clean(message || String(thrown)),
    action,
    httpStatus: status,
  });
}

/** What an event or a report says of a cloud error: its code, message, hint, retry class and request id. */
export interface ErrorSummary {
  code: string;
  message: string;
  hint: string;
  retryable: boolean;
  requestId?: string;
}

export function summarise(error: CloudApiError): ErrorSummary {
  return {
    code: error.code,
    message: error.message,
    hint: error.hint,
    retryable: error.retryable,
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
}

/** mirrorflow's own refusal of a request, in the shape of a cloud error: terminal, with a hint. */
export const refusal = (code: string, message: string, hint: string): ErrorSummary => ({
  code,
  message,
  hint,
  retryable: false,
});
