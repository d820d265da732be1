/**
 * EventBridge event patterns: each key names an event attribute (`source`, `type`, `subject`, `data.…`) and
 * lists what it may be — exact values, `{prefix}`, `{suffix}`, `{"anything-but": […]}`, `{exists}`;
 * nested maps match nested fields. Every key must match.
 */
export type EventPattern = { [key: string]: unknown[] | EventPattern };

function matchesValue(value: unknown, allowed: unknown[]): boolean {
  return allowed.some((rule) => {
    if (rule !== null && typeof rule === 'object' && !Array.isArray(rule)) {
      const r = rule as Record<string, unknown>;
      if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
      if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
      if ('exists' in r) return (value !== undefined) === Boolean(r.exists);
      if ('anything-but' in r) {
        const excluded = Array.isArray(r['anything-but']) ? r['anything-but'] : [r['anything-but']];
        return value !== undefined && !excluded.includes(value);
      }
      return false;
    }
    return value === rule;
  });
}

export function matchesPattern(event: Record<string, unknown>, pattern: EventPattern): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event[key];
    if (Array.isArray(rule)) return matchesValue(value, rule);
    if (value === null || typeof value !== 'object') return false;
    return matchesPattern(value as Record<string, unknown>, rule);
  });
}

/** Problems of a pattern, for refusing a bad rule when it is configured rather than when an event arrives. */
export function patternProblems(pattern: unknown, path = 'pattern'): string[] {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern))
    return [`${path} must be a map`];
  return Object.entries(pattern).flatMap(([key, rule]) => {
    if (Array.isArray(rule)) return rule.length === 0 ? [`${path}.${key} must list at least one value`] : [];
    return patternProblems(rule, `${path}.${key}`);
  });
}
