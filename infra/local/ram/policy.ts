/**
 * RAM policy documents and their evaluation, as RAM documents them: `Version: "1"`, statements with `Effect`
 * (Allow | Deny), `Action` and `Resource` (a string or a list, `*` and `?` wildcards). An explicit Deny wins;
 * otherwise every resource the request touches must be allowed by some statement (implicit deny).
 * Source: https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements and
 * https://www.alibabacloud.com/help/en/ram/user-guide/policy-evaluation-process
 * `Condition`, `NotAction` and `NotResource` are refused when a policy is loaded: the local cloud cannot judge
 * them faithfully, and mirrorflow's policies do not need them.
 */
import { z } from 'zod';

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const statementSchema = z.strictObject({
  Effect: z.enum(['Allow', 'Deny']),
  Action: oneOrMany,
  Resource: oneOrMany,
});

export const policySchema = z.strictObject({
  Version: z.literal('1'),
  Statement: z.array(statementSchema).min(1),
});

export type PolicyDocument = z.infer<typeof policySchema>;

export interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

export function parsePolicy(document: unknown, where: string): Statement[] {
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(policy)'}: ${i.message}`);
    throw new PolicyError(`${where} is not a RAM policy RAM would accept: ${problems.join('; ')}`);
  }
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  return parsed.data.Statement.map((s) => ({
    effect: s.Effect,
    actions: list(s.Action),
    resources: list(s.Resource),
  }));
}

const patterns = new Map<string, RegExp>();

/** RAM wildcards: `*` any run of characters, `?` one character; everything else literal. */
export function wildcardMatches(pattern: string, value: string): boolean {
  let re = patterns.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    patterns.set(pattern, re);
  }
  return re.test(value);
}

export type Verdict =
  | { allowed: true }
  | { allowed: false; deny: 'ExplicitDeny' | 'ImplicitDeny'; resource: string };

/**
 * Whether `action` on every one of `resources` is allowed. Action names are compared as written (the
 * stricter reading: RAM's docs spell them in one case, and mirrorflow's policies must too).
 */
export function evaluate(statements: Statement[], action: string, resources: string[]): Verdict {
  const applies = (s: Statement, resource: string) =>
    s.actions.some((a) => wildcardMatches(a, action)) &&
    s.resources.some((r) => wildcardMatches(r, resource));
  for (const resource of resources) {
    if (statements.some((s) => s.effect === 'Deny' && applies(s, resource)))
      return { allowed: false, deny: 'ExplicitDeny', resource };
  }
  for (const resource of resources) {
    if (!statements.some((s) => s.effect === 'Allow' && applies(s, resource)))
      return { allowed: false, deny: 'ImplicitDeny', resource };
  }
  return { allowed: true };
}
