/**
 * The VPC emulator's routes: wire parameters in, model calls, response shapes out — exactly as the two API
 * pages spell them. Parameter checks here are the cloud's (not mirrorflow's stricter contract).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatCreationTime } from '../clock.js';
import type { RpcAction, RpcCall } from '../rpc/server.js';
import { changeRoutes } from './changeRoutes.js';
import { vpcError } from './errors.js';
import {
  type LifecycleFaults,
  ModelError,
  type StoredSession,
  type Tag,
  type TrafficMirrorModel,
} from './model.js';
import {
  boolean,
  clientToken,
  fingerprint,
  integer,
  invalid,
  missing,
  repeated,
  required,
  tags,
  text,
  toRpcError,
} from './params.js';

/** A session as ListTrafficMirrorSessions returns it (field order and types of the page's example). */
/** `now`: the instant the List answers for, the one its page was chosen at (a session gone since is not shown as such). */
export function sessionView(model: TrafficMirrorModel, s: StoredSession, now?: number) {
  return {
    TrafficMirrorTargetId: s.targetId,
    TrafficMirrorSessionId: s.id,
    Priority: s.priority,
    TrafficMirrorTargetType: s.targetType,
    PacketLength: s.packetLength,
    TrafficMirrorSessionDescription: s.description ?? '',
    TrafficMirrorSessionStatus: model.statusOf(s, now),
    Enabled: s.enabled,
    TrafficMirrorSessionBusinessStatus: model.businessStatus(),
    VirtualNetworkId: s.virtualNetworkId,
    TrafficMirrorFilterId: s.filterId,
    TrafficMirrorSessionName: s.name ?? '',
    TrafficMirrorSourceIds: [...s.sourceIds],
    ResourceGroupId: s.resourceGroupId,
    Tags: s.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    CreationTime: formatCreationTime(s.createdAt),
  };
}

/**
 * Opaque, tamper-evident NextTokens: the position (creation sequence) and a hash of the filters, signed with
 * a key of this emulator instance. A token that was altered, belongs to other filters or to another
 * emulator is `IllegalParam.NextToken`.
 */
class NextTokens {
  private readonly key = randomBytes(32);

  issue(lastSeq: number, filterHash: string): string {
    const payload = Buffer.from(JSON.stringify({ s: lastSeq, f: filterHash })).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  read(token: string, filterHash: string): number {
    const bad = () => vpcError('IllegalParam.NextToken');
    const [payload, mac] = token.split('.');
    if (!payload || !mac) throw bad();
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      s: number;
      f: string;
    };
    if (decoded.f !== filterHash || !Number.isInteger(decoded.s)) throw bad();
    return decoded.s;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 22);
  }
}

export interface VpcRoutesOptions {
  /** Per-creation lifecycle faults (stuck in Creating, vanishing), drawn for the Create's parameters. */
  lifecycleFaults: (params: Record<string, string>) => LifecycleFaults;
}

export function vpcRoutes(model: TrafficMirrorModel, options: VpcRoutesOptions): Record<string, RpcAction> {
  const nextTokens = new NextTokens();
  const guarded =
    (action: (call: RpcCall) => Record<string, unknown> | Promise<Record<string, unknown>>): RpcAction =>
    async (call) => {
      try {
        return await action(call);
      } catch (error) {
        if (error instanceof ModelError) throw toRpcError(error);
        throw error;
      }
    };

  return {
    CreateTrafficMirrorSession: guarded(async ({ params }) => {
      const regionId = required(params, 'RegionId');
      const targetType = required(params, 'TrafficMirrorTargetType');
      if (targetType !== 'NetworkInterface' && targetType !== 'SLB') {
        throw invalid('TrafficMirrorTargetType', 'must be NetworkInterface or SLB');
      }
      const sourceIds = repeated(params, 'TrafficMirrorSourceIds', 100);
      if (sourceIds.length === 0) throw missing('TrafficMirrorSourceIds.1');
      // Only a Priority that is not a number is refused here; the range is the model's check, so a token
      // used with an out-of-range Priority is remembered like any other failed request.
      const priority = integer(params, 'Priority', -Infinity, Infinity, 'IllegalParam.Priority');
      if (priority === undefined) throw missing('Priority');
      const session = await model.createSession(
        {
          regionId,
          sourceIds,
          targetId: required(params, 'TrafficMirrorTargetId'),
          targetType,
          filterId: required(params, 'TrafficMirrorFilterId'),
          priority,
          virtualNetworkId: integer(params, 'VirtualNetworkId', 0, 16_777_215),
          packetLength: integer(params, 'PacketLength', 64, 9600),
          enabled: boolean(params, 'Enabled'),
          name: text(params, 'TrafficMirrorSessionName', 128),
          description: text(params, 'TrafficMirrorSessionDescription', 256),
          resourceGroupId: params.ResourceGroupId || undefined,
          tags: tags(params, 'Tag', 128).map((t): Tag => ({ Key: t.Key, Value: t.Value ?? '' })),
          dryRun: boolean(params, 'DryRun') ?? false,
          clientToken: clientToken(params),
          fingerprint: fingerprint(params),
        },
        options.lifecycleFaults(params),
      );
      return { TrafficMirrorSessionId: session.id, ResourceGroupId: session.resourceGroupId };
    }),

    ListTrafficMirrorSessions: guarded(({ params }) => {
      const regionId = required(params, 'RegionId');
      const maxResults = integer(params, 'MaxResults', 1, 100) ?? 10;
      const filterKeys = Object.keys(params)
        .filter((k) => k !== 'MaxResults' && k !== 'NextToken')
        .sort();
      const filterHash = createHash('sha256')
        .update(JSON.stringify(filterKeys.map((k) => [k, params[k]])))
        .digest('hex')
        .slice(0, 16);
      const afterSeq = params.NextToken ? nextTokens.read(params.NextToken, filterHash) : undefined;
      const sessionIds = repeated(params, 'TrafficMirrorSessionIds', 100);
      // One instant for the whole answer: which sessions exist and what state each is in.
      const now = model.now();
      const result = model.listSessions(
        {
          regionId,
          ...(sessionIds.length ? { sessionIds } : {}),
          name: text(params, 'TrafficMirrorSessionName', 128),
          sourceId: params.TrafficMirrorSourceId || undefined,
          targetId: params.TrafficMirrorTargetId || undefined,
          filterId: params.TrafficMirrorFilterId || undefined,
          virtualNetworkId: integer(params, 'VirtualNetworkId', 0, 16_777_215),
          priority: integer(params, 'Priority', 1, 32766),
          enabled: boolean(params, 'Enabled'),
          resourceGroupId: params.ResourceGroupId || undefined,
          tags: tags(params, 'Tags', 64),
          ...(afterSeq !== undefined ? { afterSeq } : {}),
          maxResults,
        },
        now,
      );
      return {
        NextToken:
          result.more && result.lastSeq !== undefined ? nextTokens.issue(result.lastSeq, filterHash) : '',
        TotalCount: result.total,
        TrafficMirrorSessions: result.page.map((s) => sessionView(model, s, now)),
      };
    }),

    ...changeRoutes(model, guarded),

    OpenTrafficMirrorService: guarded(({ params }) => {
      model.openService(required(params, 'RegionId'));
      // A success body that carries a Code: clients must not take a Code alone for an error.
      return { Code: '200', Message: 'successful' };
    }),

    GetTrafficMirrorServiceStatus: guarded(({ params }) => ({
      Enabled: model.serviceEnabled(required(params, 'RegionId')),
    })),
  };
}
