/**
 * Fault injection for the local cloud's RPC APIs (VPC, fnf): throttling (with the platform's throttling
 * codes), 5xx, a response lost after the action ran (the case idempotency exists for), latency, and for the
 * VPC emulator sessions stuck in Creating or vanishing. Rules apply to every action, or to the one they name.
 */
import { z } from 'zod';
import { type Problem, problemsFromZod } from '../../functions/lib/problems.js';
import { RpcError } from './rpc/errors.js';
import type { LifecycleFaults } from './vpc/model.js';

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

export const faultsSchema = z.strictObject({ rules: z.array(faultRuleSchema).default([]) });
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

export class FaultInjector {
  private faults: Faults = { rules: [] };

  constructor(private readonly random: () => number = Math.random) {}

  set(faults: Faults): void {
    this.faults = faults;
  }

  get(): Faults {
    return this.faults;
  }

  private rulesFor(action: string): FaultRule[] {
    return this.faults.rules.filter((r) => r.action === undefined || r.action === action);
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** Before the action: latency, then perhaps a throttling or server error instead of the action. */
  async before(action: string): Promise<void> {
    for (const rule of this.rulesFor(action)) {
      if (rule.latencyMs > 0) await new Promise((r) => setTimeout(r, rule.latencyMs));
      if (this.random() < rule.throttleRate) {
        const t = this.pick(THROTTLING);
        throw new RpcError(t.code, t.message, t.status);
      }
      if (this.random() < rule.serverErrorRate) {
        const s = this.pick(SERVER);
        throw new RpcError(s.code, s.message, s.status);
      }
    }
  }

  /** After the action ran: perhaps lose the answer. */
  after(action: string): void {
    for (const rule of this.rulesFor(action)) {
      if (this.random() < rule.lostResponseRate) {
        throw new RpcError(
          'InternalError',
          'The request processing has failed due to some unknown error.',
          500,
        );
      }
    }
  }

  lifecycle(): LifecycleFaults {
    const result: LifecycleFaults = { stuckInCreating: false };
    for (const rule of this.rulesFor('CreateTrafficMirrorSession')) {
      if (this.random() < rule.stuckInCreatingRate) result.stuckInCreating = true;
      if (this.random() < rule.vanishRate) {
        const { min, max } = rule.vanishAfterSeconds;
        result.vanishAfterSeconds = min + (max - min) * this.random();
      }
    }
    return result;
  }
}

/** Wraps RPC actions so each call passes through the injector (before, then after the action). */
export function withFaults<A extends (call: never) => unknown>(
  actions: Record<string, A>,
  faults: FaultInjector,
  afterAction?: (name: string) => void,
): Record<string, A> {
  return Object.fromEntries(
    Object.entries(actions).map(([name, action]) => [
      name,
      (async (call: never) => {
        await faults.before(name);
        const result = await action(call);
        afterAction?.(name);
        faults.after(name);
        return result;
      }) as unknown as A,
    ]),
  );
}
