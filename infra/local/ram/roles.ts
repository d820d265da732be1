/**
 * The roles a deployment uses, read from `infra/ram` exactly as `infra/ram/create-roles.sh` creates them:
 * `roles.json` names each role, its trust policy and its permission policy; the placeholders `${region}`,
 * `${accountId}` and `${eventBus}` in the policy files are filled in the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PolicyError, parsePolicy, type Statement } from './policy.js';

export interface RoleDefinition {
  /** As RAM stores it: role names are case-insensitive, ARNs lower-cased (fc3 lower-cases them too). */
  name: string;
  arn: string;
  /** Services the trust policy lets assume the role (`fc.aliyuncs.com`, `fnf.aliyuncs.com`). */
  trustedServices: string[];
  statements: Statement[];
}

export interface RoleFileValues {
  region: string;
  accountId: string;
  eventBus: string;
  [placeholder: string]: string;
}

const rolesFileSchema = z.object({
  roles: z.array(
    z.object({ role: z.string().min(1), trust: z.string().min(1), policy: z.string().min(1) }).loose(),
  ),
});

const trustSchema = z.object({
  Version: z.literal('1'),
  Statement: z.array(
    z
      .object({
        Effect: z.enum(['Allow', 'Deny']),
        Action: z.union([z.string(), z.array(z.string())]),
        Principal: z.object({ Service: z.union([z.string(), z.array(z.string())]).optional() }).loose(),
      })
      .loose(),
  ),
});

export function roleArn(accountId: string, name: string): string {
  return `acs:ram::${accountId}:role/${name.toLowerCase()}`;
}

/** What create-roles.sh's `fill` does: each `${name}` with a value is replaced. */
export function fillPlaceholders(text: string, values: RoleFileValues): string {
  return text.replace(/\$\{([A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PolicyError(`${path}: ${(error as Error).message}`);
  }
}

function trustedServices(document: unknown, where: string): string[] {
  const parsed = trustSchema.safeParse(document);
  if (!parsed.success) throw new PolicyError(`${where} is not a RAM trust policy`);
  return parsed.data.Statement.filter((s) => {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    return s.Effect === 'Allow' && actions.includes('sts:AssumeRole');
  }).flatMap((s) => {
    const service = s.Principal.Service ?? [];
    return Array.isArray(service) ? service : [service];
  });
}

/** Every role of `dir/roles.json`, with its trust and its filled-in policy. */
export function loadRoles(dir: string, values: RoleFileValues): RoleDefinition[] {
  const file = join(dir, 'roles.json');
  const parsed = rolesFileSchema.safeParse(readJson(file));
  if (!parsed.success) throw new PolicyError(`${file}: every role needs role, trust and policy`);
  return parsed.data.roles.map((entry) => {
    const policyPath = join(dir, entry.policy);
    const policyText = fillPlaceholders(readFileSync(policyPath, 'utf8'), values);
    let policy: unknown;
    try {
      policy = JSON.parse(policyText);
    } catch (error) {
      throw new PolicyError(`${policyPath}: ${(error as Error).message}`);
    }
    return {
      name: entry.role.toLowerCase(),
      arn: roleArn(values.accountId, entry.role),
      trustedServices: trustedServices(readJson(join(dir, entry.trust)), join(dir, entry.trust)),
      statements: parsePolicy(policy, policyPath),
    };
  });
}
