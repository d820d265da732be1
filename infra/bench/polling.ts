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
const figures = (listCalls: number, sessions: number, lags: number[]): PollerFigures => ({
  listCallsPerSession: round(listCalls / sessions),
  lagSeconds: {
    p50: round(percentile(lags, 50)),
    p95: round(percentile(lags, 95)),
    max: round(Math.max(...lags)),
  },
});
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

/** Ready-event arrival minus the session's real Created time, per session, in virtual seconds. */
function lags(cloud: LocalCloud): number[] {
  const readyAt = new Map(cloud.vpc.model.liveSessions().map((s) => [s.id, s.readyAt]));
  const out: number[] = [];
  cloud.stack.bus.events.forEach((event, index) => {
    if (event.type !== 'mirrorflow:TrafficMirrorSession:Ready') return;
    const created = readyAt.get(String((event.data as { sessionId?: string }).sessionId));
    if (created !== undefined && created !== null)
      out.push((cloud.stack.bus.arrivals[index]! - created) / 1000);
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
    return figures(pollingLists(cloud), options.sessions, lags(cloud));
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
    const readyAt = new Map(emu.model.liveSessions().map((s) => [s.id, s.readyAt!]));
    return figures(
      listCalls,
      ids.length,
      ids.map((id, i) => (detectedAt[i]! - readyAt.get(id)!) / 1000),
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
    const lag = lags(cloud);
    return {
      sessions: options.reconcileSessions,
      executions: report.handOffs.length,
      listCallsPerSession: round(pollingLists(cloud) / options.reconcileSessions),
      lagSeconds: { p50: round(percentile(lag, 50)), p95: round(percentile(lag, 95)) },
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
    `${name.padEnd(26)}${String(x.listCallsPerSession).padStart(12)}${String(x.lagSeconds.p50).padStart(10)}${String(x.lagSeconds.p95).padStart(10)}${String(x.lagSeconds.max).padStart(10)}`;
  return [
    `mirrorflow polling benchmark — ${o.sessions} sessions, creation times ${o.createSeconds.min}–${o.createSeconds.max} virtual s (seed ${o.seed}), time scale ${o.timeScale}×`,
    '',
    `${''.padEnd(26)}${'List/session'.padStart(12)}${'lag p50'.padStart(10)}${'lag p95'.padStart(10)}${'lag max'.padStart(10)}`,
    row('mirrorflow (backoff)', m),
    row('fixed 5-second poller', f),
    '',
    `reconcile of ${r.sessions} sessions: ${r.listCallsPerSession} List calls per session over ${r.executions} execution(s); lag p50 ${r.lagSeconds.p50} s, p95 ${r.lagSeconds.p95} s`,
    '',
    'Lag: virtual seconds from the moment a session is really Created to its Ready event on the bus.',
    `Virtual time runs ${o.timeScale}× real time, so real scheduling noise of a few ms reads as a fraction of a second here.`,
  ].join('\n');
}
