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

const booleanFromEnv = (fallback: boolean) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((s: string | undefined, ctx) => {
      if (s === undefined || s.trim() === '') return fallback;
      if (s === 'true' || s === 'false') return s === 'true';
      ctx.issues.push({ code: 'custom', message: `must be "true" or "false" (got "${s}")`, input: s });
      return z.NEVER;
    }),
  );

const priorityRange = z.pipe(
  z.optional(z.string()),
  z.transform((s: string | undefined, ctx) => {
    const text = s === undefined || s.trim() === '' ? '1000-32766' : s.trim();
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

const regionList = z.pipe(
  z.optional(z.string()),
  z.transform((s: string | undefined, ctx) => {
    const regions = (s ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    const bad = regions.find((r) => !/^[a-z]{2,}(-[a-z0-9]+)+$/.test(r));
    if (bad === undefined) return regions;
    ctx.issues.push({
      code: 'custom',
      message: `must be region IDs separated by commas (got "${bad}")`,
      input: s,
    });
    return z.NEVER;
  }),
);

const url = () => z.optional(z.url({ error: 'must be an http:// or https:// URL' }));

/**
 * Every setting, once: the variable it is read from, its rule and default. The config's field names and
 * types are derived from this table.
 */
const SETTINGS = {
  /** Overrides the regional VPC endpoint (the local cloud sets it). */
  vpcEndpoint: ['MIRRORFLOW_VPC_ENDPOINT', url()],
  httpTimeoutMs: ['MIRRORFLOW_HTTP_TIMEOUT_MS', wholeFromEnv(100, 120_000, 10_000)],
  /** Where allocated priorities come from; the default leaves 1–999 to people who choose their own. */
  priorityRange: ['MIRRORFLOW_PRIORITY_RANGE', priorityRange],
  priorityAttempts: ['MIRRORFLOW_PRIORITY_ATTEMPTS', wholeFromEnv(1, 64, 8)],
  /** The value of the ownership tag on sessions this deployment creates. */
  owner: [
    'MIRRORFLOW_OWNER',
    z._default(
      z.string().check(
        z.regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, {
          error: 'must start with a letter and contain only letters, digits, ".", "_" and "-" (at most 64)',
        }),
      ),
      'mirrorflow',
    ),
  ],
  /** Enough for a session busy changing (Modifying lasts seconds) to settle within the time budget. */
  retryMaxAttempts: ['MIRRORFLOW_RETRY_MAX_ATTEMPTS', wholeFromEnv(1, 20, 12)],
  retryMaxElapsedMs: ['MIRRORFLOW_RETRY_MAX_ELAPSED_MS', wholeFromEnv(0, 600_000, 30_000)],
  /** Overrides the regional CloudFlow endpoint (the local cloud sets it). */
  fnfEndpoint: ['MIRRORFLOW_FNF_ENDPOINT', url()],
  flowName: [
    'MIRRORFLOW_FLOW_NAME',
    z._default(
      z
        .string()
        .check(z.regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, { error: 'must be a CloudFlow flow name' })),
      'session-ready',
    ),
  ],
  eventBusName: [
    'MIRRORFLOW_EVENT_BUS',
    z._default(z.string().check(z.minLength(1), z.maxLength(127)), 'mirrorflow'),
  ],
  /** How long the workflow waits for a session to be Created before reporting a timeout. */
  pollDeadlineSeconds: ['MIRRORFLOW_POLL_DEADLINE_SECONDS', wholeFromEnv(30, 86_400, 900)],
  pollFirstDelaySeconds: ['MIRRORFLOW_POLL_FIRST_DELAY_SECONDS', wholeFromEnv(1, 300, 5)],
  pollMaxDelaySeconds: ['MIRRORFLOW_POLL_MAX_DELAY_SECONDS', wholeFromEnv(1, 300, 20)],
  /**
   * Looks fall on a region-wide grid of ticks and share List calls with the other flows' looks an instance
   * runs at once (check-status on a custom runtime with instance concurrency, as s.yaml deploys it). `false`:
   * each look goes at once and alone, for check-status on a runtime without instance concurrency.
   */
  pollShared: ['MIRRORFLOW_POLL_SHARED', booleanFromEnv(true)],
  /** Shared secret of the ticketing webhook; the webhook refuses every request when it is not set. */
  webhookSecret: [
    'MIRRORFLOW_WEBHOOK_SECRET',
    z.optional(z.string().check(z.minLength(16, { error: 'must be at least 16 characters' }))),
  ],
  /** `generic`, `jira`, `servicenow`, or a JSON file of JMESPath expressions. */
  webhookMapping: ['MIRRORFLOW_WEBHOOK_MAPPING', z._default(z.string().check(z.minLength(1)), 'generic')],
  webhookMaxBytes: ['MIRRORFLOW_WEBHOOK_MAX_BYTES', wholeFromEnv(1024, 6 * 1024 * 1024, 256 * 1024)],
  webhookToleranceSeconds: ['MIRRORFLOW_WEBHOOK_TOLERANCE_SECONDS', wholeFromEnv(10, 3600, 300)],
  /** Path (relative to the function's code) or http(s) URL of the desired-state YAML. */
  desiredState: ['MIRRORFLOW_DESIRED_STATE', z.optional(z.string().check(z.minLength(1)))],
  reconcileMode: [
    'MIRRORFLOW_RECONCILE_MODE',
    z._default(z.enum(['apply', 'plan'], { error: 'must be "apply" or "plan"' }), 'apply'),
  ],
  /** Creates, updates and deletes per second during reconciliation (the API allows 600 a minute per action). */
  reconcileCreatesPerSecond: ['MIRRORFLOW_RECONCILE_CREATES_PER_SECOND', wholeFromEnv(1, 10, 10)],
  reconcileBatchSize: ['MIRRORFLOW_RECONCILE_BATCH_SIZE', wholeFromEnv(1, 100, 100)],
  /**
   * How long one reconcile invocation applies before it hands the rest of the run to the next one through
   * the reconcile-run flow: a third of the function's 900 s timeout, so a slow listing or a throttled spell
   * never brings an invocation near it (workflows/reconcile-run.yaml).
   */
  reconcileSliceSeconds: ['MIRRORFLOW_RECONCILE_SLICE_SECONDS', wholeFromEnv(1, 600, 300)],
  /** The flow that carries a reconcile run across invocations. */
  reconcileFlowName: [
    'MIRRORFLOW_RECONCILE_FLOW_NAME',
    z._default(z.string().check(z.minLength(1)), 'reconcile-run'),
  ],
  /**
   * Regions the scheduled run always looks at (prune, expiry) besides its own and those the desired state
   * names — so a region whose last entry was removed is still cleaned up.
   */
  regions: ['MIRRORFLOW_REGIONS', regionList],
  /** Delete the sessions reconcile created for entries no longer in the desired state (never ad-hoc ones). */
  reconcilePrune: ['MIRRORFLOW_RECONCILE_PRUNE', booleanFromEnv(true)],
} as const satisfies Record<string, readonly [`MIRRORFLOW_${string}`, z.ZodMiniType]>;

type Settings = typeof SETTINGS;
export type MirrorflowConfig = { -readonly [K in keyof Settings]: z.output<Settings[K][1]> };

/** The environment variable of each setting. */
export const SETTING_VARIABLES = Object.fromEntries(
  Object.entries(SETTINGS).map(([field, [variable]]) => [field, variable]),
) as { [K in keyof Settings]: Settings[K][0] };

const envSchema = z.object(
  Object.fromEntries(Object.values(SETTINGS).map(([variable, schema]) => [variable, schema])) as {
    [K in keyof Settings as Settings[K][0]]: Settings[K][1];
  },
);

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
  const values = result.data as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(SETTINGS).map(([field, [variable]]) => [field, values[variable]]),
  ) as MirrorflowConfig;
}
