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
import { fileURLToPath } from 'node:url';
import { createVpcClient } from '../../functions/lib/cloud/vpcClient.js';
import { createWorkflowClient } from '../../functions/lib/cloud/workflowClient.js';
import { jobItem, newJob } from '../../functions/lib/contract/flowJob.js';
import { bundleFunctions } from '../build/bundleFunctions.js';
import { LOCAL_ACCOUNT_ID, type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { LOCAL_ACCESS_KEY } from '../local/credentials.js';
import { loadFlowFile } from '../local/fnf/flows.js';
import {
  benchInventory,
  pollingLists,
  REGION,
  type RequestCosts,
  request,
  requestCosts,
  round,
  waitForEvents,
} from './benchStack.js';
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
  /** Share of sessions whose lag is within 0.15 × their creation time + 2 s (the goal: ≥ 0.95). */
  withinLagBound: number;
  /** Every call per request: VPC (look-ups included), FC invocations, CloudFlow state transitions, PutEvents. */
  perRequest?: RequestCosts;
}

export interface BenchResult {
  options: Omit<BenchOptions, 'progress' | 'functionsDir'>;
  mirrorflow: PollerFigures;
  /** The naive flow on the same stack: look, wait 5 s, look again (`naive-poll.yaml`). */
  naiveFlow: PollerFigures;
  /**
   * One request alone, its session taking the longest creation time: every List call it caused, its lag and
   * every call; and the same request through the naive flow.
   */
  loneRequest: {
    creationSeconds: number;
    listCalls: number;
    lagSeconds: number;
    perRequest: RequestCosts;
    naive: { listCalls: number; lagSeconds: number; perRequest: RequestCosts };
  };
  reconcile: {
    sessions: number;
    executions: number;
    listCallsPerSession: number;
    lagSeconds: { p50: number; p95: number };
    perRequest: RequestCosts;
  };
}

/** A session's detection lag and its creation time, in virtual seconds. */
interface Detection {
  lag: number;
  creation: number;
}
/** The lag a session may have: this share of its creation time plus these seconds. */
const LAG_BOUND = { share: 0.15, seconds: 2 };
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
    withinLagBound: round(
      detections.filter((d) => d.lag <= LAG_BOUND.share * d.creation + LAG_BOUND.seconds).length /
        Math.max(1, detections.length),
    ),
  };
};

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
    // The requests are the only traffic: no scheduled reconcile joins them.
    runTimers: false,
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

/**
 * The anchor: the naive flow a user would write (`naive-poll.yaml`: look, wait a fixed 5 s, look again), one
 * execution per request, each look a List call of its own, on a stack of its own with the same seed, so its
 * sessions take the same creation times. The bench creates each session itself (one Create, as intake would) and starts the execution.
 */
async function runNaiveFlow(options: BenchOptions, functionsDir: string): Promise<PollerFigures> {
  const cloud = await startLocalCloud({
    functionsDir,
    // The naive flow's looks are its own: each one at once and a List call of its own, as a flow a user writes
    // first would make them (check-status's shared looks off).
    env: { ...process.env, MIRRORFLOW_POLL_SHARED: 'false' },
    timeScale: options.timeScale,
    inventory: benchInventory(options.sessions, options.createSeconds),
    random: seededRandom(options.seed),
    runTimers: false,
    extraFlows: [
      {
        name: 'naive-poll',
        definition: loadFlowFile(fileURLToPath(new URL('./naive-poll.yaml', import.meta.url))),
        roleArn: `acs:ram::${LOCAL_ACCOUNT_ID}:role/mirrorflow-session-ready`,
      },
    ],
  });
  try {
    const vpc = createVpcClient({ regionId: REGION, endpoint: cloud.vpc.url, credentials: LOCAL_ACCESS_KEY });
    const fnf = createWorkflowClient({
      regionId: REGION,
      endpoint: cloud.fnf.url,
      credentials: LOCAL_ACCESS_KEY,
    });
    for (let i = 0; i < options.sessions; i++) {
      const mirrorRequest = {
        ...request(i),
        TrafficMirrorTargetType: 'SLB' as const,
        Priority: i + 1,
        Enabled: true,
      };
      const clientToken = `naive-${i}`;
      const { TrafficMirrorSessionId: sessionId } = await vpc.createTrafficMirrorSession({
        ...mirrorRequest,
        Enabled: true,
        ClientToken: clientToken,
      });
      const item = jobItem(
        { outcome: 'Created', clientToken, request: mirrorRequest, sessionId, priority: i + 1 },
        'event',
        LOCAL_ACCOUNT_ID,
      );
      const job = newJob({
        executionName: clientToken,
        eventBusName: 'mirrorflow',
        accountId: LOCAL_ACCOUNT_ID,
        now: cloud.clock.now(),
        deadlineSeconds: 900,
        items: [item],
      });
      // Its first Look is check-status's first round, which makes no call for a session created this moment (it
      // cannot be Created yet): the naive flow's first List call is 5 s in, one fewer than looking at once.
      await fnf.startExecution({
        FlowName: 'naive-poll',
        ExecutionName: clientToken,
        Input: JSON.stringify({ job }),
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

async function runReconcile(options: BenchOptions, functionsDir: string): Promise<BenchResult['reconcile']> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
  // As the build ships it: JSON (infra/build/desiredStateFile.ts).
  const desired = join(dir, 'desired-state.json');
  writeFileSync(
    desired,
    JSON.stringify({
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
    // The bench's firing is the only one: no scheduled run joins it.
    runTimers: false,
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
  progress(`one request alone, created in ${options.createSeconds.max} s, and through the naive flow…`);
  const alone = {
    ...options,
    sessions: 1,
    createSeconds: { min: options.createSeconds.max, max: options.createSeconds.max },
  };
  const lone = await runMirrorflow(alone, functionsDir);
  const loneNaive = await runNaiveFlow(alone, functionsDir);
  const aloneFigures = (x: PollerFigures) => ({
    listCalls: x.perRequest?.vpc.ListTrafficMirrorSessions ?? 0,
    lagSeconds: x.lagSeconds.max,
    perRequest: x.perRequest!,
  });
  const loneRequest = {
    creationSeconds: options.createSeconds.max,
    ...aloneFigures(lone),
    naive: aloneFigures(loneNaive),
  };
  progress(`naive 5-second flow: the same ${options.sessions} creation times…`);
  const naiveFlow = await runNaiveFlow(options, functionsDir);
  progress(`reconcile: a desired state of ${options.reconcileSessions} sessions…`);
  const reconcile = await runReconcile(options, functionsDir);
  const { progress: _p, functionsDir: _f, ...shown } = options;
  return { options: shown, mirrorflow, naiveFlow, loneRequest, reconcile };
}

export function formatBench(result: BenchResult): string {
  const { options: o, mirrorflow: m, naiveFlow: f, loneRequest: lone, reconcile: r } = result;
  const row = (name: string, x: PollerFigures) =>
    `${name.padEnd(26)}${String(x.listCallsPerSession).padStart(12)}${String(x.lagSeconds.p50).padStart(10)}${String(x.lagSeconds.p95).padStart(10)}${String(x.lagSeconds.max).padStart(10)}${String(x.lagPerCreation.p95).padStart(14)}${`${Math.round(x.withinLagBound * 100)} %`.padStart(10)}`;
  const costs = (c: RequestCosts) =>
    `VPC ${Object.entries(c.vpc)
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')}; FC ${Object.entries(c.fcInvocations)
      .map(([f, n]) => `${f} ${n}`)
      .join(', ')}; ${c.stateTransitions} state transitions; ${c.putEvents} PutEvents`;
  return [
    `mirrorflow polling benchmark — ${o.sessions} sessions, creation times ${o.createSeconds.min}–${o.createSeconds.max} virtual s (seed ${o.seed}), time scale ${o.timeScale}×`,
    '',
    `${''.padEnd(26)}${'List/session'.padStart(12)}${'lag p50'.padStart(10)}${'lag p95'.padStart(10)}${'lag max'.padStart(10)}${'lag÷creation'.padStart(14)}${'in bound'.padStart(10)}`,
    row('mirrorflow', m),
    row('naive flow (5-second Wait)', f),
    '',
    `every call per request, mirrorflow: ${m.perRequest ? costs(m.perRequest) : '—'}`,
    `every call per request, naive flow: ${f.perRequest ? costs(f.perRequest) : '—'}`,
    `one request alone (created in ${lone.creationSeconds} s): ${lone.listCalls} List calls in all, look-ups included; lag ${lone.lagSeconds} s; every call: ${costs(lone.perRequest)}`,
    `the same request through the naive flow: ${lone.naive.listCalls} List calls; lag ${lone.naive.lagSeconds} s; every call: ${costs(lone.naive.perRequest)}`,
    '',
    `reconcile of ${r.sessions} sessions: ${r.listCallsPerSession} List calls per session over ${r.executions} execution(s); lag p50 ${r.lagSeconds.p50} s, p95 ${r.lagSeconds.p95} s`,
    `every call per reconciled session: ${costs(r.perRequest)}`,
    '',
    'Lag: virtual seconds from the moment a session is really Created to its Ready event on the bus; lag÷creation is its p95 over the session’s creation time; in bound: the share of sessions whose lag is within 0.15 × creation + 2 s.',
    `Virtual time runs ${o.timeScale}× real time, so real scheduling noise of a few ms reads as a fraction of a second here.`,
  ].join('\n');
}
