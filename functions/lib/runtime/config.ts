/**
 * mirrorflow's settings, read from the environment (on FC: the function's environment variables, set in
 * s.yaml). A wrong value is a configuration error that names the variable and the rule.
 */
import * as z from 'zod/mini';
import { type Problem, problemsFromZod } from '../contract/problems.js';

const wholeFromEnv = (min: number, max: number, fallback: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((s: string | undefined, ctx) => {
      if (s === undefined || s.trim() === '') return fallback;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.issues.push({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max} (got "${s}")`,
          input: s,
        });
        return z.NEVER;
      }
      return n;
    }),
  );

const priorityRange = z.pipe(
  z.optional(z.string()),
  z.transform((s: string | undefined, ctx) => {
    const text = s === undefined || s.trim() === '' ? '16384-32766' : s.trim();
    const match = /^(\d+)-(\d+)$/.exec(text);
    const min = match ? Number(match[1]) : Number.NaN;
    const max = match ? Number(match[2]) : Number.NaN;
    if (!match || min < 1 || max > 32766 || min > max) {
      ctx.issues.push({
        code: 'custom',
        message: `must be "MIN-MAX" within 1-32766 with MIN <= MAX (got "${text}")`,
        input: s,
      });
      return z.NEVER;
    }
    return { min, max };
  }),
);

const envSchema = z.object({
  MIRRORFLOW_VPC_ENDPOINT: z.optional(z.url({ error: 'must be an http:// or https:// URL' })),
  MIRRORFLOW_HTTP_TIMEOUT_MS: wholeFromEnv(100, 120_000, 10_000),
  MIRRORFLOW_PRIORITY_RANGE: priorityRange,
  MIRRORFLOW_PRIORITY_ATTEMPTS: wholeFromEnv(1, 64, 8),
  MIRRORFLOW_OWNER: z._default(
    z.string().check(
      z.regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, {
        error: 'must start with a letter and contain only letters, digits, ".", "_" and "-" (at most 64)',
      }),
    ),
    'mirrorflow',
  ),
  MIRRORFLOW_RETRY_MAX_ATTEMPTS: wholeFromEnv(1, 20, 6),
  MIRRORFLOW_RETRY_MAX_ELAPSED_MS: wholeFromEnv(0, 600_000, 30_000),
  MIRRORFLOW_FNF_ENDPOINT: z.optional(z.url({ error: 'must be an http:// or https:// URL' })),
  MIRRORFLOW_FLOW_NAME: z._default(
    z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, { error: 'must be a CloudFlow flow name' })),
    'session-ready',
  ),
  MIRRORFLOW_EVENT_BUS: z._default(z.string().check(z.minLength(1), z.maxLength(127)), 'mirrorflow'),
  MIRRORFLOW_POLL_DEADLINE_SECONDS: wholeFromEnv(30, 86_400, 900),
  MIRRORFLOW_POLL_FIRST_DELAY_SECONDS: wholeFromEnv(1, 300, 5),
  MIRRORFLOW_POLL_MAX_DELAY_SECONDS: wholeFromEnv(1, 300, 20),
  MIRRORFLOW_WEBHOOK_SECRET: z.optional(
    z.string().check(z.minLength(16, { error: 'must be at least 16 characters' })),
  ),
  MIRRORFLOW_WEBHOOK_MAPPING: z._default(z.string().check(z.minLength(1)), 'generic'),
  MIRRORFLOW_WEBHOOK_MAX_BYTES: wholeFromEnv(1024, 6 * 1024 * 1024, 256 * 1024),
  MIRRORFLOW_WEBHOOK_TOLERANCE_SECONDS: wholeFromEnv(10, 3600, 300),
  MIRRORFLOW_DESIRED_STATE: z.optional(z.string().check(z.minLength(1))),
  MIRRORFLOW_RECONCILE_MODE: z._default(
    z.enum(['apply', 'plan'], { error: 'must be "apply" or "plan"' }),
    'apply',
  ),
  MIRRORFLOW_RECONCILE_CREATES_PER_SECOND: wholeFromEnv(1, 10, 5),
  MIRRORFLOW_RECONCILE_BATCH_SIZE: wholeFromEnv(1, 100, 100),
});

export interface MirrorflowConfig {
  /** Overrides the regional VPC endpoint (the local cloud sets it). */
  vpcEndpoint: string | undefined;
  httpTimeoutMs: number;
  /** Where allocated priorities come from; the default leaves 1–16383 to people who choose their own. */
  priorityRange: { min: number; max: number };
  priorityAttempts: number;
  /** The value of the ownership tag on sessions this deployment creates. */
  owner: string;
  retryMaxAttempts: number;
  retryMaxElapsedMs: number;
  /** Overrides the regional CloudFlow endpoint (the local cloud sets it). */
  fnfEndpoint: string | undefined;
  flowName: string;
  eventBusName: string;
  /** How long the workflow waits for a session to be Created before reporting a timeout. */
  pollDeadlineSeconds: number;
  pollFirstDelaySeconds: number;
  pollMaxDelaySeconds: number;
  /** Shared secret of the ticketing webhook; the webhook refuses every request when it is not set. */
  webhookSecret: string | undefined;
  /** `generic`, `jira`, `servicenow`, or a JSON file of JMESPath expressions. */
  webhookMapping: string;
  webhookMaxBytes: number;
  webhookToleranceSeconds: number;
  /** Path (relative to the function's code) or http(s) URL of the desired-state YAML. */
  desiredState: string | undefined;
  reconcileMode: 'apply' | 'plan';
  /** Creates per second during reconciliation (the API allows 600 per minute). */
  reconcileCreatesPerSecond: number;
  reconcileBatchSize: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: Problem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MirrorflowConfig {
  const input = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const result = envSchema.safeParse(input);
  if (!result.success) throw new ConfigError(problemsFromZod(result.error, input));
  const c = result.data;
  return {
    vpcEndpoint: c.MIRRORFLOW_VPC_ENDPOINT,
    httpTimeoutMs: c.MIRRORFLOW_HTTP_TIMEOUT_MS,
    priorityRange: c.MIRRORFLOW_PRIORITY_RANGE,
    priorityAttempts: c.MIRRORFLOW_PRIORITY_ATTEMPTS,
    owner: c.MIRRORFLOW_OWNER,
    retryMaxAttempts: c.MIRRORFLOW_RETRY_MAX_ATTEMPTS,
    retryMaxElapsedMs: c.MIRRORFLOW_RETRY_MAX_ELAPSED_MS,
    fnfEndpoint: c.MIRRORFLOW_FNF_ENDPOINT,
    flowName: c.MIRRORFLOW_FLOW_NAME,
    eventBusName: c.MIRRORFLOW_EVENT_BUS,
    pollDeadlineSeconds: c.MIRRORFLOW_POLL_DEADLINE_SECONDS,
    pollFirstDelaySeconds: c.MIRRORFLOW_POLL_FIRST_DELAY_SECONDS,
    pollMaxDelaySeconds: c.MIRRORFLOW_POLL_MAX_DELAY_SECONDS,
    webhookSecret: c.MIRRORFLOW_WEBHOOK_SECRET,
    webhookMapping: c.MIRRORFLOW_WEBHOOK_MAPPING,
    webhookMaxBytes: c.MIRRORFLOW_WEBHOOK_MAX_BYTES,
    webhookToleranceSeconds: c.MIRRORFLOW_WEBHOOK_TOLERANCE_SECONDS,
    desiredState: c.MIRRORFLOW_DESIRED_STATE,
    reconcileMode: c.MIRRORFLOW_RECONCILE_MODE,
    reconcileCreatesPerSecond: c.MIRRORFLOW_RECONCILE_CREATES_PER_SECOND,
    reconcileBatchSize: c.MIRRORFLOW_RECONCILE_BATCH_SIZE,
  };
}
