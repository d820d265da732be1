/**
 * The new CloudFlow FDL (`Type: StateMachine`, `SpecVersion: v1`, `States` as a list), as zod schemas: one
 * per state type, strict, holding exactly the attributes that state type's documentation page lists, so an
 * attribute the docs do not list for that type is refused as CreateFlow would refuse it (STATE_DOCS names the
 * page of each table). Where a page is silent, the attribute is refused: a flow that passes locally must not
 * depend on an undocumented leniency of the cloud.
 */
import { z } from 'zod';

/** The attribute table each state schema follows. */
export const STATE_DOCS = {
  Task: 'https://alibabacloud.com/help/en/serverless-workflow/latest/task-task',
  Pass: 'https://help.aliyun.com/en/document_detail/2412526.html',
  Wait: 'https://help.aliyun.com/en/document_detail/2412546.html',
  Choice: 'https://help.aliyun.com/en/document_detail/2412568.html',
  Succeed: 'https://alibabacloud.com/help/en/serverless-workflow/latest/succeeded',
  Fail: 'https://alibabacloud.com/help/en/serverless-workflow/latest/fail',
  Parallel: 'https://help.aliyun.com/en/document_detail/2412619.html',
  Map: 'https://www.alibabacloud.com/help/en/serverless-workflow/latest/inline-mode',
} as const;

const template = z.record(z.string(), z.unknown());
const next = { Next: z.string().min(1).optional(), End: z.literal(true).optional() };
const io = { InputConstructor: template.optional(), OutputConstructor: template.optional() };
const common = { Name: z.string().min(1), Description: z.string().optional() };

export const retrySchema = z.strictObject({
  Errors: z.array(z.string().min(1)).min(1),
  Description: z.string().min(1),
  MaxAttempts: z.number().int().min(0),
  IntervalSeconds: z.number().int().min(0).max(86_400),
  BackoffRate: z.number().min(1).optional(),
  MaxBackoffSeconds: z.number().int().min(0).max(86_400).optional(),
});

export const catchSchema = z.strictObject({
  Errors: z.array(z.string().min(1)).min(1),
  Description: z.string().min(1),
  Next: z.string().min(1),
  OutputConstructor: template.optional(),
});

const errorHandling = { Retry: z.array(retrySchema).optional(), Catch: z.array(catchSchema).optional() };

export const taskSchema = z.strictObject({
  ...common,
  ...next,
  ...io,
  ...errorHandling,
  Type: z.literal('Task'),
  Action: z
    .string()
    .regex(/^[A-Za-z0-9]+:[A-Za-z0-9]+$/, { error: 'must be "<Service>:<API>", e.g. FC:InvokeFunction' }),
  TaskMode: z.enum(['RequestComplete', 'WaitForSystemCallback', 'WaitForCustomCallback']).optional(),
  Parameters: template.optional(),
  Timeout: z.union([z.string().regex(/^\d+$/), z.number().int()]).optional(),
  // "Timeout.$: $Input.timeout" is the Task page's own example of an expression timeout.
  'Timeout.$': z.string().min(1).optional(),
  // Not in the Task table, but the global-variables page defines it on Task states ("$Output in
  // GlobalConstructor refers to the raw output of the Task state"):
  // https://www.alibabacloud.com/help/en/serverless-workflow/latest/global-io
  GlobalConstructor: template.optional(),
});

// The Pass table lists only Name, Description, Type, Next, End, InputConstructor, OutputConstructor (no
// GlobalConstructor): https://help.aliyun.com/en/document_detail/2412526.html . The global-io page's prose says
// any state may write $Global at its end, but its notes and example are about a Task's raw $Output; with the
// pages disagreeing, GlobalConstructor is refused outside Task (a flow that passes here must pass CreateFlow).
export const passSchema = z.strictObject({
  ...common,
  ...next,
  ...io,
  Type: z.literal('Pass'),
});

export const waitSchema = z.strictObject({
  ...common,
  ...next,
  ...io,
  Type: z.literal('Wait'),
  Seconds: z.number().optional(),
  'Seconds.$': z.string().optional(),
});

export const choiceSchema = z.strictObject({
  ...common,
  Type: z.literal('Choice'),
  InputConstructor: template.optional(),
  Branches: z
    .array(
      // ChoiceBranch lists Condition and Next only.
      z.strictObject({
        Condition: z.string().min(1),
        Next: z.string().min(1),
      }),
    )
    .min(1),
  Default: z.string().min(1, { error: 'is required' }),
});

export const succeedSchema = z.strictObject({ ...common, ...io, Type: z.literal('Succeed') });

export const failSchema = z.strictObject({
  ...common,
  Type: z.literal('Fail'),
  Code: z.string().optional(),
  Detail: z.string().min(1, { error: 'is required' }),
});

// Parallel branches and Map processors hold nested scopes; their states are checked recursively.
const scope = z.strictObject({ StartAt: z.string().min(1), States: z.array(z.unknown()).min(1) });

export const parallelSchema = z.strictObject({
  ...common,
  ...next,
  ...io,
  ...errorHandling,
  Type: z.literal('Parallel'),
  Branches: z.array(scope).min(1).max(50),
});

export const mapSchema = z.strictObject({
  ...common,
  ...next,
  ...io,
  ...errorHandling,
  Type: z.literal('Map'),
  ItemsPath: z.string().min(1),
  Processor: scope,
  // Spelled as the inline-mode table spells it ("MaxConcuccency int No … 28"); upper limit 40. `MaxConcurrency`
  // is not in that table and is refused with a hint (see check.ts).
  MaxConcuccency: z.number().int().min(1).max(40).optional(),
});

export const STATE_SCHEMAS = {
  Task: taskSchema,
  Pass: passSchema,
  Wait: waitSchema,
  Choice: choiceSchema,
  Succeed: succeedSchema,
  Fail: failSchema,
  Parallel: parallelSchema,
  Map: mapSchema,
} as const;

export type StateType = keyof typeof STATE_SCHEMAS;
export type TaskState = z.output<typeof taskSchema>;
export type PassState = z.output<typeof passSchema>;
export type WaitState = z.output<typeof waitSchema>;
export type ChoiceState = z.output<typeof choiceSchema>;
export type SucceedState = z.output<typeof succeedSchema>;
export type FailState = z.output<typeof failSchema>;
export type ParallelState = Omit<z.output<typeof parallelSchema>, 'Branches'> & { Branches: Scope[] };
export type MapState = Omit<z.output<typeof mapSchema>, 'Processor'> & { Processor: Scope };
export type State =
  | TaskState
  | PassState
  | WaitState
  | ChoiceState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;
export type RetryRule = z.output<typeof retrySchema>;
export type CatchRule = z.output<typeof catchSchema>;

export interface Scope {
  StartAt: string;
  States: State[];
}

export interface FlowDefinition extends Scope {
  Type: 'StateMachine';
  Name: string;
  SpecVersion: 'v1';
  Description?: string;
  /** Execution timeout in seconds (appears in official templates; see assumptions). */
  Timeout?: number;
}

export const topSchema = z.strictObject({
  Type: z.literal('StateMachine', {
    error: 'must be "StateMachine" (the new FDL; the legacy `type: flow` is not supported)',
  }),
  Name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, {
    error: 'must be 1–128 of letters, digits, "_" and "-", starting with a letter or "_"',
  }),
  SpecVersion: z.literal('v1'),
  StartAt: z.string().min(1),
  States: z.array(z.unknown()).min(1),
  Description: z.string().optional(),
  Timeout: z.number().int().min(1).optional(),
});
