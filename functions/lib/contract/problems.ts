/** Turning schema failures into problems a person can act on: the field path and the rule, in plain words. */
import type { $ZodError } from 'zod/v4/core';

export interface Problem {
  /** Where the problem is, e.g. `Tag[2].Key`; `(request)` for the whole document. */
  path: string;
  /** The rule that was broken, in plain words. */
  rule: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(request)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function problemsFromZod(error: $ZodError, input: unknown): Problem[] {
  const problems: Problem[] = [];
  // A value of the wrong type gets that one problem; rules about its length or shape would only mislead.
  const wrongType = new Set(
    error.issues.filter((i) => i.code === 'invalid_type').map((i) => formatPath(i.path)),
  );
  for (const issue of error.issues) {
    if (issue.code !== 'invalid_type' && wrongType.has(formatPath(issue.path))) continue;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatPath([...issue.path, key]), rule: 'is not a known field' });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && value === undefined) {
      problems.push({ path: formatPath(issue.path), rule: 'is required' });
      continue;
    }
    let rule = issue.message;
    if (issue.code === 'invalid_type' && rule.startsWith('Invalid input')) {
      rule = `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`} (got ${describeType(value)})`;
    }
    problems.push({ path: formatPath(issue.path), rule });
  }
  return problems;
}
