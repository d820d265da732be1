/**
 * The local cloud's fixed credentials: the account's own AccessKey (printed by `mirrorflow up --json`; RAM
 * allows it everything) and the local operator's STS key (a full-access session for driving one service by
 * hand). Functions and flows never use these: they get temporary keys of their roles from the local RAM
 * (`infra/local/ram/authority.ts`).
 */

export interface LocalCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export const LOCAL_ACCESS_KEY: LocalCredentials = {
  accessKeyId: 'local-mirrorflow-account-key',
  accessKeySecret: 'mirrorflow-local-secret',
};

export const LOCAL_STS: LocalCredentials = {
  accessKeyId: 'STS.MirrorflowLocalRole',
  accessKeySecret: 'mirrorflow-local-sts-secret',
  securityToken: 'mirrorflow-local-sts-token',
};
