/**
 * The memory benchmark: does a long-running `mirrorflow up` stay bounded? It starts `up` as a child process,
 * sends requests through the bus (dry runs, so the quota never ends the run, and one in ten invalid), each
 * answered through the whole path — intake-event, CloudFlow, check-status, the completion event — and reads
 * the process's resident memory (Linux /proc) once the first `checkpoint` requests are answered and again
 * after all of them. The budget: RSS after 20,000 requests within 1.2× of RSS after 2,000. Printed, not asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleFunctions } from '../build/bundleFunctions.js';
import type { Endpoints } from '../cli/endpoints.js';
import { percentile } from './random.js';

export const MEMORY_BUDGET_RATIO = 1.2;
/** Requests sent and not yet answered at most: the stack is measured, not flooded. */
const IN_FLIGHT = 200;
const SETTLE_READINGS = 10;

export interface MemoryBenchResult {
  scenario: 'memory';
  timeScale: number;
  /** RSS: the median of ten readings 200 ms apart once the checkpoint is reached, and their range. */
  checkpoints: {
    requests: number;
    rssMb: number;
    rssRangeMb: [number, number];
    openFds: number;
    seconds: number;
  }[];
  ratio: number;
  budget: number;
}

/** Open file descriptors of the process (sockets included): a client that never closes its sockets shows here. */
function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return Math.round(kb / 102.4) / 10;
}

async function startUp(timeScale: number): Promise<{ child: ChildProcess; endpoints: Endpoints }> {
  const functionsDir = mkdtempSync(join(tmpdir(), 'mf-mem-'));
  await bundleFunctions({ functionsDir: 'functions', outDir: functionsDir });
  const child = spawn(
    process.execPath,
    [
      'bin/mirrorflow.js',
      'up',
      '--port-base',
      '0',
      '--json',
      '--no-timers',
      '--time-scale',
      String(timeScale),
      '--functions',
      functionsDir,
      '--endpoints',
      join(functionsDir, 'endpoints.json'),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`mirrorflow up exited with ${code}`)));
  });
  return { child, endpoints: JSON.parse(line) as Endpoints };
}

const request = (i: number) =>
  i % 10 === 9
    ? { RegionId: 'cn-hangzhou', TrafficMirrorSourceIds: 'not-a-list' }
    : {
        RegionId: 'cn-hangzhou',
        TrafficMirrorSourceIds: ['eni-bp1web01'],
        TrafficMirrorTargetId: 'eni-bp1ids01',
        TrafficMirrorTargetType: 'NetworkInterface',
        TrafficMirrorFilterId: 'tmf-bp1all01',
        DryRun: true,
        Correlation: { bench: `memory-${i}` },
      };

/** Counts the completion events on the bus as they arrive (`?since=` the last position read). */
class Answers {
  private since = 0;
  count = 0;
  constructor(private readonly busUrl: string) {}

  async poll(): Promise<void> {
    const response = await fetch(`${this.busUrl}/events?since=${this.since}&wait=1`);
    const events = (await response.json()) as { type: string }[];
    this.since = Number(response.headers.get('x-mirrorflow-next') ?? this.since + events.length);
    this.count += events.filter((e) => e.type.startsWith('mirrorflow:TrafficMirrorSession:')).length;
  }
}

async function send(busUrl: string, bus: string, i: number): Promise<void> {
  const response = await fetch(`${busUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({
      specversion: '1.0',
      aliyuneventbusname: bus,
      id: `memory-${i}`,
      source: 'bench.memory',
      type: 'mirrorflow:MirrorRequest:Submitted',
      data: request(i),
    }),
  });
  if (response.status !== 200) throw new Error(`the bus refused request ${i}: ${response.status}`);
}

export async function runMemoryBench(options: {
  requests: number;
  checkpoint: number;
  timeScale: number;
  progress?: (line: string) => void;
}): Promise<MemoryBenchResult> {
  const { child, endpoints } = await startUp(options.timeScale);
  const started = Date.now();
  const checkpoints: MemoryBenchResult['checkpoints'] = [];
  try {
    const answers = new Answers(endpoints.eventbridge);
    let sent = 0;
    for (const target of [options.checkpoint, options.requests]) {
      while (answers.count < target) {
        const room = Math.min(IN_FLIGHT - (sent - answers.count), target - sent);
        const batch = Array.from({ length: Math.max(0, room) }, (_, k) => sent + k);
        sent += batch.length;
        await Promise.all(
          batch.map((i) => send(endpoints.eventbridge, endpoints.eventBus ?? 'mirrorflow', i)),
        );
        await answers.poll();
      }
      // Let what is left of the last requests' work (finished executions, idle instances) settle, reading the
      // RSS as it does: one reading falls anywhere in a garbage collector's cycle (±50 MB here), the median of
      // ten does not.
      const readings: number[] = [];
      for (let k = 0; k < SETTLE_READINGS; k++) {
        await new Promise((r) => setTimeout(r, 200));
        readings.push(rssMb(child.pid!));
      }
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      checkpoints.push({
        requests: target,
        rssMb: percentile(readings, 50),
        rssRangeMb: [Math.min(...readings), Math.max(...readings)],
        openFds: openFds(child.pid!),
        seconds,
      });
      const last = checkpoints.at(-1)!;
      options.progress?.(
        `${target} requests answered after ${seconds} s: RSS ${last.rssMb} MB (${last.rssRangeMb.join('–')}), ${last.openFds} open fds`,
      );
    }
  } finally {
    child.kill('SIGTERM');
  }
  const ratio = Math.round((checkpoints[1]!.rssMb / checkpoints[0]!.rssMb) * 100) / 100;
  return {
    scenario: 'memory',
    timeScale: options.timeScale,
    checkpoints,
    ratio,
    budget: MEMORY_BUDGET_RATIO,
  };
}

export function formatMemoryBench(r: MemoryBenchResult): string {
  const [first, last] = r.checkpoints;
  return [
    `mirrorflow up, resident memory (Linux VmRSS, median of ten readings), requests through the bus at time scale ${r.timeScale}`,
    `  after ${first!.requests} requests: ${first!.rssMb} MB (readings ${first!.rssRangeMb.join('–')}), ${first!.openFds} open fds (${first!.seconds} s)`,
    `  after ${last!.requests} requests: ${last!.rssMb} MB (readings ${last!.rssRangeMb.join('–')}), ${last!.openFds} open fds (${last!.seconds} s)`,
    `  ratio ${r.ratio}× (budget ≤ ${r.budget}×) ${r.ratio <= r.budget ? 'met' : 'NOT met'}`,
  ].join('\n');
}
