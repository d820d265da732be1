/**
 * The `context` FC hands each invocation (FC 3.0 Node.js context): the request id, the temporary keys of the
 * function's role (none when it has no role), the function's settings, region and account.
 * Source: https://alibabacloud.com/help/en/functioncompute/context
 */
import type { ServiceAccess } from '../ram/access.js';
import type { FcFunctionConfig } from './pool.js';

export function invocationContext(config: FcFunctionConfig, requestId: string, access: ServiceAccess) {
  const role = config.roleArn
    ? access.authority.assumeRole(config.roleArn, 'fc.aliyuncs.com', config.name)
    : { accessKeyId: '', accessKeySecret: '', securityToken: '' };
  return {
    requestId,
    credentials: {
      accessKeyId: role.accessKeyId,
      accessKeySecret: role.accessKeySecret,
      securityToken: role.securityToken ?? '',
    },
    function: {
      name: config.name,
      handler: config.handler ?? 'index.handler',
      memory: config.memoryMB ?? 512,
      timeout: config.timeoutSeconds,
    },
    region: access.region,
    accountId: access.authority.accountId,
  };
}
