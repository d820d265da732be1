/**
 * Structured logs: one JSON line per entry (Powertools Logger), the service name, per-invocation keys (FC
 * request id, ClientToken, correlation) and no secrets: values under secret-looking keys are replaced, and
 * error objects are logged through their redacted toJSON.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { isSensitiveKey } from './redact.js';

export type { Logger };

export function createLogger(serviceName: string): Logger {
  return new Logger({
    serviceName,
    jsonReplacerFn: (key, value) => {
      if (key !== '' && isSensitiveKey(key) && value !== undefined && value !== null) return '[redacted]';
      if (typeof value === 'bigint') return value.toString();
      return value;
    },
  });
}

export interface InvocationKeys {
  requestId?: string;
  clientToken?: string;
  correlation?: Record<string, string>;
}

/** Sets the keys of this invocation (cleared by the next call, so a warm instance never leaks keys across). */
export function beginInvocation(logger: Logger, keys: InvocationKeys): void {
  logger.resetKeys();
  const present = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
  logger.appendKeys(present);
}

/**
 * A logger of its own for one invocation, with its keys: on a custom runtime with instance concurrency
 * (check-status), invocations run at once in one process, and keys set on the shared logger would show up in
 * another invocation's lines.
 */
export function invocationLogger(logger: Logger, keys: InvocationKeys & Record<string, unknown>): Logger {
  const child = logger.createChild();
  child.appendKeys(Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)));
  return child;
}
