/**
 * The `flow` component's props (devsapp/fnf src/impl/flow.ts, src/impl/base.ts): it reads name, region,
 * description, definition, roleArn, executionMode and type, and refuses regions outside its list.
 */
import { z } from 'zod';
import { issueLine } from './propsErrors.js';
import { SpecError } from './variables.js';

/** devsapp/fnf src/impl/base.ts: the component throws for any other region (audit S23). */
export const FLOW_COMPONENT_REGIONS = [
  'cn-beijing',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-qingdao',
  'cn-shenzhen',
  'ap-southeast-1',
  'us-west-1',
  'cn-heyuan-acdr-1',
] as const;

const flowProps = z.strictObject({
  name: z.string().min(1),
  region: z.string({ error: 'region is required' }).min(1, 'region is required'),
  description: z.string().optional(),
  // A path (the component reads the file) or the definition itself (the component JSON-stringifies it).
  definition: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  roleArn: z
    .string()
    .regex(/^acs:ram::\d+:role\/.+$/, 'a role ARN acs:ram::<account>:role/<name>')
    .optional(),
  endpoint: z.string().optional(),
  executionMode: z.enum(['Standard', 'Express']).default('Standard'),
  type: z.literal('FDL').default('FDL'),
});

export type FlowProps = z.output<typeof flowProps>;

export function parseFlowProps(resource: string, props: Record<string, unknown>): FlowProps {
  const parsed = flowProps.safeParse(props);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => issueLine(resource, i, props, 'a flow prop'));
    throw new SpecError(`flow props validation error: ${lines.join('\n')}`);
  }
  if (!(FLOW_COMPONENT_REGIONS as readonly string[]).includes(parsed.data.region)) {
    // The component's own words (src/impl/base.ts).
    throw new SpecError(`[${resource}] region is must be in ${JSON.stringify(FLOW_COMPONENT_REGIONS)}`);
  }
  return parsed.data;
}
