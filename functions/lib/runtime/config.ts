/**
 * mirrorflow's settings, read from the environment (on FC: the function's environment variables, set in
 * s.yaml). A wrong value is a configuration error that names the variable and the rule.
 *
 * Each setting is a small reader of its variable's text rather than a zod schema: every function reads the
 * configuration on every cold start, and building some 80 zod schemas for 26 variables cost dead-letter about
 * 3 ms of a ~65 ms start, and the others 1–2 ms (paired starts of the two bundles). Untrusted input
 * (requests, events, the desired state) is still checked by the zod contracts in `contract/`.
 */
import type { Problem } from '../contract/problems.js';

/** The rule a variable's text breaks. */
class Broken {
  constructor(readonly rule: string) {}
}

/** Reads a variable's text (undefined when unset or empty) into its value, or the rule it breaks. */
type Reader<T> = (text: string | undefined) => T | Broken;

const wholeFromEnv =
  (min: number, max: number, fallback: number): Reader<number> =>
  (s) => {
    if (s === undefined || s.trim() === '') return fallback;
    const n = Number(s);
    return Number.isInteger(n) && n >= min && n <= max
      ? n
      : new Broken(`must be a whole number from ${min} to ${max} (got "${s}")`);
  };

const booleanFromEnv =
  (fallback: boolean): Reader<boolean> =>
  (s) => {
    if (s === undefined || s.trim() === '') return fallback;
    if (s === 'true' || s === 'false') return s === 'true';
    return new Broken(`must be "true" or "false" (got "${s}")`);
  };

const priorityRange: Reader<{ min: number; max: number }> = (s) => {
  const text = s === undefined || s.trim() === '' ? '1000-32766' : s.trim();
  const match = /^(\d+)-(\d+)$/.exec(text);
  const min = match ? Number(match[1]) : Number.NaN;
  const max = match ? Number(match[2]) : Number.NaN;
  if (!match || min < 1 || max > 32766 || min > max)
    return new Broken(`must be "MIN-MAX" within 1-32766 with MIN <= MAX (got "${text}")`);
  return { min, max };
};

const regionList: Reader<string[]> = (s) => {
  const regions = (s ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const bad = regions.find((r) => !/^[a-z]{2,}(-[a-z0-9]+)+$/.test(r));
  return bad === undefined ? regions : new Broken(`must be region IDs separated by commas (got "${bad}")`);
};

/**
 * An endpoint override: an http:// or https:// URL, without the spaces around it (an env file's CR included),
 * which would otherwise reach every call's address. A URL has no whitespace inside.
 */
const url: Reader<string | undefined> = (s) => {
  if (s === undefined || s.trim() === '') return undefined;
  const text = s.trim();
  let parsed = false;
  try {
    parsed = Boolean(new URL(text));
  } catch {
    // not a URL at all: the same rule
  }
  return parsed && /^https?:\/\/[^\s]+$/i.test(text)
    ? text
    : new Broken('must be an http:// or https:// URL');
};

/** Text that matches `pattern` (the rule says how), else `fallback` when unset. */
const matching =
  (pattern: RegExp, rule: string, fallback: string): Reader<string> =>
  (s) =>
    s === undefined ? fallback : pattern.test(s) ? s : new Broken(rule);

/** Text of a bounded length; unset: `fallback` (undefined: the setting is optional). */
function textOf(length: { min: number; max?: number }, fallback: string): Reader<string>;
function textOf(length: { min: number; max?: number }): Reader<string | undefined>;
function textOf(length: { min: number; max?: number }, fallback?: string): Reader<string | undefined> {
  const { min, max = Number.POSITIVE_INFINITY } = length;
  return (s) => {
    if (s === undefined) return fallback;
    if (s.length >= min && s.length <= max) return s;
    return new Broken(
      max === Number.POSITIVE_INFINITY
        ? `must be at least ${min} characters`
        : `must be ${min} to ${max} characters (got ${s.length})`,
    );
  };
}

const oneOf =
  <const T extends string>(values: readonly T[], fallback: NoInfer<T>): Reader<T> =>
  (s) =>
    s === undefined
      ? fallback
      : (values as readonly string[]).includes(s)
        ? (s as T)
        : new Broken(`must be ${values.map((v) => `"${v}"`).join(' or ')}`);

/**
 * Every setting, once: the variable it is read from, its rule and default. The config's field names and
 * types are derived from this table.
 */
const SETTINGS = {
  /** Overrides the regional VPC endpoint (the local cloud sets it). */
  vpcEndpoint: ['MIRRORFLOW_VPC_ENDPOINT', url],
  httpTimeoutMs: ['MIRRORFLOW_HTTP_TIMEOUT_MS', wholeFromEnv(100, 120_000, 10_000)],
  /** Where allocated priorities come from; the default leaves 1–999 to people who choose their own. */
  priorityRange: ['MIRRORFLOW_PRIORITY_RANGE', priorityRange],
  priorityAttempts: ['MIRRORFLOW_PRIORITY_ATTEMPTS', wholeFromEnv(1, 64, 32)],
  /** The value of the ownership tag on sessions this deployment creates. */
  owner: [
    'MIRRORFLOW_OWNER',
    matching(
      /^[A-Za-z][A-Za-z0-9._-]{0,63}$/,
      'must start with a letter and contain only letters, digits, ".", "_" and "-" (at most 64)',
      'mirrorflow',
    ),
  ],
  /** Enough for a session busy changing (Modifying lasts seconds) to settle within the time budget. */
  retryMaxAttempts: ['MIRRORFLOW_RETRY_MAX_ATTEMPTS', wholeFromEnv(1, 20, 12)],
  retryMaxElapsedMs: ['MIRRORFLOW_RETRY_MAX_ELAPSED_MS', wholeFromEnv(0, 600_000, 30_000)],
  /** Overrides the regional CloudFlow endpoint (the local cloud sets it). */
  fnfEndpoint: ['MIRRORFLOW_FNF_ENDPOINT', url],
  flowName: [
    'MIRRORFLOW_FLOW_NAME',
    matching(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, 'must be a CloudFlow flow name', 'session-ready'),
  ],
  eventBusName: ['MIRRORFLOW_EVENT_BUS', textOf({ min: 1, max: 127 }, 'mirrorflow')],
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
  webhookSecret: ['MIRRORFLOW_WEBHOOK_SECRET', textOf({ min: 16 })],
  /** `generic`, `jira`, `servicenow`, or a JSON file of JMESPath expressions. */
  webhookMapping: ['MIRRORFLOW_WEBHOOK_MAPPING', textOf({ min: 1 }, 'generic')],
  webhookMaxBytes: ['MIRRORFLOW_WEBHOOK_MAX_BYTES', wholeFromEnv(1024, 6 * 1024 * 1024, 256 * 1024)],
  webhookToleranceSeconds: ['MIRRORFLOW_WEBHOOK_TOLERANCE_SECONDS', wholeFromEnv(10, 3600, 300)],
  /** Path (relative to the function's code) or http(s) URL of the desired-state YAML. */
  desiredState: ['MIRRORFLOW_DESIRED_STATE', textOf({ min: 1 })],
  reconcileMode: ['MIRRORFLOW_RECONCILE_MODE', oneOf(['apply', 'plan'], 'apply')],
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
  reconcileFlowName: ['MIRRORFLOW_RECONCILE_FLOW_NAME', textOf({ min: 1 }, 'reconcile-run')],
  /**
   * Regions the scheduled run always looks at (prune, expiry) besides its own and those the desired state
   * names — so a region whose last entry was removed is still cleaned up.
   */
  regions: ['MIRRORFLOW_REGIONS', regionList],
  /** Delete the sessions reconcile created for entries no longer in the desired state (never ad-hoc ones). */
  reconcilePrune: ['MIRRORFLOW_RECONCILE_PRUNE', booleanFromEnv(true)],
} as const satisfies Record<string, readonly [`MIRRORFLOW_${string}`, Reader<unknown>]>;

type Settings = typeof SETTINGS;
export type MirrorflowConfig = {
  -readonly [K in keyof Settings]: Exclude<ReturnType<Settings[K][1]>, Broken>;
};

/** The environment variable of each setting. */
export const SETTING_VARIABLES = Object.fromEntries(
  Object.entries(SETTINGS).map(([field, [variable]]) => [field, variable]),
) as { [K in keyof Settings]: Settings[K][0] };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: Problem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}`);
  }
}

/** Every setting read; every wrong one named (all of them, not just the first). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MirrorflowConfig {
  const config: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const [field, [variable, read]] of Object.entries(SETTINGS)) {
    const text = env[variable];
    const value = (read as Reader<unknown>)(text === '' ? undefined : text);
    if (value instanceof Broken) problems.push({ path: variable, rule: value.rule });
    else config[field] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as MirrorflowConfig;
}
