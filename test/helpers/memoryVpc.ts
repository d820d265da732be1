/**
 * A minimal in-memory stand-in for the VpcApi interface, for unit tests of provision()'s decision logic only
 * (priority walk, token replay, retries). Like the emulator, it remembers a ClientToken's first answer, a
 * failure included. It skips the wire on purpose; the same behaviours are tested over
 * HTTP against the local cloud's emulator in the integration suite.
 */
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import type {
  CreateSessionParams,
  CreateSessionResult,
  SessionPage,
  TrafficMirrorSession,
  VpcApi,
} from '../../functions/lib/cloud/vpcClient.js';

const fail = (code: string, action = 'CreateTrafficMirrorSession') =>
  new CloudApiError({ code, message: code, action });

export class MemoryVpc implements VpcApi {
  sessions: TrafficMirrorSession[] = [];
  readonly createCalls: CreateSessionParams[] = [];
  listCalls = 0;
  /** Codes thrown, in order, by the next create calls before they are handled. */
  createFailures: string[] = [];
  listFailures: string[] = [];
  /** Priorities already used by sessions mirrorflow did not create. */
  readonly foreignPriorities = new Set<number>();
  /** Simulates read-after-create lag: List does not show sessions yet. */
  hideFromList = false;
  /** A token's first answer, a failure included (the emulator's conservative reading of idempotence). */
  private readonly tokens = new Map<string, { fingerprint: string; id?: string; code?: string }>();
  private counter = 0;

  async createTrafficMirrorSession(params: CreateSessionParams): Promise<CreateSessionResult> {
    this.createCalls.push(structuredClone(params));
    const injected = this.createFailures.shift();
    if (injected) throw fail(injected);
    const { ClientToken, DryRun, ...rest } = params;
    const fingerprint = JSON.stringify(rest);
    const known = ClientToken ? this.tokens.get(ClientToken) : undefined;
    if (known) {
      if (known.fingerprint !== fingerprint) throw fail('IdempotentParameterMismatch');
      if (known.code) throw fail(known.code);
      return { RequestId: 'r', TrafficMirrorSessionId: known.id! };
    }
    const used =
      this.foreignPriorities.has(params.Priority) ||
      this.sessions.some((s) => s.Priority === params.Priority);
    if (used) {
      if (ClientToken && !DryRun)
        this.tokens.set(ClientToken, { fingerprint, code: 'IllegalParam.Priority' });
      throw fail('IllegalParam.Priority');
    }
    if (DryRun) throw fail('DryRunOperation');
    const id = `tms-mem${++this.counter}`;
    this.sessions.push({
      TrafficMirrorSessionId: id,
      TrafficMirrorSessionStatus: 'Creating',
      Enabled: params.Enabled ?? false,
      Priority: params.Priority,
      TrafficMirrorFilterId: params.TrafficMirrorFilterId,
      TrafficMirrorSourceIds: [...params.TrafficMirrorSourceIds],
      TrafficMirrorTargetId: params.TrafficMirrorTargetId,
      TrafficMirrorTargetType: params.TrafficMirrorTargetType,
      Tags: [...(params.Tag ?? [])],
    });
    if (ClientToken) this.tokens.set(ClientToken, { fingerprint, id });
    return { RequestId: 'r', TrafficMirrorSessionId: id };
  }

  async listTrafficMirrorSessions(filters: { TrafficMirrorSourceId?: string }): Promise<SessionPage> {
    this.listCalls++;
    const injected = this.listFailures.shift();
    if (injected) throw fail(injected, 'ListTrafficMirrorSessions');
    const visible = this.hideFromList
      ? []
      : this.sessions.filter(
          (s) =>
            !filters.TrafficMirrorSourceId ||
            s.TrafficMirrorSourceIds.includes(filters.TrafficMirrorSourceId),
        );
    return { RequestId: 'r', TotalCount: visible.length, TrafficMirrorSessions: visible };
  }

  async changeTrafficMirrorSession(): Promise<{ RequestId: string }> {
    throw new Error('the in-memory VPC does not change sessions (use the emulator)');
  }

  async deleteTrafficMirrorSession(): Promise<{ RequestId: string }> {
    return { RequestId: 'r' };
  }
}
