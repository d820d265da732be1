/**
 * The local cloud's credentials. They are local-only values, printed by `mirrorflow up --json` and
 * `mirrorflow emulator vpc --json`, and accepted by every piece: a plain AccessKey pair, and an STS-style
 * pair with a SecurityToken (what FC hands a function role).
 */
import type { RpcCredential } from './rpc/server.js';

export interface LocalCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export const LOCAL_ACCESS_KEY: LocalCredentials = {
  accessKeyId: 'LTAI5tMirrorflowLocal',
  accessKeySecret: 'mirrorflow-local-secret',
};

export const LOCAL_STS: LocalCredentials = {
  accessKeyId: 'STS.MirrorflowLocalRole',
  accessKeySecret: 'mirrorflow-local-sts-secret',
  securityToken: 'mirrorflow-local-sts-token',
};

/**
 * The temporary keys of one function's role, as FC hands them to that function (one role per function, as
 * deployed), so the local cloud's call logs show which function did what.
 */
export function functionRoleCredentials(functionName: string): LocalCredentials {
  return {
    accessKeyId: `STS.mirrorflow-${functionName}`,
    accessKeySecret: `mirrorflow-local-${functionName}-secret`,
    securityToken: `mirrorflow-local-${functionName}-token`,
  };
}

const FUNCTION_ROLE_KEY = /^STS\.mirrorflow-([a-z][a-z0-9-]*)$/;

export function localCredentialStore(
  extra: LocalCredentials[] = [],
): (accessKeyId: string) => RpcCredential | undefined {
  const all = [LOCAL_ACCESS_KEY, LOCAL_STS, ...extra];
  return (accessKeyId) => {
    const role = FUNCTION_ROLE_KEY.exec(accessKeyId);
    const found = role ? functionRoleCredentials(role[1]!) : all.find((c) => c.accessKeyId === accessKeyId);
    if (!found) return undefined;
    return found.securityToken === undefined
      ? { accessKeySecret: found.accessKeySecret }
      : { accessKeySecret: found.accessKeySecret, securityToken: found.securityToken };
  };
}
