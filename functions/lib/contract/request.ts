/**
 * The mirror request: the CreateTrafficMirrorSession request as the API spells it, with every limit of the
 * API page enforced before any call, plus mirrorflow's product rules.
 */
// zod/mini: the same validation as zod's chaining API, at a small fraction of the bundle size.
import * as z from 'zod/mini';
import { type Problem, problemsFromZod } from './problems.js';
import { CORRELATION_KEY, LIMITS } from './requestLimits.js';
import { LIST_TAG_VALUE, RESERVED_TAG_KEYS } from './sessionTags.js';

/** RFC 3339 with a time zone (Z or ±hh:mm). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const ID_PATTERNS = {
  eni: /^eni-[a-z0-9]{1,64}$/,
  slb: /^lb-[a-z0-9]{1,64}$/,
  filter: /^tmf-[a-z0-9]{1,64}$/,
  session: /^tms-[a-z0-9]{1,64}$/,
  resourceGroup: /^rg-[a-z0-9]{1,64}$/,
  region: /^[a-z]{2,}(-[a-z0-9]+)+$/,
} as const;

const URL_PREFIX = /^https?:\/\//i;
const URL_ANYWHERE = /https?:\/\//i;
const RESERVED_TAG_PREFIX = /^(aliyun|acs:)/i;
const ASCII_PRINTABLE = /^[\x20-\x7e]+$/;

const whole = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.int({ error: rule }).check(z.gte(min, { error: rule }), z.lte(max, { error: rule }));
};

const text = (min: number, max: number) =>
  z.string().check(
    z.minLength(min, { error: `must be ${min} to ${max} characters long` }),
    z.maxLength(max, { error: `must be ${min} to ${max} characters long` }),
    z.refine((s: string) => !URL_PREFIX.test(s), { error: 'must not start with http:// or https://' }),
  );

const id = (pattern: RegExp, what: string) =>
  z.string().check(z.regex(pattern, { error: `must be ${what} (like ${exampleOf(pattern)})` }));

function exampleOf(pattern: RegExp): string {
  const prefix = /\^([a-z]+-)/.exec(pattern.source)?.[1];
  return prefix ? `${prefix}bp1abc123` : 'cn-hangzhou';
}

const noReservedPrefix = z.refine<string>((s) => !RESERVED_TAG_PREFIX.test(s), {
  error: 'must not start with "aliyun" or "acs:"',
});
const noUrl = z.refine<string>((s) => !URL_ANYWHERE.test(s), {
  error: 'must not contain http:// or https://',
});

const createTagSchema = z.strictObject({
  Key: z
    .string()
    .check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(LIMITS.tagKeyLength, { error: `must be at most ${LIMITS.tagKeyLength} characters long` }),
      noReservedPrefix,
      noUrl,
    ),
  Value: z.string().check(
    z.maxLength(LIMITS.tagValueLength, {
      error: `must be at most ${LIMITS.tagValueLength} characters long`,
    }),
    noReservedPrefix,
    noUrl,
  ),
});

export const clientTokenSchema = z.string().check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(LIMITS.clientTokenLength, {
    error: `must be at most ${LIMITS.clientTokenLength} characters long`,
  }),
  z.regex(ASCII_PRINTABLE, { error: 'must contain only printable ASCII characters' }),
);

const correlationSchema = z
  .record(
    z.string().check(
      z.maxLength(LIMITS.correlationKeyLength, {
        error: `keys must be at most ${LIMITS.correlationKeyLength} characters long`,
      }),
      z.regex(CORRELATION_KEY, {
        error: 'keys must start with a letter and contain only letters, digits, ".", "_" and "-"',
      }),
    ),
    z.string({ error: 'values must be strings' }).check(
      z.maxLength(LIMITS.correlationValueLength, {
        error: `values must be at most ${LIMITS.correlationValueLength} characters long`,
      }),
    ),
  )
  .check(
    z.refine((m: Record<string, string>) => Object.keys(m).length <= LIMITS.correlationEntries, {
      error: `must have at most ${LIMITS.correlationEntries} entries`,
    }),
  );

/** The mirror request as a caller sends it (JSON), before defaults. */
export const mirrorRequestSchema = z
  .strictObject({
    RegionId: id(ID_PATTERNS.region, 'a region ID'),
    TrafficMirrorSourceIds: z
      .array(id(ID_PATTERNS.eni, 'an ENI ID'), { error: 'must be an array of ENI IDs' })
      .check(
        z.minLength(1, { error: 'must list at least one source ENI' }),
        z.maxLength(LIMITS.sourcesPerSession, {
          error: `must list at most ${LIMITS.sourcesPerSession} source ENIs`,
        }),
      ),
    // Its prefix depends on TrafficMirrorTargetType: checked in crossFieldRules.
    TrafficMirrorTargetId: z.string(),
    TrafficMirrorTargetType: z.enum(['NetworkInterface', 'SLB'], {
      error: 'must be "NetworkInterface" or "SLB"',
    }),
    TrafficMirrorFilterId: id(ID_PATTERNS.filter, 'a traffic mirror filter ID'),
    Priority: z.optional(whole(LIMITS.priority.min, LIMITS.priority.max)),
    VirtualNetworkId: z.optional(whole(LIMITS.virtualNetworkId.min, LIMITS.virtualNetworkId.max)),
    PacketLength: z.optional(whole(LIMITS.packetLength.min, LIMITS.packetLength.max)),
    Enabled: z._default(z.boolean({ error: 'must be true or false' }), true),
    TrafficMirrorSessionName: z.optional(text(LIMITS.nameLength.min, LIMITS.nameLength.max)),
    TrafficMirrorSessionDescription: z.optional(
      text(LIMITS.descriptionLength.min, LIMITS.descriptionLength.max),
    ),
    ResourceGroupId: z.optional(id(ID_PATTERNS.resourceGroup, 'a resource group ID')),
    Tag: z.optional(
      z
        .array(createTagSchema, { error: 'must be an array of {Key, Value} objects' })
        // Some of the API's 20 tags are mirrorflow's own (RESERVED_TAG_KEYS).
        .check(
          z.maxLength(LIMITS.tagsPerResource - RESERVED_TAG_KEYS.length, {
            error: `must have at most ${LIMITS.tagsPerResource - RESERVED_TAG_KEYS.length} tags (the API allows ${LIMITS.tagsPerResource}; mirrorflow adds ${RESERVED_TAG_KEYS.join(', ')})`,
          }),
        ),
    ),
    DryRun: z.optional(z.boolean({ error: 'must be true or false' })),
    ClientToken: z.optional(clientTokenSchema),
    Correlation: z.optional(correlationSchema),
    /** The session is withdrawn at this time (by the scheduled run): an ad-hoc investigation ends by itself. */
    ExpiresAt: z.optional(
      z.string().check(
        z.refine((s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), {
          error: 'must be an RFC 3339 time with its zone, like 2026-12-01T18:00:00Z',
        }),
      ),
    ),
    /** …or this many seconds after it was created (at least 60, at most 90 days). */
    DurationSeconds: z.optional(whole(60, 90 * 86_400)),
  })
  // Cross-field rules run even when single fields failed, so a caller sees every problem at once; they
  // therefore read the raw values defensively.
  .check(
    z.superRefine((req, ctx) => crossFieldRules(req as unknown as Record<string, unknown>, ctx as never), {
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    }),
  );

function crossFieldRules(
  req: Record<string, unknown>,
  ctx: { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void },
): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const target = req.TrafficMirrorTargetId;
  const sources = Array.isArray(req.TrafficMirrorSourceIds) ? (req.TrafficMirrorSourceIds as unknown[]) : [];
  if (typeof target === 'string') {
    if (req.TrafficMirrorTargetType === 'SLB' && !ID_PATTERNS.slb.test(target)) {
      issue(
        ['TrafficMirrorTargetId'],
        'must be an SLB instance ID (like lb-bp1abc123) when TrafficMirrorTargetType is "SLB"',
      );
    } else if (req.TrafficMirrorTargetType === 'NetworkInterface' && !ID_PATTERNS.eni.test(target)) {
      issue(
        ['TrafficMirrorTargetId'],
        'must be an ENI ID (like eni-bp1abc123) when TrafficMirrorTargetType is "NetworkInterface"',
      );
    } else if (
      req.TrafficMirrorTargetType === undefined &&
      !ID_PATTERNS.eni.test(target) &&
      !ID_PATTERNS.slb.test(target)
    ) {
      issue(['TrafficMirrorTargetId'], 'must be an ENI ID (eni-…) or an SLB instance ID (lb-…)');
    }
  }
  const seen = new Set<unknown>();
  sources.forEach((source, index) => {
    if (seen.has(source)) {
      issue(
        ['TrafficMirrorSourceIds', index],
        `must not repeat a source (${String(source)} is listed twice)`,
      );
    }
    seen.add(source);
  });
  if (typeof target === 'string' && seen.has(target)) {
    issue(
      ['TrafficMirrorTargetId'],
      'must not also be a source: an ENI cannot be both source and target of mirroring',
    );
  }
  if (req.ExpiresAt !== undefined && req.DurationSeconds !== undefined)
    issue(['DurationSeconds'], 'give ExpiresAt or DurationSeconds, not both');
  const keys = new Set<unknown>();
  const tags = Array.isArray(req.Tag) ? (req.Tag as unknown[]) : [];
  tags.forEach((tag, index) => {
    const key = tag !== null && typeof tag === 'object' ? (tag as Record<string, unknown>).Key : undefined;
    if (typeof key !== 'string') return;
    if (RESERVED_TAG_KEYS.includes(key)) {
      issue(['Tag', index, 'Key'], `must not be "${key}": mirrorflow sets that tag itself`);
    }
    if (keys.has(key)) issue(['Tag', index, 'Key'], `must be unique ("${key}" repeats)`);
    keys.add(key);
  });
}

export type MirrorRequestInput = z.input<typeof mirrorRequestSchema>;
export type MirrorRequest = z.output<typeof mirrorRequestSchema>;
export type CreateTag = z.output<typeof createTagSchema>;

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/**
 * A schema's check: the parsed value, or every problem with the field's path and the rule it breaks. `schema`
 * builds it on the first check, so a cold start that submits never builds the modify and withdraw contracts
 * (about 1 ms of intake-event's load). The submit contract, which nearly every intake checks, is built as the
 * module loads.
 */
function validatorFor<S extends z.ZodMiniType>(schema: () => S): (input: unknown) => Validation<z.output<S>> {
  let built: S | undefined;
  return (input) => {
    built ??= schema();
    const result = built.safeParse(input);
    return result.success
      ? { ok: true, value: result.data }
      : { ok: false, problems: problemsFromZod(result.error, input) };
  };
}

export const validateMirrorRequest = validatorFor(() => mirrorRequestSchema);

/** What a modify may change: any updatable attribute, and the sources (added and removed to match). */
const sessionChangesSchema = () =>
  z
    .strictObject({
      TrafficMirrorFilterId: z.optional(id(ID_PATTERNS.filter, 'a traffic mirror filter ID')),
      TrafficMirrorTargetId: z.optional(z.string()),
      TrafficMirrorTargetType: z.optional(
        z.enum(['NetworkInterface', 'SLB'], { error: 'must be "NetworkInterface" or "SLB"' }),
      ),
      Priority: z.optional(whole(LIMITS.priority.min, LIMITS.priority.max)),
      Enabled: z.optional(z.boolean({ error: 'must be true or false' })),
      VirtualNetworkId: z.optional(whole(LIMITS.virtualNetworkId.min, LIMITS.virtualNetworkId.max)),
      PacketLength: z.optional(whole(LIMITS.packetLength.min, LIMITS.packetLength.max)),
      TrafficMirrorSessionName: z.optional(text(LIMITS.nameLength.min, LIMITS.nameLength.max)),
      TrafficMirrorSessionDescription: z.optional(
        text(LIMITS.descriptionLength.min, LIMITS.descriptionLength.max),
      ),
      TrafficMirrorSourceIds: z.optional(
        z.array(id(ID_PATTERNS.eni, 'an ENI ID'), { error: 'must be an array of ENI IDs' }).check(
          z.minLength(1, {
            error: 'must list at least one source ENI (withdraw the session to stop mirroring)',
          }),
          z.maxLength(LIMITS.sourcesPerSession, {
            error: `must list at most ${LIMITS.sourcesPerSession} source ENIs`,
          }),
        ),
      ),
    })
    .check(
      z.refine((c) => Object.keys(c).length > 0, { error: 'must change at least one attribute' }),
      z.refine((c) => (c.TrafficMirrorTargetId === undefined) === (c.TrafficMirrorTargetType === undefined), {
        error: 'TrafficMirrorTargetId and TrafficMirrorTargetType change together',
        path: ['TrafficMirrorTargetType'],
      }),
    );

export type SessionChanges = z.output<ReturnType<typeof sessionChangesSchema>>;

/** How a modify or withdraw names its session: by the ClientToken of the request that created it, or by id. */
const sessionNameFields = () => ({
  RegionId: id(ID_PATTERNS.region, 'a region ID'),
  ClientToken: z.optional(clientTokenSchema),
  TrafficMirrorSessionId: z.optional(id(ID_PATTERNS.session, 'a traffic mirror session ID')),
  Correlation: z.optional(correlationSchema),
});
/** What each naming field names, for the message of namesOneSession. */
const NAMING_FIELDS = {
  ClientToken: 'ClientToken (of the request that created it)',
  TrafficMirrorSessionId: 'TrafficMirrorSessionId',
  Ticket: 'Ticket (every session of that ticket)',
} as const;
type NamingField = keyof typeof NAMING_FIELDS;

/** Exactly one of `fields` is given: a request that names its sessions twice (or not at all) is ambiguous. */
const namesOneSession = (fields: readonly NamingField[]) => {
  const names = fields.map((f) => NAMING_FIELDS[f]);
  const list = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return z.refine<Partial<Record<NamingField, unknown>>>(
    (r) => fields.filter((f) => r[f] !== undefined).length === 1,
    { error: `name the session by exactly one of ${list}`, path: ['ClientToken'] },
  );
};

/** A modify: change, in place, the session one request created (or the one named). */
const modifyRequestSchema = () =>
  z
    .strictObject({ ...sessionNameFields(), changes: sessionChangesSchema() })
    .check(namesOneSession(['ClientToken', 'TrafficMirrorSessionId']));

export type ModifyRequest = z.output<ReturnType<typeof modifyRequestSchema>>;

export const validateModifyRequest = validatorFor(modifyRequestSchema);

/**
 * A withdraw: delete the session one request created — named by that request's ClientToken, or by the
 * session's id — or every session of a ticket (its `mirrorflow-ticket` tag, set from the creating request's
 * `Correlation.ticket`: steps/withdrawTicket.ts), and never a session mirrorflow does not own.
 */
const withdrawRequestSchema = () =>
  z
    .strictObject({
      ...sessionNameFields(),
      // Only a value ListTrafficMirrorSessions can filter on can name tagged sessions (provision.ts createParams).
      Ticket: z.optional(
        z.string().check(
          z.regex(LIST_TAG_VALUE, {
            error:
              'must be a ticket key like SEC-7: a letter, then letters, digits, ".", "_" or "-", at most 128 characters',
          }),
        ),
      ),
    })
    .check(namesOneSession(['ClientToken', 'TrafficMirrorSessionId', 'Ticket']));

export type WithdrawRequest = z.output<ReturnType<typeof withdrawRequestSchema>>;

export const validateWithdrawRequest = validatorFor(withdrawRequestSchema);
