/**
 * The local overlay: everything the local cloud adds to what a user deploys, in one place. s.yaml,
 * infra/ram and infra/eventbridge say what runs; this says only what those files cannot — where the local
 * endpoints are, the account and credentials of the local cloud, the local webhook secret and the
 * desired-state file (both passed the way a user passes them to `s deploy`: as environment variables the
 * s.yaml reads), and that functions see the local cloud's clock.
 */
import { resolve } from 'node:path';
import { LOCAL_ACCESS_KEY } from './credentials.js';

export const LOCAL_ACCOUNT_ID = '1234567890123456';

export interface OverlayInput {
  region: string;
  webhookSecret: string;
  desiredState?: string;
  /** More of the environment `s` would render s.yaml with (e.g. the user's shell for `mirrorflow up`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What `s deploy` would see: the environment and `s config` of the machine running it. */
export function renderInputs(input: OverlayInput) {
  return {
    env: {
      ...input.env,
      MIRRORFLOW_REGION: input.region,
      MIRRORFLOW_WEBHOOK_SECRET: input.webhookSecret,
      ...(input.desiredState ? { MIRRORFLOW_DESIRED_STATE: resolve(input.desiredState) } : {}),
    },
    config: { AccountID: LOCAL_ACCOUNT_ID, AccessKeyID: LOCAL_ACCESS_KEY.accessKeyId },
  };
}

/** Environment each function gets on top of s.yaml's: the local endpoints and the local clock. */
export function functionOverlay(
  endpoints: { vpc: string; fnf: string },
  localTime?: string,
): Record<string, string> {
  return {
    MIRRORFLOW_VPC_ENDPOINT: endpoints.vpc,
    MIRRORFLOW_FNF_ENDPOINT: endpoints.fnf,
    ...(localTime ? { MIRRORFLOW_LOCAL_TIME: localTime } : {}),
  };
}
