/**
 * Fault injection for the local cloud's RPC APIs (VPC, fnf): throttling (with the platform's throttling
 * codes), 5xx, a response lost after the action ran (the case idempotency exists for), latency, and for the
 * VPC emulator sessions stuck in Creating or vanishing. FC's invoke API and EventBridge's PutEvents take
 * throttling, 5xx and latency too (serviceFault), each answered in its service's own codes. Rules apply to
 * every action, or to the one they name.
 *
 * Seeded, never Math.random: whether a call is faulted is drawn from a PRNG seeded by (seed, the action, its
 * parameters, how many identical calls came before). So a run with the same seed faults the same calls the
 * same way, whatever order concurrent callers reach the API in: the n-th Create with ClientToken T is
 * throttled in every run or in none. The seed is DEFAULT_FAULT_SEED unless the injector is built with
 * another, or a faults configuration carries one (`{"seed": 7, "rules": [...]}`, also on POST
 * /_admin/faults). Setting a configuration starts its sequences afresh.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Problem, problemsFromZod } from '../../functions/lib/contract/problems.js';
import { seededRandom } from './random.js';
import { RpcError } from './rpc/errors.js';
import type { RpcCall } from './rpc/server.js';
import type { LifecycleFaults } from './vpc/model.js';

/** The seed of every injector not given one. */
export const DEFAULT_FAULT_SEED = 20_261_129;

const rate = z.number().min(0).max(1).default(0);

export const faultRuleSchema = z.strictObject({
  /** The action the rule applies to; absent: every action. */
  action: z.string().optional(),
  /** Share of calls answered with Throttling / Throttling.User / Throttling.Api before the action runs. */
  throttleRate: rate,
  /** Share of calls answered with ServiceUnavailable (503) or InternalError (500) before the action runs. */
  serverErrorRate: rate,
  /** Share of calls whose action runs but whose answer is InternalError (500): the client never learns. */
  lostResponseRate: rate,
  /** Real milliseconds added to each call. */
  latencyMs: z.number().min(0).max(60_000).default(0),
  /** Share of created sessions that never leave Creating. */
  stuckInCreatingRate: rate,
  /** Share of created sessions that disappear on their own, after vanishAfterSeconds (virtual). */
  vanishRate: rate,
  vanishAfterSeconds: z
    .object({ min: z.number().min(0), max: z.number().min(0) })
    .default({ min: 1, max: 60 }),
});

export const faultsSchema = z.strictObject({
  /** Reseeds the injector (see the module comment); absent: the seed stays as it was. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  rules: z.array(faultRuleSchema).default([]),
});
export type Faults = z.output<typeof faultsSchema>;
export type FaultRule = z.output<typeof faultRuleSchema>;

export class FaultsError extends Error {
  override readonly name = 'FaultsError';
  constructor(readonly problems: Problem[]) {
    super(`invalid faults: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}`);
  }
}

export function parseFaults(input: unknown): Faults {
  const result = faultsSchema.safeParse(input);
  if (!result.success) throw new FaultsError(problemsFromZod(result.error, input));
  return result.data;
}

const THROTTLING = [
  { code: 'Throttling', status: 400, message: 'Request was denied due to request throttling.' },
  { code: 'Throttling.User', status: 400, message: 'Request was denied due to user flow control.' },
  { code: 'Throttling.Api', status: 400, message: 'Request was denied due to api flow control.' },
];
const SERVER = [
  {
    code: 'ServiceUnavailable',
    status: 503,
    message: 'The request has failed due to a temporary failure of the server.',
  },
  {
    code: 'InternalError',
    status: 500,
    message: 'The request processing has failed due to some unknown error.',
  },
];

type Params = Readonly<Record<string, string>>;
/** Distinct call identities remembered before the counts start over (a long `up` run stays bounded). */
const MAX_IDENTITIES = 50_000;

export class FaultInjector {
  private faults: Faults = { rules: [] };
  private readonly seen = new Map<string, number>();
  /** How many calls were turned away before their action, by `<action> <throttled|serverError>`. */
  readonly injected = new Map<string, number>();

  private count(action: string, fault: 'throttled' | 'serverError'): void {
    const key = `${action} ${fault}`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
  }

  constructor(private seed: number = DEFAULT_FAULT_SEED) {}

  set(faults: Faults): void {
    this.faults = faults;
    if (faults.seed !== undefined) this.seed = faults.seed;
    this.seen.clear();
  }

  get(): Faults {
    return this.faults;
  }

  private rulesFor(action: string): FaultRule[] {
    return this.faults.rules.filter((r) => r.action === undefined || r.action === action);
  }

  /** The draws for one call: a PRNG seeded by the seed, the phase, the call's identity and its repeat count. */
  private draws(phase: string, action: string, params: Params): () => number {
    const identity = JSON.stringify([
      phase,
      action,
      Object.keys(params)
        .sort()
        .map((k) => [k, params[k]]),
    ]);
    if (this.seen.size >= MAX_IDENTITIES) this.seen.clear();
    const repeat = this.seen.get(identity) ?? 0;
    this.seen.set(identity, repeat + 1);
    const digest = createHash('sha256').update(`${this.seed}\u0000${identity}\u0000${repeat}`).digest();
    return seededRandom(digest.readUInt32BE(0));
  }

  /** Before the action: latency, then perhaps a throttling or server error instead of the action. */
  async before(action: string, params: Params = {}): Promise<void> {
    const rules = this.rulesFor(action);
    if (rules.length === 0) return;
    const random = this.draws('before', action, params);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    for (const rule of rules) {
      if (rule.latencyMs > 0) await new Promise((r) => setTimeout(r, rule.latencyMs));
      if (random() < rule.throttleRate) {
        const t = pick(THROTTLING);
        this.count(action, 'throttled');
        throw new RpcError(t.code, t.message, t.status);
      }
      if (random() < rule.serverErrorRate) {
        const s = pick(SERVER);
        this.count(action, 'serverError');
        throw new RpcError(s.code, s.message, s.status);
      }
    }
  }

  /**
   * Before a call to an API that is not RPC-style (FC's invoke, EventBridge's PutEvents): latency, then
   * perhaps a throttling or a server error instead of the call, which the service answers in its own words.
   */
  async serviceFault(action: string, params: Params = {}): Promise<'throttled' | 'serverError' | undefined> {
    const rules = this.rulesFor(action);
    if (rules.length === 0) return undefined;
    const random = this.draws('service', action, params);
    for (const rule of rules) {
      if (rule.latencyMs > 0) await new Promise((r) => setTimeout(r, rule.latencyMs));
      const fault =
        random() < rule.throttleRate
          ? 'throttled'
          : random() < rule.serverErrorRate
            ? 'serverError'
            : undefined;
      if (fault) {
        this.count(action, fault);
        return fault;
      }
    }
    return undefined;
  }

  /** After the action ran: perhaps lose the answer. */
  after(action: string, params: Params = {}): void {
    const rules = this.rulesFor(action);
    if (rules.length === 0) return;
    const random = this.draws('after', action, params);
    for (const rule of rules) {
      if (random() < rule.lostResponseRate) {
        throw new RpcError(
          'InternalError',
          'The request processing has failed due to some unknown error.',
          500,
        );
      }
    }
  }

  /** The lifecycle faults of a session created by a Create with these parameters. */
  lifecycle(params: Params = {}): LifecycleFaults {
    const result: LifecycleFaults = { stuckInCreating: false };
    const rules = this.rulesFor('CreateTrafficMirrorSession');
    if (rules.length === 0) return result;
    const random = this.draws('lifecycle', 'CreateTrafficMirrorSession', params);
    for (const rule of rules) {
      if (random() < rule.stuckInCreatingRate) result.stuckInCreating = true;
      if (random() < rule.vanishRate) {
        const { min, max } = rule.vanishAfterSeconds;
        result.vanishAfterSeconds = min + (max - min) * random();
      }
    }
    return result;
  }
}

/** Wraps RPC actions so each call passes through the injector (before, then after the action). */
export function withFaults<A extends (call: RpcCall) => unknown>(
  actions: Record<string, A>,
  faults: FaultInjector,
  afterAction?: (name: string) => void,
): Record<string, A> {
  return Object.fromEntries(
    Object.entries(actions).map(([name, action]) => [
      name,
      (async (call: RpcCall) => {
        await faults.before(name, call.params);
        const result = await action(call);
        afterAction?.(name);
        faults.after(name, call.params);
        return result;
      }) as unknown as A,
    ]),
  );
}
