/**
 * The VPC traffic-mirror API as mirrorflow uses it: create, list (one page, or every page as an async
 * iterator) and delete sessions, over `@alicloud/pop-core`. Responses are checked against the shapes of the
 * API pages; a body that does not fit is an `InvalidResponse` (retryable), never a silent `undefined`.
 */
import * as z from 'zod/mini';
import type { CreateTag } from '../contract/request.js';
import { CloudApiError } from './cloudError.js';
import type { Credentials } from './credentials.js';
import { createRpcCaller, type RpcCaller } from './rpcCaller.js';
import type { WireValue } from './wireParams.js';

export const VPC_API_VERSION = '2016-04-28';

/** Public endpoint of a region (`vpc.<region>.aliyuncs.com`), unless an override (the local cloud) is given. */
export function vpcEndpoint(regionId: string, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  return `https://vpc.${regionId}.aliyuncs.com`;
}

export interface CreateSessionParams {
  RegionId: string;
  TrafficMirrorSourceIds: readonly string[];
  TrafficMirrorTargetId: string;
  TrafficMirrorTargetType: 'NetworkInterface' | 'SLB';
  TrafficMirrorFilterId: string;
  Priority: number;
  VirtualNetworkId?: number;
  PacketLength?: number;
  Enabled?: boolean;
  TrafficMirrorSessionName?: string;
  TrafficMirrorSessionDescription?: string;
  ResourceGroupId?: string;
  Tag?: readonly CreateTag[];
  DryRun?: boolean;
  ClientToken?: string;
}

export interface DeleteSessionParams {
  RegionId: string;
  TrafficMirrorSessionId: string;
  ClientToken?: string;
  DryRun?: boolean;
}

/**
 * A response schema, built when its action first answers: a function loads without building the schemas of
 * actions it never calls (dead-letter calls none), which keeps its cold start short.
 */
function builtOnFirstUse<S>(build: () => S): () => S {
  let schema: S | undefined;
  return () => {
    schema ??= build();
    return schema;
  };
}

const int = () => z.pipe(z.coerce.number(), z.int());
const bool = () =>
  z.union([
    z.boolean(),
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((s: 'true' | 'false') => s === 'true'),
    ),
  ]);

const sessionRecordSchema = () =>
  z.object({
    TrafficMirrorSessionId: z.string(),
    TrafficMirrorSessionName: z.optional(z.string()),
    TrafficMirrorSessionDescription: z.optional(z.string()),
    TrafficMirrorSessionStatus: z.string(),
    TrafficMirrorSessionBusinessStatus: z.optional(z.string()),
    Enabled: bool(),
    Priority: int(),
    VirtualNetworkId: z.optional(int()),
    PacketLength: z.optional(int()),
    TrafficMirrorFilterId: z.string(),
    TrafficMirrorSourceIds: z.array(z.string()),
    TrafficMirrorTargetId: z.string(),
    TrafficMirrorTargetType: z.string(),
    ResourceGroupId: z.optional(z.string()),
    Tags: z._default(z.array(z.object({ Key: z.string(), Value: z._default(z.string(), '') })), []),
    CreationTime: z.optional(z.string()),
  });
export type TrafficMirrorSession = z.output<ReturnType<typeof sessionRecordSchema>>;

const listResponseSchema = builtOnFirstUse(() =>
  z.object({
    RequestId: z.string(),
    NextToken: z.optional(z.string()),
    TotalCount: z.optional(int()),
    TrafficMirrorSessions: z._default(z.array(sessionRecordSchema()), []),
  }),
);
export type SessionPage = z.output<ReturnType<typeof listResponseSchema>>;

const createResponseSchema = builtOnFirstUse(() =>
  z.object({
    RequestId: z.string(),
    TrafficMirrorSessionId: z.string().check(z.minLength(1)),
    ResourceGroupId: z.optional(z.string()),
  }),
);
export type CreateSessionResult = z.output<ReturnType<typeof createResponseSchema>>;

/** The answer of a Delete and of each change in place: only a RequestId. */
const requestIdOnlySchema = builtOnFirstUse(() => z.object({ RequestId: z.string() }));

/** The calls that change a session in place (their API pages): each answers only a RequestId. */
export type SessionChangeAction =
  | 'UpdateTrafficMirrorSessionAttribute'
  | 'AddSourcesToTrafficMirrorSession'
  | 'RemoveSourcesFromTrafficMirrorSession';

export interface SessionChangeParams {
  RegionId: string;
  TrafficMirrorSessionId: string;
  ClientToken: string;
  [parameter: string]: WireValue | undefined;
}

/** ListTrafficMirrorSessions filters, as its API page spells them (the cloud checks their limits). */
export interface ListFilters {
  RegionId: string;
  MaxResults?: number;
  NextToken?: string;
  TrafficMirrorSessionIds?: string[];
  TrafficMirrorSessionName?: string;
  TrafficMirrorSourceId?: string;
  TrafficMirrorTargetId?: string;
  TrafficMirrorFilterId?: string;
  VirtualNetworkId?: number;
  Priority?: number;
  Enabled?: boolean;
  ResourceGroupId?: string;
  Tags?: { Key: string; Value?: string }[];
}

/** The operations mirrorflow needs; the core takes this interface, so tests can point it anywhere. */
export interface VpcApi {
  createTrafficMirrorSession(params: CreateSessionParams): Promise<CreateSessionResult>;
  listTrafficMirrorSessions(filters: ListFilters): Promise<SessionPage>;
  deleteTrafficMirrorSession(params: DeleteSessionParams): Promise<{ RequestId: string }>;
  changeTrafficMirrorSession(
    action: SessionChangeAction,
    params: SessionChangeParams,
  ): Promise<{ RequestId: string }>;
}

export interface VpcClientOptions {
  regionId: string;
  credentials: Credentials;
  /** Overrides the regional endpoint, e.g. the local cloud's `http://127.0.0.1:PORT`. */
  endpoint?: string;
  timeoutMs?: number;
}

function parsed<T>(schema: z.ZodMiniType<T>, body: unknown, action: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw new CloudApiError({
    code: 'InvalidResponse',
    message: `unexpected ${action} response: ${first ? `${first.path.join('.') || 'body'} ${first.message}` : 'shape'}`,
    action,
    requestId:
      typeof (body as { RequestId?: unknown })?.RequestId === 'string'
        ? (body as { RequestId: string }).RequestId
        : undefined,
  });
}

export function createVpcClient(options: VpcClientOptions): VpcApi {
  const call: RpcCaller = createRpcCaller({
    endpoint: vpcEndpoint(options.regionId, options.endpoint),
    apiVersion: VPC_API_VERSION,
    credentials: options.credentials,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return {
    async createTrafficMirrorSession(params) {
      const body = await call('CreateTrafficMirrorSession', { ...params });
      return parsed(createResponseSchema(), body, 'CreateTrafficMirrorSession');
    },
    async listTrafficMirrorSessions(filters) {
      const body = await call('ListTrafficMirrorSessions', { ...filters });
      return parsed(listResponseSchema(), body, 'ListTrafficMirrorSessions');
    },
    async deleteTrafficMirrorSession(params) {
      const body = await call('DeleteTrafficMirrorSession', { ...params });
      return parsed(requestIdOnlySchema(), body, 'DeleteTrafficMirrorSession');
    },
    async changeTrafficMirrorSession(action, params) {
      const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
      const body = await call(action, defined as Record<string, WireValue>);
      return parsed(requestIdOnlySchema(), body, action);
    },
  };
}

/** Every session matching the filters, page after page (MaxResults 100 unless the filters say otherwise). */
export async function* listAllSessions(
  vpc: Pick<VpcApi, 'listTrafficMirrorSessions'>,
  filters: Omit<ListFilters, 'NextToken'>,
  /** Wraps each page's call (e.g. a retry): a long listing throttled at page 150 retries that page, not all. */
  eachPage: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): AsyncGenerator<TrafficMirrorSession> {
  let nextToken: string | undefined;
  const seenTokens = new Set<string>();
  do {
    const token = nextToken;
    const page = await eachPage(() =>
      vpc.listTrafficMirrorSessions({
        MaxResults: 100,
        ...filters,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    yield* page.TrafficMirrorSessions;
    nextToken = page.NextToken || undefined;
    // A token handed back twice would loop forever; the API never does that, so it is an invalid response.
    if (nextToken !== undefined) {
      if (seenTokens.has(nextToken)) {
        throw new CloudApiError({
          code: 'InvalidResponse',
          message: 'ListTrafficMirrorSessions returned a NextToken it had returned before',
          action: 'ListTrafficMirrorSessions',
        });
      }
      seenTokens.add(nextToken);
    }
  } while (nextToken !== undefined);
}
