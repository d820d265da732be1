/**
 * Who is calling, and may they: the local cloud's RAM. It knows the account's own AccessKey (the account
 * owner, allowed everything), issues temporary credentials when a service assumes a role for a function or a
 * flow (as FC and CloudFlow do through STS), and evaluates the role's policy for every call any local API
 * receives. Every local API asks it; none decides on its own.
 */
import { randomBytes } from 'node:crypto';
import { LOCAL_ACCESS_KEY, LOCAL_STS, type LocalCredentials } from '../credentials.js';
import { evaluate, type Statement } from './policy.js';
import { authorizationRequest, isKnownAction, type ResourceContext } from './resources.js';
import type { RoleDefinition } from './roles.js';

export type Principal =
  | { type: 'Account'; accountId: string }
  | { type: 'AssumedRoleUser'; role: RoleDefinition; sessionName: string };

export interface Denial {
  action: string;
  resource: string;
  principal: Principal;
  noPermissionType: 'ImplicitDeny' | 'ExplicitDeny';
}

export class AssumeRoleError extends Error {
  override readonly name = 'AssumeRoleError';
  constructor(
    readonly code: 'EntityNotExist.Role' | 'NoPermission',
    message: string,
  ) {
    super(message);
  }
}

interface Issued {
  credentials: LocalCredentials;
  principal: Principal;
}

/** The role behind LOCAL_STS: an operator's session with full access, for driving a single emulator by hand. */
const LOCAL_OPERATOR: RoleDefinition = {
  name: 'mirrorflow-local-operator',
  arn: 'acs:ram::local:role/mirrorflow-local-operator',
  trustedServices: [],
  statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] } satisfies Statement],
};

export interface Decision {
  /** The role (lower-case name) of the caller, or `account` for the account's own key. */
  principal: string;
  action: string;
  allowed: boolean;
}

const DECISION_LOG_LIMIT = 20_000;

export class RamAuthority {
  /** Every authorisation RAM decided, newest last (bounded): what each role really did. */
  readonly decisions: Decision[] = [];
  private readonly roles = new Map<string, RoleDefinition>();
  private readonly issued = new Map<string, Issued>();
  private readonly sessions = new Map<string, LocalCredentials>();

  constructor(
    readonly accountId: string,
    roles: RoleDefinition[] = [],
  ) {
    for (const role of roles) this.roles.set(role.arn, role);
    this.issued.set(LOCAL_STS.accessKeyId, {
      credentials: LOCAL_STS,
      principal: { type: 'AssumedRoleUser', role: LOCAL_OPERATOR, sessionName: 'local' },
    });
  }

  role(arn: string): RoleDefinition | undefined {
    return this.roles.get(arn.toLowerCase());
  }

  /**
   * What a service gets from STS AssumeRole for `roleArn`: the same temporary keys for the same role and
   * session while the local cloud runs (FC, too, hands a function cached keys that are valid for hours).
   */
  assumeRole(roleArn: string, service: string, sessionName: string): LocalCredentials {
    const role = this.role(roleArn);
    if (!role) throw new AssumeRoleError('EntityNotExist.Role', `The role not exists: ${roleArn}.`);
    if (!role.trustedServices.includes(service)) {
      throw new AssumeRoleError(
        'NoPermission',
        `You are not authorized to do this action. The trust policy of ${roleArn} does not let ${service} assume it.`,
      );
    }
    const key = `${role.arn}\u0000${sessionName}`;
    const existing = this.sessions.get(key);
    if (existing) return existing;
    const credentials: LocalCredentials = {
      accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: randomBytes(32).toString('base64url'),
    };
    this.sessions.set(key, credentials);
    this.issued.set(credentials.accessKeyId, {
      credentials,
      principal: { type: 'AssumedRoleUser', role, sessionName },
    });
    return credentials;
  }

  /** The secret (and token) the caller must have signed with, or undefined for an unknown key. */
  credentials(accessKeyId: string): { accessKeySecret: string; securityToken?: string } | undefined {
    const found =
      accessKeyId === LOCAL_ACCESS_KEY.accessKeyId
        ? LOCAL_ACCESS_KEY
        : this.issued.get(accessKeyId)?.credentials;
    if (!found) return undefined;
    return found.securityToken === undefined
      ? { accessKeySecret: found.accessKeySecret }
      : { accessKeySecret: found.accessKeySecret, securityToken: found.securityToken };
  }

  principal(accessKeyId: string): Principal | undefined {
    if (accessKeyId === LOCAL_ACCESS_KEY.accessKeyId) return { type: 'Account', accountId: this.accountId };
    return this.issued.get(accessKeyId)?.principal;
  }

  /** Undefined when allowed; else why not. The caller must already be authenticated. */
  authorize(accessKeyId: string, action: string, context: ResourceContext): Denial | undefined {
    const principal = this.principal(accessKeyId);
    if (!principal) throw new Error(`authorize: ${accessKeyId} was not authenticated`);
    const denial = this.decide(principal, action, context);
    this.decisions.push({
      principal: principal.type === 'Account' ? 'account' : principal.role.name,
      action,
      allowed: denial === undefined,
    });
    if (this.decisions.length > DECISION_LOG_LIMIT)
      this.decisions.splice(0, this.decisions.length - DECISION_LOG_LIMIT);
    return denial;
  }

  private decide(principal: Principal, action: string, context: ResourceContext): Denial | undefined {
    if (principal.type === 'Account') return undefined;
    const request = authorizationRequest(action, context);
    if (!isKnownAction(action) && principal.role !== LOCAL_OPERATOR) {
      return { action, resource: '*', principal, noPermissionType: 'ImplicitDeny' };
    }
    const verdict = evaluate(
      principal.role.statements,
      action,
      request.resources.length ? request.resources : ['*'],
    );
    return verdict.allowed
      ? undefined
      : { action, resource: verdict.resource, principal, noPermissionType: verdict.deny };
  }
}

/** Display form of a principal, as RAM's AccessDeniedDetail shows it. */
export function principalDisplay(principal: Principal): { type: string; displayName: string } {
  return principal.type === 'Account'
    ? { type: 'Account', displayName: principal.accountId }
    : { type: 'AssumedRoleUser', displayName: `${principal.role.name}:${principal.sessionName}` };
}
