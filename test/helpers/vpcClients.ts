/**
 * The two real clients of the VPC API, pointed at a local emulator: `@alicloud/pop-core` (signature V1, what
 * mirrorflow uses) and the generated SDK `@alicloud/vpc20160428` (signature V3). Both take requests in the
 * API's own spelling here, so one scenario table drives both.
 */
import * as $OpenApi from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import VpcModule, * as $Vpc from '@alicloud/vpc20160428';
import { toWireParams, type WireValue } from '../../functions/lib/cloud/wireParams.js';
import { LOCAL_ACCESS_KEY, type LocalCredentials } from '../../infra/local/credentials.js';

export type ApiRequest = Record<string, WireValue>;
export interface VpcCaller {
  name: 'pop-core (V1)' | 'vpc20160428 (V3)';
  call(action: string, request: ApiRequest): Promise<Record<string, unknown>>;
}

export function popCoreCaller(endpoint: string, credentials: LocalCredentials = LOCAL_ACCESS_KEY): VpcCaller {
  const client = new RPCClient({
    endpoint,
    apiVersion: '2016-04-28',
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
  });
  return {
    name: 'pop-core (V1)',
    call: (action, request) =>
      client.request(action, toWireParams(request), { method: 'POST', formatParams: false }),
  };
}

const camel = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Converts API spelling (`Tag: [{Key, Value}]`) to the SDK's model fields (`tag: [{key, value}]`). */
function toSdkFields(request: ApiRequest): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(request).map(([k, v]) => [
      camel(k),
      Array.isArray(v)
        ? v.map((item) =>
            item !== null && typeof item === 'object'
              ? Object.fromEntries(Object.entries(item).map(([ik, iv]) => [camel(ik), iv]))
              : item,
          )
        : v,
    ]),
  );
}

export function sdkV3Caller(endpoint: string, credentials: LocalCredentials = LOCAL_ACCESS_KEY): VpcCaller {
  const Client = ((VpcModule as unknown as { default?: unknown }).default ?? VpcModule) as new (
    config: unknown,
  ) => Record<string, (request: unknown) => Promise<{ body: Record<string, unknown> }>>;
  const url = new URL(endpoint);
  const client = new Client(
    new $OpenApi.$OpenApiUtil.Config({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      endpoint: url.host,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
  const models = $Vpc as unknown as Record<string, new (fields: Record<string, unknown>) => unknown>;
  return {
    name: 'vpc20160428 (V3)',
    async call(action, request) {
      const Request = models[`${action}Request`]!;
      const method = camel(action);
      const response = await client[method]!.call(client, new Request(toSdkFields(request)));
      return response.body;
    },
  };
}

/** The error code a call ends with, or 'OK'. */
export async function outcome(caller: VpcCaller, action: string, request: ApiRequest): Promise<string> {
  try {
    await caller.call(action, request);
    return 'OK';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}

/** A Create request the demo inventory accepts: web01 mirrored to the IDS sensor's ENI. */
export const DEMO_CREATE_REQUEST: ApiRequest = {
  RegionId: 'cn-hangzhou',
  TrafficMirrorSourceIds: ['eni-bp1web01'],
  TrafficMirrorTargetId: 'eni-bp1ids01',
  TrafficMirrorTargetType: 'NetworkInterface',
  TrafficMirrorFilterId: 'tmf-bp1all01',
  Priority: 10,
};
