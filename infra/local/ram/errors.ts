/**
 * What a RAM denial looks like on the wire, per service. Each shape follows the service's documentation;
 * see the source next to each.
 */
import { RpcError } from '../rpc/errors.js';
import { type Denial, principalDisplay } from './authority.js';

/** Why RAM said no, in the form of the `AccessDeniedDetail` RPC APIs add to a denial. */
export function accessDeniedDetail(denial: Denial, accountId: string) {
  const principal = principalDisplay(denial.principal);
  return {
    AuthAction: denial.action,
    AuthPrincipalType: principal.type,
    AuthPrincipalOwnerId: accountId,
    AuthPrincipalDisplayName: principal.displayName,
    NoPermissionType: denial.noPermissionType,
    PolicyType: denial.noPermissionType === 'ExplicitDeny' ? 'AccountLevelIdentityBasedPolicy' : '',
    EncodedDiagnosticMessage: Buffer.from(JSON.stringify({ resource: denial.resource })).toString('base64'),
  };
}

export function rpcDenied(denial: Denial, accountId: string): RpcError {
  return new RpcError(
    'Forbidden.RAM',
    `User not authorized to operate on the specified resource, or this API doesn't support RAM. (${denial.action} on ${denial.resource})`,
    403,
    { AccessDeniedDetail: accessDeniedDetail(denial, accountId) },
  );
}
