/**
 * How each local API asks RAM: the RPC services (VPC, CloudFlow) through the RPC core's `authorize` hook,
 * FC and EventBridge through `check`. A standalone service without a deployment (e.g. `mirrorflow emulator
 * vpc`) gets an authority with no roles: the account's key and the local operator's STS key only.
 */
import type { RpcCall } from '../rpc/server.js';
import { type Denial, RamAuthority } from './authority.js';
import { rpcDenied } from './errors.js';

export interface ServiceAccess {
  authority: RamAuthority;
  /** The service's region, used where the request does not name one. */
  region: string;
}

export function standaloneAccess(accountId: string, region: string): ServiceAccess {
  return { authority: new RamAuthority(accountId), region };
}

/** The RPC core's hook for a product whose RAM actions are `<prefix>:<Action>` (`vpc`, `fnf`). */
export function rpcAuthorizer(access: ServiceAccess, prefix: string): (call: RpcCall) => void {
  return (call) => {
    const denial = access.authority.authorize(call.accessKeyId, `${prefix}:${call.action}`, {
      region: access.region,
      accountId: access.authority.accountId,
      params: call.params,
    });
    if (denial) throw rpcDenied(denial, access.authority.accountId);
    // Tags set on create: whether RAM also checks the tagging action is not documented (audit R5); the
    // local cloud takes the stricter reading, so a policy that works here works either way.
    if (prefix === 'vpc' && call.action === 'CreateTrafficMirrorSession' && call.params['Tag.1.Key']) {
      const tagging = access.authority.authorize(call.accessKeyId, 'vpc:TagResources', {
        region: access.region,
        accountId: access.authority.accountId,
        params: call.params,
      });
      if (tagging) throw rpcDenied(tagging, access.authority.accountId);
    }
  };
}

export function check(
  access: ServiceAccess,
  accessKeyId: string,
  action: string,
  params: Record<string, string | undefined>,
): Denial | undefined {
  return access.authority.authorize(accessKeyId, action, {
    region: access.region,
    accountId: access.authority.accountId,
    params,
  });
}
