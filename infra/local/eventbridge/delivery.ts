/**
 * How the local EventBridge hands an event to a rule's target: a function target is an FC invocation made
 * with EventBridge's service-linked role (AliyunServiceRoleForEventBridgeSendToFC), an http(s) target a POST
 * to a loopback URL; queue and API-destination targets have no local service behind them and are recorded.
 */
import type { LocalCredentials } from '../credentials.js';
import { createFcInvoker } from '../flow/integrations/fc.js';
import type { DeliverFn, StoredEvent } from './bus.js';
import { paramValue, renderParam, type Target } from './targets.js';

const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export interface RecordedDelivery {
  rule: string;
  target: string;
  type: string;
  endpoint: string;
  body: unknown;
}

export interface DeliveryOptions {
  fcEndpoint: string;
  accountId: string;
  region: string;
  /** EventBridge's own credentials for invoking functions. */
  credentials: LocalCredentials;
  recorded?: RecordedDelivery[];
}

export function createDelivery(options: DeliveryOptions): DeliverFn {
  const invoke = createFcInvoker({
    endpoint: options.fcEndpoint,
    accountId: options.accountId,
    region: options.region,
    credentials: options.credentials,
  });
  const recorded = options.recorded ?? [];
  return async (target: Target, event: StoredEvent, rule) => {
    const body = renderParam(target, 'Body', event as Record<string, unknown>);
    if (target.Type === 'acs.fc.function') {
      const functionName = paramValue(target, 'functionName') ?? '';
      await invoke({
        resourceArn: `acs:fc:${options.region}:${options.accountId}:functions/${functionName}`,
        invocationType: paramValue(target, 'InvocationType') === 'Sync' ? 'Sync' : 'Async',
        body,
      });
      return;
    }
    const url = paramValue(target, 'url') ?? target.Endpoint;
    // The local cloud never sends events off this machine: only loopback http(s) targets are called.
    if ((target.Type === 'http' || target.Type === 'https') && LOOPBACK_URL.test(url)) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`the target answered ${response.status}`);
      return;
    }
    recorded.push({ rule: rule.name, target: target.Id, type: target.Type, endpoint: target.Endpoint, body });
  };
}
