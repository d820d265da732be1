/**
 * `npm run bench -- --scenario reconcile --sessions N [--throttle R] [--kill-at S]`: the fleet case. A desired
 * state of N sessions, none existing yet, reconciled by one firing of the scheduled run (its timer invocation,
 * then the reconcile-run flow's), optionally with a share R of every call throttled — the VPC and fnf APIs,
 * FC's invoke API (the flows' and EventBridge's invocations) and EventBridge's PutEvents (the flows') — and
 * optionally with reconcile's running instance stopped once a share S of the sessions exists (as FC may stop
 * an instance; a stopped timer invocation is fired again, as FC's async retry does). Printed against the bound
 * N / rate + the longest creation time: the virtual time from the firing to the last completion event, the
 * reconcile invocations and the longest of them (FC stops one at its 900 s timeout in the cloud; the local FC's
 * timeout is real time, so the figure says when one ran longer), duplicates, unanswered entries, Creates
 * wasted on priority collisions, and every call per session.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud } from '../local/cloud.js';
import { type FaultInjector, parseFaults } from '../local/faults.js';
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
  /** Stop reconcile's running instance once this share of the sessions exists (0: never). */
  killAt?: number;
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
  /** Reconcile invocations (the timer's and the flow's, stopped ones included), and the longest in virtual seconds. */
  invocations: number;
  longestInvocationSeconds: number;
  beyondTimeout: boolean;
  /** Creates per virtual second from the firing to the last Create. */
  keptCreateRate: number;
  /** When --kill-at stopped an instance: the sessions that existed then, and the invocations it stopped. */
  stopped: { atSessions: number; instances: number } | null;
  /** The timer invocation's error, if it failed for another reason than the stop. */
  invocationError: string | null;
  answered: number;
  unanswered: number;
  /** Entries with more than one session, and with more than one completion event. */
  duplicateSessions: number;
  duplicateEvents: number;
  createsWastedOnPriority: number;
  executions: number;
  perSession: RequestCosts;
  /** Calls the throttling turned away (--throttle), by service: what the run had to retry. */
  throttled: { vpc: number; cloudFlow: number; fcInvoke: number; putEvents: number };
}

/** The calls an injector turned away as throttled. */
const turnedAway = (faults: FaultInjector) =>
  [...faults.injected].filter(([key]) => key.endsWith(' throttled')).reduce((sum, [, n]) => sum + n, 0);

/** The desired state as the build ships it: JSON (infra/build/desiredStateFile.ts). */
function desiredStateFile(sessions: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mf-bench-reconcile-')), 'desired-state.json');
  writeFileSync(
    file,
    JSON.stringify({
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
      cloud.stack.fc.faults.set(parseFaults({ seed: options.seed + 2, rules: [rule] }));
      cloud.stack.bus.faults.set(parseFaults({ seed: options.seed + 3, rules: [rule] }));
    }
    const firedAt = cloud.clock.now();
    const triggerTime = new Date(firedAt).toISOString();
    options.progress?.(`reconcile: ${n} entries at ${options.ratePerSecond} creates/s…`);
    let stopped: ReconcileScaleResult['stopped'] = null;
    const killAt = options.killAt ?? 0;
    const watcher =
      killAt > 0
        ? setInterval(() => {
            const atSessions = cloud.vpc.model.liveSessions().length;
            if (stopped || atSessions < killAt * n) return;
            const instances = cloud.stack.fc.stopBusyInstances('reconcile');
            if (instances > 0) stopped = { atSessions, instances };
          }, 200)
        : undefined;
    let invocationError: string | null = null;
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        await cloud.reconcile(triggerTime);
        invocationError = null;
        break;
      } catch (error) {
        // FC retries a failed timer invocation (async, up to 3 times): the same scheduled time.
        invocationError = error instanceof Error ? error.message.slice(0, 300) : String(error);
      }
    }
    // An answer for every entry (or what there is of them after long enough), then no execution running, so
    // that a second answer to an entry, if any, is counted too.
    const capMs = Math.max(120_000, (n / options.ratePerSecond + 600) * (1000 / options.timeScale));
    await waitForEvents(cloud, n, capMs, (e) => sourceOf(e.data)).catch(() => undefined);
    const quietBy = Date.now() + capMs;
    while ([...cloud.fnf.executions.values()].some((e) => e.status === 'Running') && Date.now() < quietBy)
      await new Promise((r) => setTimeout(r, 100));
    clearInterval(watcher);

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
    const runs = cloud.stack.fc.invocations.filter((i) => i.function === 'reconcile');
    const longest = Math.max(0, ...runs.map((i) => i.durationMs)) * (options.timeScale / 1000);
    const creates = cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession');
    const lastCreate = Math.max(firedAt, ...creates.map((c) => Date.parse(c.virtualTime)));
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
      invocations: runs.length,
      longestInvocationSeconds: round(longest),
      beyondTimeout: longest > RECONCILE_TIMEOUT_SECONDS,
      keptCreateRate: round(creates.length / Math.max((lastCreate - firedAt) / 1000, 1)),
      stopped,
      invocationError: stopped ? null : invocationError,
      answered: eventsPerEntry.size,
      unanswered: n - eventsPerEntry.size,
      duplicateSessions: [...sessionsPerEntry.values()].filter((c) => c > 1).length,
      duplicateEvents: [...eventsPerEntry.values()].filter((c) => c > 1).length,
      createsWastedOnPriority: cloud.vpc.calls.filter(
        (c) => c.action === 'CreateTrafficMirrorSession' && c.code === 'IllegalParam.Priority',
      ).length,
      executions: [...cloud.fnf.executions.values()].filter((e) => e.flow.Name === 'session-ready').length,
      perSession: requestCosts(cloud, n),
      throttled: {
        vpc: turnedAway(cloud.vpc.faults),
        cloudFlow: turnedAway(cloud.fnf.faults),
        fcInvoke: turnedAway(cloud.stack.fc.faults),
        putEvents: turnedAway(cloud.stack.bus.faults),
      },
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
    `mirrorflow reconcile at scale — ${r.sessions} entries, ${r.ratePerSecond} creates/s${r.throttle > 0 ? `, ${Math.round(r.throttle * 100)} % of every call throttled (VPC, CloudFlow, FC invoke, PutEvents)` : ''}, time scale ${r.timeScale}×`,
    '',
    `  last completion event  ${r.lastCompletionSeconds ?? '—'} virtual s after the firing; bound N / rate + longest creation = ${r.boundSeconds} s; ratio ${r.ratio ?? '—'} (goal ≤ 1.15)`,
    `  creates                ${r.keptCreateRate} per virtual second from the firing to the last Create (asked ${r.ratePerSecond}/s; far less means this machine could not keep the pace at ${r.timeScale}×: run at a lower --time-scale)`,
    `  reconcile invocations  ${r.invocations}, the longest ${r.longestInvocationSeconds} virtual s${r.beyondTimeout ? ` — beyond FC's ${RECONCILE_TIMEOUT_SECONDS} s timeout: the cloud would have stopped it (the local FC's timeout is real time)` : ` (FC's timeout: ${RECONCILE_TIMEOUT_SECONDS} s)`}`,
    ...(r.stopped
      ? [
          `  stopped                reconcile's running instance (${r.stopped.instances}) once ${r.stopped.atSessions} sessions existed`,
        ]
      : []),
    ...(r.invocationError ? [`  reconcile failed       ${r.invocationError}`] : []),
    `  answered               ${r.answered} of ${r.sessions} entries (unanswered ${r.unanswered}); ${r.executions} session-ready execution(s)`,
    `  duplicates             ${r.duplicateSessions} entries with more than one session, ${r.duplicateEvents} with more than one completion event`,
    `  Creates wasted on IllegalParam.Priority: ${r.createsWastedOnPriority}`,
    `  per session            VPC ${calls}; ${r.perSession.stateTransitions} state transitions; ${r.perSession.putEvents} PutEvents`,
    ...(r.throttle > 0
      ? [
          `  throttled              VPC ${r.throttled.vpc}, CloudFlow ${r.throttled.cloudFlow}, FC invoke ${r.throttled.fcInvoke}, PutEvents ${r.throttled.putEvents} calls (each retried)`,
        ]
      : []),
  ].join('\n');
}
