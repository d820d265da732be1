/**
 * `kill -9` of `mirrorflow up --state DIR` while requests are in flight, then a restart on the same
 * directory: every request accepted before the crash (bus 200, webhook 202) is answered, once, and owns one
 * session. Nothing is resent after the crash: the restarted stack finishes what it had accepted.
 *
 * The stack runs in real time (time scale 1), where a creation takes 30–90 s, and the test moves its clock
 * on in steps through the admin API: the moment of the crash is a point in virtual time that the test
 * chooses, not a race with the stack.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMirrorflow } from '../../functions/lib/triggers/webhookSignature.js';
import { executionsRunning } from '../../infra/chaos/scenarios/crash.js';
import type { Endpoints } from '../../infra/cli/endpoints.js';
import { DEMO_INVENTORY_FILE } from '../../infra/local/vpc/inventory.js';
import { type RunningCommand, startCommand } from '../helpers/childProcess.js';
import { productBundles } from '../helpers/localCloud.js';

const REQUESTS = 24;
const running: RunningCommand<Endpoints>[] = [];
let functionsDir: string;

async function startUp(stateDir: string): Promise<RunningCommand<Endpoints>> {
  const up = await startCommand<Endpoints>([
    'up',
    '--state',
    stateDir,
    '--port-base',
    '0',
    '--json',
    '--time-scale',
    '1',
    '--functions',
    functionsDir,
    '--endpoints',
    join(stateDir, 'endpoints.json'),
    '--no-timers',
    // The creation times the emulator draws are the same in every run.
    '--seed',
    '7',
  ]);
  running.push(up);
  return up;
}

/** The demo inventory with one source ENI per request and two sensors, and creations slow enough to crash into. */
function crashInventory(): Record<string, unknown> {
  const demo = JSON.parse(readFileSync(DEMO_INVENTORY_FILE, 'utf8')) as Record<string, unknown[]> & {
    lifecycle: Record<string, unknown>;
  };
  const sources = Array.from({ length: REQUESTS }, (_, i) => `crash${String(i).padStart(2, '0')}`);
  return {
    ...demo,
    instances: [
      ...demo.instances!,
      ...sources.map((s) => ({ id: `i-${s}`, regionId: 'cn-hangzhou', instanceType: 'ecs.g7.large' })),
      ...['idsa', 'idsb'].map((s) => ({
        id: `i-${s}`,
        regionId: 'cn-hangzhou',
        instanceType: 'ecs.g7.8xlarge',
      })),
    ],
    networkInterfaces: [
      ...demo.networkInterfaces!,
      ...[...sources, 'idsa', 'idsb'].map((s) => ({
        id: `eni-${s}`,
        regionId: 'cn-hangzhou',
        instanceId: `i-${s}`,
      })),
    ],
    lifecycle: { ...demo.lifecycle, createSeconds: { min: 30, max: 90 } },
  };
}

const requestFor = (i: number) => ({
  RegionId: 'cn-hangzhou',
  TrafficMirrorSourceIds: [`eni-crash${String(i).padStart(2, '0')}`],
  TrafficMirrorTargetId: i % 2 ? 'eni-idsb' : 'eni-idsa',
  TrafficMirrorTargetType: 'NetworkInterface',
  TrafficMirrorFilterId: 'tmf-bp1all01',
  Correlation: { request: `crash-${i}` },
});

/** Sends request i through the bus (even) or the webhook (odd); true when it was accepted. */
async function send(up: RunningCommand<Endpoints>, i: number): Promise<boolean> {
  if (i % 2 === 0) {
    const response = await fetch(`${up.ready.eventbridge}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        aliyuneventbusname: up.ready.eventBus,
        id: `crash-evt-${i}`,
        source: 'acs.test.crash',
        type: 'mirrorflow:MirrorRequest:Submitted',
        data: requestFor(i),
      }),
    });
    return response.status === 200;
  }
  const body = JSON.stringify({ request: requestFor(i) });
  const delivery = `crash-delivery-${i}`;
  const response = await fetch(up.ready.webhook, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mirrorflow-delivery': delivery,
      'x-mirrorflow-signature': signMirrorflow(
        up.ready.webhookSecret,
        body,
        Math.floor(Date.now() / 1000),
        delivery,
      ),
    },
    body,
  });
  return response.status === 202;
}

interface BusEvent {
  id: string;
  type: string;
  data: { outcome?: string; correlation?: Record<string, string> };
}

const completions = async (up: RunningCommand<Endpoints>) =>
  ((await (await fetch(`${up.ready.eventbridge}/events`)).json()) as BusEvent[]).filter((e) =>
    e.type.startsWith('mirrorflow:TrafficMirrorSession:'),
  );

/** Virtual seconds the clock moves on per step: a few of the 30–90 s creations can finish within one. */
const STEP_SECONDS = 5;
/** Steps before giving up: far more virtual time than the slowest creation and its polls need. */
const MAX_STEPS = 120;

/**
 * Moves the stack's clock on, `STEP_SECONDS` at a time, until `reached` holds. After each step it waits for
 * the bus's next event (a long poll, at most a second): what the step woke has then had its chance to answer.
 */
async function stepUntil(
  up: RunningCommand<Endpoints>,
  what: string,
  reached: () => Promise<boolean>,
): Promise<void> {
  for (let step = 0; step < MAX_STEPS; step++) {
    if (await reached()) return;
    const next = (await fetch(`${up.ready.eventbridge}/events?since=0`)).headers.get('x-mirrorflow-next');
    const moved = await fetch(`${up.ready.admin}/time`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: STEP_SECONDS }),
    });
    expect(moved.status).toBe(200);
    await (await fetch(`${up.ready.eventbridge}/events?since=${next}&wait=1`)).arrayBuffer();
  }
  throw new Error(`${what}: not reached after ${MAX_STEPS} steps of ${STEP_SECONDS} virtual seconds`);
}

beforeAll(async () => {
  functionsDir = await productBundles();
}, 120_000);
// A test that failed midway leaves no stack running behind it (SIGKILL: nothing of it is needed any more).
afterAll(async () => {
  for (const up of running)
    if (up.child.exitCode === null && up.child.signalCode === null) await up.stop('SIGKILL');
});

/**
 * Sends every request to a stack on a new state directory, kills it with SIGKILL when `crashWhen` says,
 * restarts it on the same directory and checks each accepted request's answers and sessions.
 */
async function crashAndRestart(
  crashWhen: (answered: number) => boolean,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ atCrash: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'mf-crash-'));
  const first = await startUp(stateDir);
  const inventory = await fetch(`${first.ready.admin}/inventory`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(crashInventory()),
  });
  expect(inventory.status).toBe(200);

  const accepted = (
    await Promise.all(Array.from({ length: REQUESTS }, async (_, i) => ((await send(first, i)) ? i : -1)))
  ).filter((i) => i >= 0);
  expect(accepted).toHaveLength(REQUESTS);
  await stepUntil(first, 'the moment to crash', async () => crashWhen((await completions(first)).length));
  const atCrash = (await completions(first)).length;
  const exit = await first.stop(signal);
  if (signal === 'SIGKILL') expect(exit).toBe(null);

  const second = await startUp(stateDir);
  await stepUntil(second, 'every accepted request answered', async () => {
    const requests = new Set((await completions(second)).map((e) => e.data.correlation?.request));
    return accepted.every((i) => requests.has(`crash-${i}`));
  });
  // A duplicate would come from a flow still running: wait until none is, then count.
  await stepUntil(second, 'every execution ended', async () => (await executionsRunning(second.ready)) === 0);
  const final = await completions(second);
  for (const i of accepted) {
    const mine = final.filter((e) => e.data.correlation?.request === `crash-${i}`);
    expect(new Set(mine.map((e) => e.id)).size, `request ${i}: ${JSON.stringify(mine)}`).toBe(1);
    expect(mine[0]!.data.outcome).toBe('Ready');
  }
  const sessions = (
    (await (await fetch(`${second.ready.admin}/sessions`)).json()) as {
      sessions: { TrafficMirrorSourceIds: string[] }[];
    }
  ).sessions;
  for (const i of accepted) {
    const source = requestFor(i).TrafficMirrorSourceIds[0]!;
    expect(sessions.filter((s) => s.TrafficMirrorSourceIds.includes(source))).toHaveLength(1);
  }
  await second.stop();
  return { atCrash };
}

describe('mirrorflow up --state DIR, killed with SIGKILL (or stopped), then started again on the same directory', () => {
  it('right after accepting: the owed bus deliveries and queued invocations run, each request answered once', async () => {
    const { atCrash } = await crashAndRestart(() => true);
    expect(atCrash).toBeLessThan(REQUESTS);
  }, 180_000);

  it('with flows mid-poll: they resume from their last completed state, each request answered once', async () => {
    const { atCrash } = await crashAndRestart((answered) => answered >= 2);
    expect(atCrash).toBeLessThan(REQUESTS);
  }, 180_000);

  it('stopped with Ctrl-C mid-poll instead: started again, it carries on just the same', async () => {
    const { atCrash } = await crashAndRestart((answered) => answered >= 2, 'SIGINT');
    expect(atCrash).toBeLessThan(REQUESTS);
  }, 180_000);
});
