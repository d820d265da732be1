/**
 * The plan benchmark: reading an N-entry desired state and planning it against N existing sessions, in CPU
 * time (process.cpuUsage, so a busy machine slows the wall clock, not the figure). The budgets: the plan
 * ≤ 1 s, reading + plan ≤ 2 s for 20,000 vs 20,000; "the plan" counted with what an apply invocation does from
 * it before its first Create, and the first run (a cold instance's) shown beside the median. Reading is timed in both forms: JSON, as the build ships it
 * in reconcile's package, and YAML, as a URL may serve it. Printed, never asserted.
 */
import { stringify } from 'yaml';
import { jsonDesiredState } from '../../functions/lib/contract/desiredState.js';
import { parseDesiredState } from '../../functions/lib/contract/desiredStateText.js';
import { ORIGIN_TAG_KEY, OWNERSHIP_TAG_KEY } from '../../functions/lib/contract/sessionTags.js';
import { loadConfig } from '../../functions/lib/runtime/config.js';
import { priorityKey } from '../../functions/lib/steps/priority.js';
import { freePriorities } from '../../functions/lib/steps/reconcile.js';
import { type Plan, planReconcile, type RegionalSession } from '../../functions/lib/steps/reconcilePlan.js';
import { listsFromPlan } from '../../functions/lib/steps/reconcileReport.js';

export interface PlanBenchResult {
  scenario: 'plan';
  entries: number;
  sessions: number;
  runs: number;
  /** Median CPU milliseconds of each part over the runs: reading JSON (as shipped), and reading YAML. */
  readCpuMs: number;
  readYamlCpuMs: number;
  planCpuMs: number;
  /**
   * The plan with what an apply invocation does from it before its first Create: the report's lists, each
   * region's free priorities from the listing, and a priority taken for every entry to create.
   */
  preparedCpuMs: number;
  /** Reading the shipped JSON and the prepared plan: a reconcile invocation's work before its first call. */
  totalCpuMs: number;
  totalYamlCpuMs: number;
  /** The same, the first time in the process (code not yet optimised): what a cold instance pays. */
  firstRunCpuMs: number;
  budget: { planCpuMs: number; totalCpuMs: number };
  statuses: Record<string, number>;
}

const REGION = 'cn-hangzhou';

/** N entries; the sessions: most unchanged, every 10th drifted (name), every 25th missing, and a few to prune. */
function fixture(n: number): { yaml: string; json: string; sessions: RegionalSession[] } {
  const entries = Array.from({ length: n }, (_, i) => ({
    name: `entry-${i}`,
    request: {
      RegionId: REGION,
      TrafficMirrorSourceIds: [`eni-s${i}`],
      TrafficMirrorTargetId: `eni-t${i % 50}`,
      TrafficMirrorTargetType: 'NetworkInterface',
      TrafficMirrorFilterId: `tmf-f${i % 7}`,
      TrafficMirrorSessionName: `entry-${i}`,
    },
  }));
  const sessions: RegionalSession[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 25 === 0) continue;
    const name = i % 10 === 0 ? `renamed-${i}` : `entry-${i}`;
    sessions.push(session(i, `entry-${i}`, name));
  }
  for (let i = 0; sessions.length < n; i++) sessions.push(session(n + i, `gone-${i}`, `gone-${i}`));
  const document = { version: 1, sessions: entries };
  return { yaml: stringify(document), json: JSON.stringify(document), sessions };
}

function session(i: number, entry: string, name: string): RegionalSession {
  return {
    RegionId: REGION,
    TrafficMirrorSessionId: `tms-${i}`,
    TrafficMirrorSessionName: name,
    TrafficMirrorSessionStatus: 'Created',
    Enabled: true,
    Priority: 1000 + i,
    TrafficMirrorFilterId: `tmf-f${i % 7}`,
    TrafficMirrorSourceIds: [`eni-s${i}`],
    TrafficMirrorTargetId: `eni-t${i % 50}`,
    TrafficMirrorTargetType: 'NetworkInterface',
    Tags: [
      { Key: OWNERSHIP_TAG_KEY, Value: 'mirrorflow' },
      { Key: ORIGIN_TAG_KEY, Value: `reconcile.${entry}` },
    ],
  };
}

/** What an apply invocation does from a fresh plan before its first Create (reconcile.ts, reconcileApply.ts). */
function prepare(plan: Plan, sessions: RegionalSession[], range: { min: number; max: number }): void {
  listsFromPlan(plan, 'apply', true);
  const free = freePriorities(plan, sessions, range);
  for (const e of plan.entries)
    if (e.status === 'create' && e.request && e.request.Priority === undefined)
      free.get(e.request.RegionId)?.take(priorityKey(e.request));
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function runPlanBench(options: { entries: number; runs: number }): PlanBenchResult {
  const { yaml, json, sessions } = fixture(options.entries);
  const read: number[] = [];
  const readYaml: number[] = [];
  const planned: number[] = [];
  const prepared: number[] = [];
  let firstRunCpuMs = 0;
  let statuses: Record<string, number> = {};
  const { priorityRange } = loadConfig({});
  for (let run = 0; run < options.runs; run++) {
    // JSON first, so the first run's figure is a cold instance's: nothing of reading or planning has run yet.
    let start = process.cpuUsage();
    const desired = jsonDesiredState(json)!;
    read.push(cpuMs(start));
    const planStart = process.cpuUsage();
    const plan = planReconcile(desired, sessions, 'mirrorflow');
    planned.push(cpuMs(planStart));
    prepare(plan, sessions, priorityRange);
    prepared.push(cpuMs(planStart));
    if (run === 0) firstRunCpuMs = Math.round(cpuMs(start));
    start = process.cpuUsage();
    parseDesiredState(yaml);
    readYaml.push(cpuMs(start));
    statuses = { prune: plan.prune.length };
    for (const e of plan.entries) statuses[e.status] = (statuses[e.status] ?? 0) + 1;
  }
  const readCpuMs = Math.round(median(read));
  const readYamlCpuMs = Math.round(median(readYaml));
  const planCpuMs = Math.round(median(planned));
  const preparedCpuMs = Math.round(median(prepared));
  return {
    scenario: 'plan',
    entries: options.entries,
    sessions: sessions.length,
    runs: options.runs,
    readCpuMs,
    readYamlCpuMs,
    planCpuMs,
    preparedCpuMs,
    totalCpuMs: readCpuMs + preparedCpuMs,
    totalYamlCpuMs: readYamlCpuMs + preparedCpuMs,
    firstRunCpuMs,
    budget: { planCpuMs: 1000, totalCpuMs: 2000 },
    statuses,
  };
}

export function formatPlanBench(r: PlanBenchResult): string {
  const mark = (value: number, budget: number) =>
    `${value} ms ${value <= budget ? '≤' : '>'} ${budget} ms budget`;
  return [
    `plan: ${r.entries} desired entries vs ${r.sessions} existing sessions, median CPU of ${r.runs} runs`,
    `  reading the desired state (JSON as shipped + contract)  ${r.readCpuMs} ms`,
    `  planning (matching entries to sessions)                ${r.planCpuMs} ms`,
    `  with the lists, free priorities and every create's one  ${mark(r.preparedCpuMs, r.budget.planCpuMs)}`,
    `  reading and planning                                   ${mark(r.totalCpuMs, r.budget.totalCpuMs)}`,
    `  the same, first run in this process (a cold instance)   ${mark(r.firstRunCpuMs, r.budget.totalCpuMs)}`,
    `  reading it as YAML (a URL serving YAML) instead         ${r.readYamlCpuMs} ms; with planning ${mark(r.totalYamlCpuMs, r.budget.totalCpuMs)}`,
    `  plan: ${Object.entries(r.statuses)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ].join('\n');
}
