/** Props problems in the words `s` uses with `validation: true` (ajv over the component's schema). */
import type { z } from 'zod';

/**
 * Messages in the form `s` prints with `validation: true` (ajv errorsText over fc3's schema: engine
 * src/index.ts), e.g. "check-status/props must have required property 'handler'".
 */
export function issueLine(
  resource: string,
  issue: z.core.$ZodIssue,
  props: Record<string, unknown>,
  what: string,
): string {
  const at = [resource, 'props', ...issue.path.map(String)].join('/');
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => `${at}/${k} is not ${what} (a deploy would silently drop it)`).join('\n');
  if (issue.code === 'invalid_type' && lookupPath(props, issue.path) === undefined) {
    const parent = [resource, 'props', ...issue.path.slice(0, -1).map(String)].join('/');
    return `${parent} must have required property '${String(issue.path.at(-1))}'`;
  }
  return `${at} ${issue.message}`;
}

function lookupPath(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}
