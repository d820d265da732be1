/**
 * One row's cloud: a fresh local cloud in this process (so no row disturbs another's counts), the product's
 * functions bundled once per run, the chaos world, and what a row needs around it — the wire that counts the
 * answers, the follower of completion events, and "settled" (the bus and FC idle, no execution running).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunctions } from '../build/bundleFunctions.js';
import { type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { seededRandom } from '../local/random.js';
import { EventCollector } from './collector.js';
import { type RowObservation, type SentRequest, sessionsPerGroup } from './tally.js';
import { type SenderPolicy, type WebhookTarget, Wire } from './wire.js';
import { chaosInventory, groupOfSource } from './world.js';

export interface ChaosContext {
  /** N: logical requests per row. */
  requests: number;
  /** Malformed events / bodies per fuzz row. */
  fuzzCount: number;
  seed: number;
  /** Virtual seconds per real second. */
  timeScale: number;
  /** The product's bundled functions. */
  functionsDir: string;
  /** Real milliseconds a row may take to settle before what is still missing counts as lost. */
  settleTimeoutMs: number;
  /** Attempts a webhook sender makes per delivery (503 Retry-After, other 5xx, dropped). */
  senderAttempts: number;
  progress: (line: string) => void;
}

let bundled: { dir: string; ready: Promise<string> } | undefined;

/** The product's functions, bundled once per process into a temporary folder. */
export function productBundles(): Promise<string> {
  if (!bundled) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-dist-'));
    bundled = { dir, ready: bundleFunctions({ functionsDir: 'functions', outDir: dir }).then(() => dir) };
  }
  return bundled.ready;
}

/** Removes the bundles of this process (the CLI, once its rows have run). */
export function removeBundles(): void {
  if (bundled) rmSync(bundled.dir, { recursive: true, force: true });
  bundled = undefined;
}

export interface RowStack {
  cloud: LocalCloud;
  wire: Wire;
  events: EventCollector;
  webhook: WebhookTarget;
  sender: SenderPolicy;
  /** Waits until nothing runs any more (or the cap): true when it settled. */
  settle(): Promise<boolean>;
  /** Live sessions per logical request. */
  sessions(): Record<string, number>;
  /**
   * What the row saw. Requests that should each own one session, unless `invalid` (fuzzed bodies): then no
   * session is expected and every VPC call is one too many. A busy 503 (Retry-After) counts as a server error
   * where no sender retries it (`busyIsError`: the bus; by default for invalid input, which nothing should be
   * busy with).
   */
  observe(
    requests: readonly SentRequest[],
    options?: { invalid?: boolean; busyIsError?: boolean; replaysAnsweredAsNew?: number },
  ): RowObservation;
  close(): Promise<void>;
}

/** Whether `promise` settles before the real time `until`. */
async function within(promise: Promise<unknown>, until: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, until - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh cloud with a world for `size` logical requests; `salt` varies the seeds per row. */
export async function startRowStack(ctx: ChaosContext, size: number, salt: number): Promise<RowStack> {
  const cloud = await startLocalCloud({
    functionsDir: ctx.functionsDir,
    timeScale: ctx.timeScale,
    runTimers: false,
    desiredState: 'infra/examples/desired-state.yaml',
    inventory: chaosInventory(size),
    random: seededRandom((ctx.seed * 31 + salt) >>> 0),
    // The deployment as s.yaml's defaults make it, whatever the shell running the suite exports.
    env: {},
  });
  const events = new EventCollector(cloud.stack.bus.url);
  events.follow();
  const settle = async () => {
    const until = Date.now() + ctx.settleTimeoutMs;
    let settled = false;
    while (Date.now() < until) {
      if (!(await within(cloud.stack.bus.idle(), until))) break;
      if (!(await within(cloud.stack.fc.idle(), until))) break;
      const running = [...cloud.fnf.executions.values()].some((e) => e.status === 'Running');
      if (!running) {
        settled = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // A last complete read, then follow again (a row may send more after settling).
    await events.stop();
    await events.poll();
    events.follow();
    return settled;
  };
  const wire = new Wire();
  const sessions = () => sessionsPerGroup(cloud.vpc.model.liveSessions(), groupOfSource);
  return {
    cloud,
    wire,
    events,
    webhook: { url: cloud.webhookUrl, secret: cloud.webhookSecret },
    sender: { maxAttempts: ctx.senderAttempts, sleep: (ms) => cloud.clock.sleep(ms) },
    settle,
    sessions,
    observe: (requests, options = {}) => {
      const { counts } = wire;
      const invalid = options.invalid ?? false;
      return {
        requests,
        events: events.events,
        sessions: invalid ? {} : sessions(),
        serverErrors: counts.serverErrors + ((options.busyIsError ?? invalid) ? counts.busy : 0),
        dropped: counts.dropped,
        vpcCallsFromInvalid: invalid ? cloud.vpc.calls.length : null,
        ...(options.replaysAnsweredAsNew !== undefined
          ? { replaysAnsweredAsNew: options.replaysAnsweredAsNew }
          : {}),
      };
    },
    close: async () => {
      await events.stop();
      await cloud.close();
    },
  };
}
