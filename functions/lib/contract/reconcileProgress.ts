/**
 * A reconcile run that outlasts one invocation: what the reconcile-run flow (workflows/reconcile-run.yaml)
 * carries from one invocation to the next — where the run goes on, and what it has done so far: exact
 * counts, and lists cut to fit the flow's state (the run's log has every entry; the Completed event says
 * which lists were cut).
 */
import * as z from 'zod/mini';
import type { CarriedPlan } from './carriedPlan.js';
import { type Problem, problemsFromZod } from './problems.js';
import type { ReconcileCounts, ReconcileLists } from './reconcileEvent.js';

/**
 * Where one invocation of a run starts: the first entry to apply (a multiple of the batch size, so a chunk and
 * its hand-off never straddle two invocations), and the prune walk — not begun (`null`), or begun and done up
 * to this session id (sessions are pruned in id order, so one gone from the listing since shifts nothing).
 */
export interface RunPosition {
  cursor: number;
  pruneAfter: string | null;
}

export const RUN_START: RunPosition = { cursor: 0, pruneAfter: null };

/** The lists a run carries stay within this many bytes of JSON; the Completed event cuts them further. */
export const PROGRESS_LIST_BYTES = 12 * 1024;

export interface RunProgress {
  triggerTime: string;
  /** Where the next invocation goes on; `done` once the run has nothing left but its announcement. */
  position: RunPosition;
  done: boolean;
  regions: string[];
  invocations: number;
  counts: ReconcileCounts;
  lists: ReconcileLists;
  /** The lists cut to fit (their counts stay exact). */
  truncated: string[];
  /** What the run's listing found, for the next invocation to apply from without listing. */
  plan?: CarriedPlan;
}

/** What one invocation did, as its report says it. */
export interface InvocationResult {
  triggerTime: string;
  regions: string[];
  counts: ReconcileCounts;
  lists: ReconcileLists;
  next?: RunPosition;
  carry?: CarriedPlan;
}

const LIST_KEYS = [
  'created',
  'updated',
  'deleted',
  'unchanged',
  'invalid',
  'failed',
  'drifted',
  'foreign',
  'orphaned',
  'wouldCreate',
  'wouldUpdate',
  'wouldDelete',
  'retryLater',
] as const satisfies readonly (keyof ReconcileLists)[];

/** Built when a run's progress is first checked: the timer's invocation, which starts a run, never checks one. */
const progressSchema = () => {
  const count = z.number().check(z.int(), z.nonnegative());
  return z.object({
    triggerTime: z.string().check(z.minLength(1)),
    position: z.object({ cursor: count, pruneAfter: z.nullable(z.string()) }),
    done: z.boolean(),
    regions: z.array(z.string()),
    invocations: count,
    counts: z.record(z.enum([...LIST_KEYS, 'desired']), count),
    lists: z.record(z.enum(LIST_KEYS), z.array(z.unknown())),
    truncated: z.array(z.string()),
    plan: z.optional(
      z.object({
        names: z.string(),
        creates: z.string(),
        others: z.string(),
        taken: z.record(z.string(), z.string()),
      }),
    ),
  });
};
let builtProgressSchema: ReturnType<typeof progressSchema> | undefined;

export class ProgressError extends Error {
  override readonly name = 'ProgressError';
  constructor(readonly problems: Problem[]) {
    super(
      `the reconcile run's progress is not valid: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}`,
    );
  }
}

/** The progress the flow hands an invocation, checked (it is the run's own output, so a problem is a bug). */
export function parseProgress(input: unknown): RunProgress {
  builtProgressSchema ??= progressSchema();
  const result = builtProgressSchema.safeParse(input);
  if (!result.success) throw new ProgressError(problemsFromZod(result.error, input));
  return result.data as RunProgress;
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * The run so far with one more invocation's result: counts added (the desired count is the document's), lists
 * appended, then the longest list halved until they fit `PROGRESS_LIST_BYTES`.
 */
export function foldInvocation(soFar: RunProgress | undefined, result: InvocationResult): RunProgress {
  const counts = { ...result.counts };
  const lists = { ...result.lists } as Record<string, unknown[]>;
  const truncated = new Set(soFar?.truncated ?? []);
  if (soFar) {
    for (const key of LIST_KEYS) {
      counts[key] += soFar.counts[key];
      lists[key] = [...(soFar.lists[key] as unknown[]), ...(lists[key] ?? [])];
    }
  }
  while (bytesOf(lists) > PROGRESS_LIST_BYTES) {
    const [longest] = Object.entries(lists).sort(([, a], [, b]) => b.length - a.length);
    if (!longest || longest[1].length === 0) break;
    lists[longest[0]] = longest[1].slice(0, Math.floor(longest[1].length / 2));
    truncated.add(longest[0]);
  }
  return {
    triggerTime: result.triggerTime,
    position: result.next ?? soFar?.position ?? RUN_START,
    done: result.next === undefined,
    regions: [...new Set([...(soFar?.regions ?? []), ...result.regions])].sort(),
    invocations: (soFar?.invocations ?? 0) + 1,
    counts,
    lists: lists as unknown as ReconcileLists,
    truncated: [...truncated].sort(),
    ...(result.carry ? { plan: result.carry } : {}),
  };
}
