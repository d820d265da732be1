/**
 * EventBridge's control plane, RPC version 2020-04-01 (aliyun/alibabacloud-typescript-sdk eventbridge-20200401):
 * CreateEventBus, DeleteEventBus, ListEventBuses, CreateRule, DeleteRule, ListRules — signed and RAM-checked
 * through the RPC core like every local API.
 */
import { rpcAuthorizer, type ServiceAccess } from '../ram/access.js';
import { createRpcEndpoint, type RpcAction } from '../rpc/server.js';
import type { EventBridgeModel } from './model.js';

export const EVENTBRIDGE_VERSION = '2020-04-01';

export function controlPlane(model: EventBridgeModel, access: ServiceAccess) {
  const actions: Record<string, RpcAction> = {
    CreateEventBus: ({ params }) => ({ Data: model.createEventBus(params), Success: true }),
    DeleteEventBus: ({ params }) => {
      model.deleteEventBus(params);
      return { Success: true };
    },
    ListEventBuses: () => ({
      Data: { EventBuses: model.busNames().map((n) => ({ EventBusName: n })) },
      Success: true,
    }),
    CreateRule: ({ params }) => ({ Data: { RuleARN: model.createRule(params).name }, Success: true }),
    DeleteRule: ({ params }) => {
      model.deleteRule(params);
      return { Success: true };
    },
    ListRules: ({ params }) => ({
      Data: {
        Rules: model.rules(params.EventBusName).map((r) => ({
          EventBusName: r.bus,
          RuleName: r.name,
          FilterPattern: r.filterPattern,
          Status: r.status,
          Targets: r.targets,
        })),
      },
      Success: true,
    }),
  };
  return createRpcEndpoint(
    { product: 'eventbridge', version: EVENTBRIDGE_VERSION, hostId: 'eventbridge.aliyuncs.com', actions },
    {
      credentials: (id) => access.authority.credentials(id),
      authorize: rpcAuthorizer(access, 'eventbridge'),
    },
  );
}
