/**
 * The polling benchmark (`npm run bench`): how many ListTrafficMirrorSessions calls mirrorflow spends per
 * session, and how long after a session is really Created its Ready event appears (the detection lag) — next
 * to a plain poller that lists its session every 5 seconds, on the same creation times (the same seeded
 * draws from the same spread), in the same run; then the List calls per session of a 100-session reconcile.
 * Everything is measured in virtual seconds of the local cloud. Figures are printed, never asserted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createVpcClient } from '../../functions/lib/cloud/vpcClient.js';
import { bundleFunctions } from '../build/bundleFunctions.js';
import { VirtualClock } from '../local/clock.js';
import { type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { LOCAL_ACCESS_KEY } from '../local/credentials.js';
import { startVpcEmulator } from '../local/vpc/emulator.js';
import { type Inventory, parseInventory } from '../local/vpc/inventory.js';
import { percentile, seededRandom } from './random.js';

export interface BenchOptions {
  sessions: number;
  reconcileSessions: number;
  seed: number;
  timeScale: number;
  createSeconds: { min: number; max: number };
  functionsDir?: string;
  progress?: (line: string) => void;
}

export interface PollerFigures {
  listCallsPerSession: number;
  lagSeconds: { p50: number; p95: number; max: number };
  /** Detection lag ÷ the session's creation time (p50, p95). */
  lagPerCreation: { p50: number; p95: number };
  /** Every call per request: VPC (look-ups included), FC invocations, CloudFlow state transitions, PutEvents. */
  perRequest?: RequestCosts;
}

export interface RequestCosts {
  vpc: Record<string, number>;
  fcInvocations: Record<string, number>;
  /** States entered, Map iterations included: what CloudFlow bills. */
  stateTransitions: number;
  putEvents: number;
}

export interface BenchResult {
  options: Omit<BenchOptions, 'progress' | 'functionsDir'>;
  mirrorflow: PollerFigures;
  fixedFiveSeconds: PollerFigures;
  reconcile: {
    sessions: number;
    executions: number;
    listCallsPerSession: number;
    lagSeconds: { p50: number; p95: number };
    perRequest: RequestCosts;
  };
}

const REGION = 'cn-hangzhou';

function benchInventory(count: number, createSeconds: { min: number; max: number }): Inventory {
  return parseInventory({
    regions: { [REGION]: {} },
    instances: [{ id: 'i-bench', regionId: REGION, size: 'large' }],
    networkInterfaces: Array.from({ length: count }, (_, i) => ({
      id: `eni-bench${i}`,
      regionId: REGION,
      instanceId: 'i-bench',
    })),
    loadBalancers: [{ id: 'lb-bench', regionId: REGION, vpcId: 'vpc-bench' }],
    filters: [{ id: 'tmf-bench', regionId: REGION }],
    quotas: { sourcesPerSlbTarget: 10_000, sessionsPerSlbTarget: 10_000 },
    lifecycle: { createSeconds, tokenProcessingMs: 0 },
  });
}

const request = (i: number) => ({
  RegionId: REGION,
  TrafficMirrorSourceIds: [`eni-bench${i}`],
  TrafficMirrorTargetId: 'lb-bench',
  TrafficMirrorTargetType: 'SLB',
  TrafficMirrorFilterId: 'tmf-bench',
});

const round = (n: number) => Math.round(n * 100) / 100;
/** A session's detection lag and its creation time, in virtual seconds. */
interface Detection {
  lag: number;
  creation: number;
}
const figures = (listCalls: number, sessions: number, detections: Detection[]): PollerFigures => {
  const lags = detections.map((d) => d.lag);
  const ratios = detections.map((d) => d.lag / Math.max(d.creation, 1));
  return {
    listCallsPerSession: round(listCalls / sessions),
    lagSeconds: {
      p50: round(percentile(lags, 50)),
      p95: round(percentile(lags, 95)),
      max: round(Math.max(...lags)),
    },
    lagPerCreation: { p50: round(percentile(ratios, 50)), p95: round(percentile(ratios, 95)) },
  };
};

/** Every call the local cloud saw, per request. */
function requestCosts(cloud: LocalCloud, requests: number): RequestCosts {
  const per = (counts: Map<string, number>) =>
    Object.fromEntries([...counts].sort().map(([k, n]) => [k, round(n / requests)]));
  const count = <T>(items: T[], key: (item: T) => string) => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return counts;
  };
  const transitions = [...cloud.fnf.executions.values()].reduce(
    (n, e) => n + e.events.filter((h) => h.Type === 'StateEntered').length,
    0,
  );
  return {
    vpc: per(count(cloud.vpc.calls, (c) => c.action)),
    fcInvocations: per(count(cloud.stack.fc.invocations, (i) => i.function)),
    stateTransitions: round(transitions / requests),
    putEvents: round(cloud.stack.bus.events.filter((e) => e.source === 'mirrorflow').length / requests),
  };
}
/** List calls that look sessions up by id: the polling ones (not intake's look-up by source ENI). */
const pollingLists = (cloud: { vpc: { calls: { action: string; paramNames?: string[] }[] } }) =>
  cloud.vpc.calls.filter(
    (c) =>
      c.action === 'ListTrafficMirrorSessions' &&
      c.paramNames?.some((n) => n.startsWith('TrafficMirrorSessionIds.')),
  ).length;

async function waitForEvents(cloud: LocalCloud, count: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const done = () =>
    cloud.stack.bus.events.filter((e) => String(e.type).startsWith('mirrorflow:TrafficMirrorSession:'))
      .length >= count;
  while (!done()) {
    if (Date.now() > until)
      throw new Error(`only some of ${count} completion events arrived within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ready-event arrival minus the session's real Created time, and its creation time, in virtual seconds. */
function lags(cloud: LocalCloud): Detection[] {
  const sessions = new Map(cloud.vpc.model.liveSessions().map((s) => [s.id, s]));
  const out: Detection[] = [];
  cloud.stack.bus.events.forEach((event, index) => {
    if (event.type !== 'mirrorflow:TrafficMirrorSession:Ready') return;
    const session = sessions.get(String((event.data as { sessionId?: string }).sessionId));
    if (session?.readyAt === undefined || session.readyAt === null) return;
    out.push({
      lag: (cloud.stack.bus.arrivals[index]! - session.readyAt) / 1000,
      creation: (session.readyAt - session.createdAt) / 1000,
    });
  });
  return out;
}

async function runMirrorflow(options: BenchOptions, functionsDir: string): Promise<PollerFigures> {
  const cloud = await startLocalCloud({
    functionsDir,
    timeScale: options.timeScale,
    inventory: benchInventory(options.sessions, options.createSeconds),
    random: seededRandom(options.seed),
  });
  try {
    for (let i = 0; i < options.sessions; i++) {
      await fetch(`${cloud.stack.bus.url}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({
          specversion: '1.0',
          aliyuneventbusname: 'mirrorflow',
          id: `bench-${i}`,
          source: 'mirrorflow.bench',
          type: 'mirrorflow:MirrorRequest:Submitted',
          data: request(i),
        }),
      });
    }
    await waitForEvents(cloud, options.sessions, 600_000);
    return {
      ...figures(pollingLists(cloud), options.sessions, lags(cloud)),
      perRequest: requestCosts(cloud, options.sessions),
    };
  } finally {
    await cloud.close();
  }
}

async function runFixedPoller(options: BenchOptions): Promise<PollerFigures> {
  const clock = new VirtualClock(options.timeScale);
  const emu = await startVpcEmulator({
    clock,
    inventory: benchInventory(options.sessions, options.createSeconds),
    random: seededRandom(options.seed),
  });
  try {
    const vpc = createVpcClient({ regionId: REGION, endpoint: emu.url, credentials: LOCAL_ACCESS_KEY });
    const ids: string[] = [];
    for (let i = 0; i < options.sessions; i++) {
      ids.push(
        (
          await vpc.createTrafficMirrorSession({
            ...request(i),
            TrafficMirrorTargetType: 'SLB',
            Priority: i + 1,
            Enabled: true,
          })
        ).TrafficMirrorSessionId,
      );
    }
    let listCalls = 0;
    const detectedAt = await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          await clock.sleep(5_000);
          listCalls++;
          const page = await vpc.listTrafficMirrorSessions({
            RegionId: REGION,
            TrafficMirrorSessionIds: [id],
          });
          if (page.TrafficMirrorSessions[0]?.TrafficMirrorSessionStatus === 'Created') return clock.now();
        }
      }),
    );
    const sessions = new Map(emu.model.liveSessions().map((s) => [s.id, s]));
    return figures(
      listCalls,
      ids.length,
      ids.map((id, i) => {
        const s = sessions.get(id)!;
        return { lag: (detectedAt[i]! - s.readyAt!) / 1000, creation: (s.readyAt! - s.createdAt) / 1000 };
      }),
    );
  } finally {
    await emu.close();
  }
}

async function runReconcile(options: BenchOptions, functionsDir: string): Promise<BenchResult['reconcile']> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
  const desired = join(dir, 'desired-state.yaml');
  writeFileSync(
    desired,
    stringify({
      version: 1,
      sessions: Array.from({ length: options.reconcileSessions }, (_, i) => ({
        name: `bench-${i}`,
        request: request(i),
      })),
    }),
  );
  const cloud = await startLocalCloud({
    functionsDir,
    timeScale: options.timeScale,
    inventory: benchInventory(options.reconcileSessions, options.createSeconds),
    random: seededRandom(options.seed + 1),
    desiredState: desired,
    env: { MIRRORFLOW_RECONCILE_CREATES_PER_SECOND: '10' },
  });
  try {
    const report = (await cloud.reconcile('2026-11-22T03:00:00Z')) as { handOffs: unknown[] };
    await waitForEvents(cloud, options.reconcileSessions, 600_000);
    const lag = lags(cloud).map((d) => d.lag);
    return {
      sessions: options.reconcileSessions,
      executions: report.handOffs.length,
      listCallsPerSession: round(pollingLists(cloud) / options.reconcileSessions),
      lagSeconds: { p50: round(percentile(lag, 50)), p95: round(percentile(lag, 95)) },
      perRequest: requestCosts(cloud, options.reconcileSessions),
    };
  } finally {
    await cloud.close();
  }
}

export async function runPollingBench(options: BenchOptions): Promise<BenchResult> {
  const progress = options.progress ?? (() => {});
  const functionsDir = options.functionsDir ?? mkdtempSync(join(tmpdir(), 'mf-bench-dist-'));
  if (!options.functionsDir) await bundleFunctions({ functionsDir: 'functions', outDir: functionsDir });
  progress(`mirrorflow: ${options.sessions} requests through EventBridge → intake-event → session-ready…`);
  const mirrorflow = await runMirrorflow(options, functionsDir);
  progress(`fixed 5-second poller: the same ${options.sessions} creation times…`);
  const fixedFiveSeconds = await runFixedPoller(options);
  progress(`reconcile: a desired state of ${options.reconcileSessions} sessions…`);
  const reconcile = await runReconcile(options, functionsDir);
  const { progress: _p, functionsDir: _f, ...shown } = options;
  return { options: shown, mirrorflow, fixedFiveSeconds, reconcile };
}

export function formatBench(result: BenchResult): string {
  const { options: o, mirrorflow: m, fixedFiveSeconds: f, reconcile: r } = result;
  const row = (name: string, x: PollerFigures) =>
    `${name.padEnd(26)}${String(x.listCallsPerSession).padStart(12)}${String(x.lagSeconds.p50).padStart(10)}${String(x.lagSeconds.p95).padStart(10)}${String(x.lagSeconds.max).padStart(10)}${String(x.lagPerCreation.p95).padStart(14)}`;
  const costs = (c: RequestCosts) =>
    `VPC ${Object.entries(c.vpc)
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')}; FC ${Object.entries(c.fcInvocations)
      .map(([f, n]) => `${f} ${n}`)
      .join(', ')}; ${c.stateTransitions} state transitions; ${c.putEvents} PutEvents`;
  return [
    `mirrorflow polling benchmark — ${o.sessions} sessions, creation times ${o.createSeconds.min}–${o.createSeconds.max} virtual s (seed ${o.seed}), time scale ${o.timeScale}×`,
    '',
    `${''.padEnd(26)}${'List/session'.padStart(12)}${'lag p50'.padStart(10)}${'lag p95'.padStart(10)}${'lag max'.padStart(10)}${'lag÷creation'.padStart(14)}`,
    row('mirrorflow (backoff)', m),
    row('fixed 5-second poller', f),
    '',
    `every call per request, mirrorflow: ${m.perRequest ? costs(m.perRequest) : '—'}`,
    'every call per request, fixed poller: its List calls above and 1 Create (a bare loop, not a flow: no FC, no transitions)',
    '',
    `reconcile of ${r.sessions} sessions: ${r.listCallsPerSession} List calls per session over ${r.executions} execution(s); lag p50 ${r.lagSeconds.p50} s, p95 ${r.lagSeconds.p95} s`,
    `every call per reconciled session: ${costs(r.perRequest)}`,
    '',
    'Lag: virtual seconds from the moment a session is really Created to its Ready event on the bus; lag÷creation is its p95 over the session’s creation time.',
    `Virtual time runs ${o.timeScale}× real time, so real scheduling noise of a few ms reads as a fraction of a second here.`,
  ].join('\n');
}
