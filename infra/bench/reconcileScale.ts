/**
 * `npm run bench -- --scenario reconcile --sessions N [--throttle R]`: the fleet case. A desired state of N
 * sessions, none existing yet, reconciled by one firing of the scheduled run, optionally with a share R of every
 * call to the VPC and fnf APIs throttled. Printed against the bound N / rate + the longest creation time:
 * the virtual time from the firing to the last completion event, how long the reconcile invocation itself ran
 * (FC stops it at its 900 s timeout in the cloud; the local FC's timeout is real time, so a run the cloud would
 * stop can finish here — the figure says so), duplicates, unanswered entries, Creates wasted on priority
 * collisions, and every call per session.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLocalCloud } from '../local/cloud.js';
import { parseFaults } from '../local/faults.js';
import {
  benchInventory,
  type RequestCosts,
  request,
  requestCosts,
  round,
  waitForEvents,
} from './benchStack.js';
import { seededRandom } from './random.js';

/** FC's timeout of the reconcile function in s.yaml (a deploy test holds the two equal). */
const RECONCILE_TIMEOUT_SECONDS = 900;

export interface ReconcileScaleOptions {
  sessions: number;
  throttle: number;
  ratePerSecond: number;
  seed: number;
  timeScale: number;
  createSeconds: { min: number; max: number };
  functionsDir: string;
  progress?: (line: string) => void;
}

export interface ReconcileScaleResult {
  scenario: 'reconcile';
  sessions: number;
  throttle: number;
  ratePerSecond: number;
  timeScale: number;
  /** N / rate + the longest creation time, virtual seconds. */
  boundSeconds: number;
  /** Virtual seconds from the firing to the last completion event (all answered or not). */
  lastCompletionSeconds: number | null;
  ratio: number | null;
  /** How long the reconcile invocation ran, virtual seconds, and whether the cloud's timeout would have stopped it. */
  invocationSeconds: number;
  beyondTimeout: boolean;
  /** The reconcile invocation's error, if it failed. */
  invocationError: string | null;
  answered: number;
  unanswered: number;
  /** Entries with more than one session, and with more than one completion event. */
  duplicateSessions: number;
  duplicateEvents: number;
  createsWastedOnPriority: number;
  executions: number;
  perSession: RequestCosts;
}

function desiredStateFile(sessions: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mf-bench-reconcile-')), 'desired-state.yaml');
  writeFileSync(
    file,
    stringify({
      version: 1,
      sessions: Array.from({ length: sessions }, (_, i) => ({ name: `bench-${i}`, request: request(i) })),
    }),
  );
  return file;
}

const sourceOf = (data: unknown) =>
  String(
    (data as { request?: { TrafficMirrorSourceIds?: string[] } } | undefined)?.request
      ?.TrafficMirrorSourceIds?.[0] ?? '',
  );

export async function runReconcileScale(options: ReconcileScaleOptions): Promise<ReconcileScaleResult> {
  const n = options.sessions;
  const cloud = await startLocalCloud({
    functionsDir: options.functionsDir,
    timeScale: options.timeScale,
    inventory: benchInventory(n, options.createSeconds),
    random: seededRandom(options.seed),
    desiredState: desiredStateFile(n),
    env: { MIRRORFLOW_RECONCILE_CREATES_PER_SECOND: String(options.ratePerSecond) },
    // The bench's firing is the only one. With the timer on, a run that outlasts 15 virtual minutes (the local
    // FC's timeout is real time, so it can) meets the next scheduled firing: two creators at once.
    runTimers: false,
    keptEvents: 4 * n + 100,
    keptRecords: 200 * n + 10_000,
  });
  try {
    if (options.throttle > 0) {
      const rule = { throttleRate: options.throttle };
      cloud.vpc.faults.set(parseFaults({ seed: options.seed, rules: [rule] }));
      cloud.fnf.faults.set(parseFaults({ seed: options.seed + 1, rules: [rule] }));
    }
    const firedAt = cloud.clock.now();
    options.progress?.(`reconcile: ${n} entries at ${options.ratePerSecond} creates/s…`);
    let report: { handOffs?: unknown[] } | null = null;
    let invocationError: string | null = null;
    try {
      report = (await cloud.reconcile(new Date(firedAt).toISOString())) as { handOffs?: unknown[] };
    } catch (error) {
      invocationError = error instanceof Error ? error.message.slice(0, 300) : String(error);
    }
    const invocationSeconds = (cloud.clock.now() - firedAt) / 1000;
    // An answer for every entry (or what there is of them after long enough), then no execution running, so
    // that a second answer to an entry, if any, is counted too.
    const capMs = Math.max(120_000, (n / options.ratePerSecond + 600) * (1000 / options.timeScale));
    await waitForEvents(cloud, n, capMs, (e) => sourceOf(e.data)).catch(() => undefined);
    const quietBy = Date.now() + capMs;
    while ([...cloud.fnf.executions.values()].some((e) => e.status === 'Running') && Date.now() < quietBy)
      await new Promise((r) => setTimeout(r, 100));

    const events = cloud.stack.bus.events
      .map((event, index) => ({ event, at: cloud.stack.bus.arrivals[index]! }))
      .filter(({ event }) => String(event.type).startsWith('mirrorflow:TrafficMirrorSession:'));
    const eventsPerEntry = new Map<string, number>();
    for (const { event } of events) {
      const source = sourceOf(event.data);
      if (source) eventsPerEntry.set(source, (eventsPerEntry.get(source) ?? 0) + 1);
    }
    const sessionsPerEntry = new Map<string, number>();
    for (const session of cloud.vpc.model.liveSessions())
      for (const source of session.sourceIds)
        sessionsPerEntry.set(source, (sessionsPerEntry.get(source) ?? 0) + 1);
    const last = events.length > 0 ? Math.max(...events.map((e) => e.at)) : null;
    const boundSeconds = n / options.ratePerSecond + options.createSeconds.max;
    const lastCompletionSeconds = last === null ? null : round((last - firedAt) / 1000);
    return {
      scenario: 'reconcile',
      sessions: n,
      throttle: options.throttle,
      ratePerSecond: options.ratePerSecond,
      timeScale: options.timeScale,
      boundSeconds,
      lastCompletionSeconds,
      ratio: lastCompletionSeconds === null ? null : round(lastCompletionSeconds / boundSeconds),
      invocationSeconds: round(invocationSeconds),
      beyondTimeout: invocationSeconds > RECONCILE_TIMEOUT_SECONDS,
      invocationError,
      answered: eventsPerEntry.size,
      unanswered: n - eventsPerEntry.size,
      duplicateSessions: [...sessionsPerEntry.values()].filter((c) => c > 1).length,
      duplicateEvents: [...eventsPerEntry.values()].filter((c) => c > 1).length,
      createsWastedOnPriority: cloud.vpc.calls.filter(
        (c) => c.action === 'CreateTrafficMirrorSession' && c.code === 'IllegalParam.Priority',
      ).length,
      executions: report?.handOffs?.length ?? 0,
      perSession: requestCosts(cloud, n),
    };
  } finally {
    await cloud.close();
  }
}

export function formatReconcileScale(r: ReconcileScaleResult): string {
  const calls = Object.entries(r.perSession.vpc)
    .map(([a, k]) => `${a} ${k}`)
    .join(', ');
  return [
    `mirrorflow reconcile at scale — ${r.sessions} entries, ${r.ratePerSecond} creates/s${r.throttle > 0 ? `, ${Math.round(r.throttle * 100)} % of every VPC and fnf call throttled` : ''}, time scale ${r.timeScale}×`,
    '',
    `  last completion event  ${r.lastCompletionSeconds ?? '—'} virtual s after the firing; bound N / rate + longest creation = ${r.boundSeconds} s; ratio ${r.ratio ?? '—'} (goal ≤ 1.15)`,
    `  creates                ${round(r.sessions / Math.max(r.invocationSeconds, 1))} per virtual second over the whole invocation, which also lists, plans and hands off (asked ${r.ratePerSecond}/s; far less means this machine could not keep the pace at ${r.timeScale}×: run at a lower --time-scale)`,
    `  reconcile invocation   ${r.invocationSeconds} virtual s${r.beyondTimeout ? ` — beyond FC's ${RECONCILE_TIMEOUT_SECONDS} s timeout: the cloud would have stopped it (the local FC's timeout is real time)` : ` (FC's timeout: ${RECONCILE_TIMEOUT_SECONDS} s)`}`,
    ...(r.invocationError ? [`  reconcile failed       ${r.invocationError}`] : []),
    `  answered               ${r.answered} of ${r.sessions} entries (unanswered ${r.unanswered}); ${r.executions} execution(s)`,
    `  duplicates             ${r.duplicateSessions} entries with more than one session, ${r.duplicateEvents} with more than one completion event`,
    `  Creates wasted on IllegalParam.Priority: ${r.createsWastedOnPriority}`,
    `  per session            VPC ${calls}; ${r.perSession.stateTransitions} state transitions; ${r.perSession.putEvents} PutEvents`,
  ].join('\n');
}
