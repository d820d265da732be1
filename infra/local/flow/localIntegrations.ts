/** The Task integrations against local services, as the flow's execution role: FC through @alicloud/fc2, PutEvents signed. */
import type { LocalCredentials } from '../credentials.js';
import type { Integrations } from './execution.js';
import { createEventPutter } from './integrations/eventbridge.js';
import { createFcInvoker } from './integrations/fc.js';

export interface LocalIntegrationOptions {
  fcEndpoint: string;
  busUrl: string;
  accountId: string;
  region: string;
  /** The flow's execution role. */
  credentials: LocalCredentials;
}

export function localIntegrations(options: LocalIntegrationOptions): Integrations {
  return {
    invokeFunction: createFcInvoker({
      endpoint: options.fcEndpoint,
      accountId: options.accountId,
      region: options.region,
      credentials: options.credentials,
    }),
    putEvents: createEventPutter(options.busUrl, options.credentials, options.region),
  };
}
