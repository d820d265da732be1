/**
 * The `fc3` component's props, as the component and FC 3.0 accept them (devsapp/fc3 src/interface/*.ts,
 * src/schema.json; FC 3.0 API limits). A prop the component does not define is refused: fc3 itself only logs
 * a schema mismatch (src/utils/verify.ts), and the FC API drops fields it does not know — so a misspelt prop
 * silently deploys something else. The local cloud refuses it, which is the form that is right either way.
 */
import { z } from 'zod';
import { isCronExpression } from '../fc/timers.js';
import { issueLine } from './propsErrors.js';
import { SpecError } from './variables.js';

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const ROLE_ARN = /^acs:ram::\d+:role\/.+$/;

const httpTrigger = z.strictObject({
  triggerName: z.string().min(1),
  triggerType: z.literal('http'),
  qualifier: z.string().default('LATEST'),
  description: z.string().optional(),
  invocationRole: z.string().optional(),
  triggerConfig: z.strictObject({
    authType: z.enum(['anonymous', 'function', 'jwt']),
    methods: z.array(z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])).min(1),
    authConfig: z.unknown().optional(),
    disableURLInternet: z.boolean().optional(),
  }),
});

const timerTrigger = z.strictObject({
  triggerName: z.string().min(1),
  triggerType: z.literal('timer'),
  qualifier: z.string().default('LATEST'),
  description: z.string().optional(),
  triggerConfig: z.strictObject({
    cronExpression: z
      .string()
      .refine(
        isCronExpression,
        'must be a cron expression FC accepts (6 fields, seconds first; CRON_TZ=…; @every <n>s|m|h, n > 0)',
      ),
    enable: z.boolean(),
    payload: z
      .string()
      .max(128 * 1024)
      .optional(),
  }),
});

// FC 3.0 EventBridgeTriggerConfig (api-fc-2023-03-30-struct-eventbridgetriggerconfig), DeliveryOption has only
// concurrency and eventSchema (api-fc-2023-03-30-struct-deliveryoption).
const eventbridgeTrigger = z.strictObject({
  triggerName: z.string().min(1),
  triggerType: z.literal('eventbridge'),
  qualifier: z.string().default('LATEST'),
  description: z.string().optional(),
  invocationRole: z.string().optional(),
  sourceArn: z.string().optional(),
  triggerConfig: z.strictObject({
    triggerEnable: z.boolean(),
    asyncInvocationType: z.boolean(),
    eventRuleFilterPattern: z.string(),
    eventSourceConfig: z.strictObject({
      eventSourceType: z.enum(['Default', 'MNS', 'RocketMQ', 'RabbitMQ', 'Kafka', 'DTS']),
      eventSourceParameters: z.record(z.string(), z.unknown()).optional(),
    }),
    eventSinkConfig: z
      .strictObject({
        deliveryOption: z.strictObject({
          concurrency: z.number().int().optional(),
          eventSchema: z.enum(['CloudEvents', 'RawData']),
        }),
      })
      .optional(),
    runOptions: z.record(z.string(), z.unknown()).optional(),
  }),
});

const trigger = z.discriminatedUnion('triggerType', [httpTrigger, timerTrigger, eventbridgeTrigger]);

const destination = z.strictObject({ destination: z.string().min(1) });

const functionProps = z.strictObject({
  region: z.string().min(1),
  functionName: z
    .string()
    .regex(FUNCTION_NAME, 'letters, digits, "_" and "-", 1–64, not starting with a digit or "-"'),
  runtime: z.enum([
    'nodejs16',
    'nodejs18',
    'nodejs20',
    'python3.10',
    'python3.12',
    'custom.debian10',
    'custom.debian11',
    'custom.debian12',
    'custom-container',
  ]),
  code: z.string().min(1),
  handler: z.string().min(1),
  // FC 3.0 CustomRuntimeConfig (https://alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-customruntimeconfig).
  customRuntimeConfig: z
    .strictObject({
      command: z.array(z.string().min(1)).min(1).optional(),
      args: z.array(z.string()).optional(),
      port: z.number().int().min(1).max(65535).default(9000),
      healthCheckConfig: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  description: z.string().max(256).optional(),
  memorySize: z.number().int().min(128).max(32768).multipleOf(64).default(512),
  timeout: z.number().int().min(1).max(86400).default(3),
  cpu: z.number().multipleOf(0.05).optional(),
  diskSize: z.union([z.literal(512), z.literal(10240)]).optional(),
  instanceConcurrency: z.number().int().min(1).max(200).optional(),
  environmentVariables: z.record(z.string(), z.string()).default({}),
  role: z.string().regex(ROLE_ARN, 'a role ARN acs:ram::<account>:role/<name>').optional(),
  internetAccess: z.boolean().optional(),
  logConfig: z.union([z.literal('auto'), z.record(z.string(), z.unknown())]).optional(),
  vpcConfig: z.unknown().optional(),
  layers: z.array(z.string()).optional(),
  tags: z.unknown().optional(),
  asyncInvokeConfig: z
    .strictObject({
      destinationConfig: z
        .strictObject({ onSuccess: destination.optional(), onFailure: destination.optional() })
        .optional(),
      maxAsyncEventAgeInSeconds: z.number().int().min(1).max(2_592_000).default(18_000),
      maxAsyncRetryAttempts: z.number().int().min(0).max(8).default(3),
      asyncTask: z.boolean().optional(),
      qualifier: z.string().default('LATEST'),
    })
    .optional(),
  triggers: z.array(trigger).default([]),
});

export type Fc3Props = z.output<typeof functionProps>;
export type TriggerProps = Fc3Props['triggers'][number];

/** What FC forbids in environment variables (FC_ is the platform's prefix; total ≤ 4 KB). */
function envProblems(env: Record<string, string>): string[] {
  const problems = Object.keys(env)
    .filter((k) => k.startsWith('FC_'))
    .map((k) => `environmentVariables/${k}: names starting with FC_ are reserved`);
  const size = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > 4096) problems.push(`environmentVariables: ${size} bytes, more than the 4 KB FC allows`);
  return problems;
}

const TRIGGER_TYPES = ['cdn_events', 'eventbridge', 'http', 'log', 'mns_topic', 'oss', 'tablestore', 'timer'];
/** The trigger types the local cloud runs; the others (oss, log, …) need services it does not have. */
const LOCAL_TRIGGER_TYPES = ['eventbridge', 'http', 'timer'];

export function parseFc3Props(resource: string, props: Record<string, unknown>): Fc3Props {
  const fail = (lines: string[]): never => {
    throw new SpecError(`Function props validation error: ${lines.join('\n')}`);
  };
  const triggers = Array.isArray(props.triggers) ? (props.triggers as Record<string, unknown>[]) : [];
  triggers.forEach((t, i) => {
    if (!TRIGGER_TYPES.includes(String(t?.triggerType)))
      fail([
        `${resource}/props/triggers/${i}/triggerType must be equal to one of the allowed values: ${TRIGGER_TYPES.join(', ')}`,
      ]);
    if (!LOCAL_TRIGGER_TYPES.includes(String(t.triggerType)))
      fail([`${resource}/props/triggers/${i}: the local cloud has no ${String(t.triggerType)} triggers`]);
  });
  const parsed = functionProps.safeParse(props);
  if (!parsed.success) fail(parsed.error.issues.map((i) => issueLine(resource, i, props, 'an fc3 prop')));
  const data = parsed.data!;
  const problems = envProblems(data.environmentVariables).map((p) => `${resource}/props/${p}`);
  if (data.instanceConcurrency !== undefined && !data.runtime.startsWith('custom'))
    // fc3 src/subCommands/2to3/index.ts: "${runtime} instanceConcurrency is not supported in fc3.0".
    problems.push(
      `${resource}/props/instanceConcurrency: ${data.runtime} instanceConcurrency is not supported in fc3.0`,
    );
  if (data.customRuntimeConfig !== undefined && !data.runtime.startsWith('custom'))
    problems.push(`${resource}/props/customRuntimeConfig: only for custom runtimes, not ${data.runtime}`);
  const names = data.triggers.map((t) => t.triggerName);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) problems.push(`${resource}/props/triggers: triggerName ${twice[0]} is used twice`);
  if (data.triggers.filter((t) => t.triggerType === 'http').length > 1)
    problems.push(`${resource}/props/triggers: one HTTP trigger per function version`);
  if (problems.length) fail(problems);
  return data;
}
