/**
 * Rule targets in the documented shapes ("Event target parameters",
 * https://alibabacloud.com/help/en/eventbridge/user-guide/event-target-parameters; field names from
 * aliyun/alibabacloud-typescript-sdk eventbridge-20200401 CreateRuleRequestEventTargets): each type's Endpoint
 * form and the ParamList keys it requires. A target the docs would not accept is refused when the rule is created.
 */
import { z } from 'zod';

const param = z.strictObject({
  ResourceKey: z.string().min(1),
  Form: z.enum(['ORIGINAL', 'TEMPLATE', 'JSONPATH', 'CONSTANT']),
  Value: z.string().optional(),
  Template: z.string().optional(),
});

export const targetSchema = z.strictObject({
  Id: z.string().min(1),
  Type: z.enum(['acs.fc.function', 'http', 'https', 'acs.api.destination', 'acs.mns.queue']),
  Endpoint: z.string().min(1),
  PushRetryStrategy: z.enum(['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY']).optional(),
  ErrorsTolerance: z.enum(['ALL', 'NONE']).optional(),
  DeadLetterQueue: z.strictObject({ Arn: z.string().min(1) }).optional(),
  ConcurrentConfig: z.unknown().optional(),
  ParamList: z.array(param).default([]),
});

export type Target = z.output<typeof targetSchema>;

interface TargetRule {
  endpoint: RegExp;
  endpointForm: string;
  required: string[];
}

const TARGET_RULES: Record<Target['Type'], TargetRule> = {
  'acs.fc.function': {
    endpoint: /^acs:fc:[a-z0-9-]+:\d+:services\/[^/.]+\.[^/]+\/functions\/[^/]+$/,
    endpointForm: 'acs:fc:<region>:<account>:services/<serviceName>.<Qualifier>/functions/<functionName>',
    required: ['serviceName', 'functionName', 'Qualifier', 'InvocationType', 'DataFormat', 'Body'],
  },
  http: {
    endpoint: /^http:\/\/.+/,
    endpointForm: 'http://<host>/<path>',
    required: ['url', 'Body', 'Network'],
  },
  https: {
    endpoint: /^https:\/\/.+/,
    endpointForm: 'https://<host>/<path>',
    required: ['url', 'Body', 'Network'],
  },
  'acs.api.destination': {
    endpoint: /^acs:api-destination:[a-z0-9-]+:\d+:name\/.+$/,
    endpointForm: 'acs:api-destination:<region>:<account>:name/<api destination>',
    required: ['Name'],
  },
  'acs.mns.queue': {
    endpoint: /^acs:mns:[a-z0-9-]+:\d+:queues\/[^/]+$/,
    endpointForm: 'acs:mns:<region>:<account>:queues/<queue>',
    required: ['queue', 'Body'],
  },
};

export function targetProblems(target: Target, index: number): string[] {
  const rule = TARGET_RULES[target.Type];
  const at = `EventTargets[${index}]`;
  const problems: string[] = [];
  if (!rule.endpoint.test(target.Endpoint))
    problems.push(`${at}.Endpoint must be ${rule.endpointForm} for type ${target.Type}`);
  const keys = new Set(target.ParamList.map((p) => p.ResourceKey));
  for (const key of rule.required)
    if (!keys.has(key)) problems.push(`${at}.ParamList needs ResourceKey ${key} for type ${target.Type}`);
  target.ParamList.forEach((p, i) => {
    if (p.Form !== 'ORIGINAL' && p.Value === undefined)
      problems.push(`${at}.ParamList[${i}] (${p.ResourceKey}, ${p.Form}) needs a Value`);
    if (p.Form === 'TEMPLATE' && p.Template === undefined)
      problems.push(`${at}.ParamList[${i}] (${p.ResourceKey}) is a TEMPLATE and needs a Template`);
  });
  return problems;
}

export function paramValue(target: Target, key: string): string | undefined {
  return target.ParamList.find((p) => p.ResourceKey === key)?.Value;
}

/** The value a parameter gives for one event: the whole event, a JSONPath into it, a constant or a template. */
export function renderParam(target: Target, key: string, event: Record<string, unknown>): unknown {
  const p = target.ParamList.find((x) => x.ResourceKey === key);
  if (!p || p.Form === 'ORIGINAL') return event;
  if (p.Form === 'CONSTANT') return p.Value;
  if (p.Form === 'JSONPATH') return jsonPath(event, p.Value ?? '$');
  const vars = JSON.parse(p.Value ?? '{}') as Record<string, string>;
  return (p.Template ?? '').replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const v = vars[name] === undefined ? undefined : jsonPath(event, vars[name]!);
    return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** The `$.a.b` JSONPath subset EventBridge's examples use. */
function jsonPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  let current = event;
  for (const step of path.replace(/^\$\.?/, '').split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}
