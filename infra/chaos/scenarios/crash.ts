/**
 * THE CRASH ROW: `mirrorflow up --state DIR --port-base 0 --json --no-timers` as a child process, N requests
 * sent to it (half as events on the bus's local `POST /events`, half as signed webhook deliveries), the child
 * killed with SIGKILL once half of them were accepted (the rest are in flight or not sent yet), then started
 * again with the same DIR. What the senders had not got accepted before the crash they send again to the new
 * stack (same event id / same delivery id, signed with the new stack's secret), as at-least-once senders do.
 * Counted: every request accepted — before the crash above all — answered exactly once, across both lives
 * (the completion events of the first life are followed as they are put, by long polling its bus).
 * `--state DIR` keeps what the services keep (infra/local/durable/stateDir.ts): the restarted stack resumes
 * the executions, the bus's owed deliveries and FC's async queue.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRpcCaller } from '../../../functions/lib/cloud/rpcCaller.js';
import type { Endpoints } from '../../cli/endpoints.js';
import { EventCollector } from '../collector.js';
import type { Scenario } from '../scenario.js';
import { statusLine } from '../scenario.js';
import type { ChaosContext } from '../stack.js';
import { type SentRequest, sessionsPerGroup } from '../tally.js';
import {
  cloudEvent,
  deliverWebhook,
  eventToken,
  inPool,
  putEvent,
  type WebhookDelivery,
  Wire,
  webhookToken,
} from '../wire.js';
import { chaosInventory, groupOfSource, mirrorRequest, sourceOf } from '../world.js';

export interface UpChild {
  endpoints: Endpoints;
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Starts one `mirrorflow up` on free ports with the given state directory; resolves at its JSON line. */
export type SpawnUp = (stateDir: string, ctx: ChaosContext) => Promise<UpChild>;

/** The real thing: `node bin/mirrorflow.js up --state DIR --port-base 0 --json --no-timers`. */
export const spawnMirrorflowUp: SpawnUp = (stateDir, ctx) => {
  // Next to the state directory (removed with it): a killed `up` leaves its endpoints file behind.
  const endpointsFile = join(dirname(stateDir), `endpoints-${Date.now()}.json`);
  const child = spawn(
    process.execPath,
    [
      'bin/mirrorflow.js',
      'up',
      '--state',
      stateDir,
      '--port-base',
      '0',
      '--json',
      '--no-timers',
      '--time-scale',
      String(ctx.timeScale),
      '--functions',
      ctx.functionsDir,
      '--endpoints',
      endpointsFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<UpChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mirrorflow up gave no ready line within 60 s; stderr: ${stderr}`));
    }, 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({ endpoints: JSON.parse(line) as Endpoints, child, exited, stderr: () => stderr });
      } catch {
        reject(new Error(`mirrorflow up's first line is not JSON: ${line}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mirrorflow up exited with ${code} before it was ready; stderr: ${stderr}`));
    });
  });
};

interface Pending {
  i: number;
  request: SentRequest;
  event?: Record<string, unknown>;
  delivery?: WebhookDelivery;
  acceptedBeforeCrash: boolean;
}

const SOURCE = 'chaos.crash';

/** No execution of the session-ready flow running (ListExecutions, signed with the stack's local key). */
export async function executionsRunning(endpoints: Endpoints): Promise<number> {
  const call = createRpcCaller({
    endpoint: endpoints.fnf,
    apiVersion: '2019-03-15',
    credentials: { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
    timeoutMs: 10_000,
  });
  const page = await call('ListExecutions', { FlowName: 'session-ready', Status: 'Running', Limit: 100 });
  return ((page.Executions as unknown[] | undefined) ?? []).length;
}

/** The chaos world on a running stack's VPC emulator (its sessions kept). */
async function setWorld(endpoints: Endpoints, size: number): Promise<void> {
  const world = await fetch(`${endpoints.admin}/inventory`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chaosInventory(size)),
  });
  if (world.status !== 200)
    throw new Error(`the emulator refused the chaos inventory: ${await world.text()}`);
}

async function hasWorld(endpoints: Endpoints): Promise<boolean> {
  const inventory = (await (await fetch(`${endpoints.admin}/inventory`)).json()) as {
    networkInterfaces?: { id: string }[];
  };
  return (inventory.networkInterfaces ?? []).some((n) => n.id === sourceOf(0));
}

export function crashRow(options: { spawnUp?: SpawnUp } = {}): Scenario {
  const spawnUp = options.spawnUp ?? spawnMirrorflowUp;
  return {
    id: 'crash',
    title: 'kill -9 mid-flight, restart same --state',
    run: async (ctx) => {
      const root = mkdtempSync(join(tmpdir(), 'mf-chaos-crash-'));
      // A directory that does not exist yet: `--state DIR` creates it (today `--state` takes it as a file).
      const stateDir = join(root, 'state');
      const wire = new Wire();
      let killed = false;
      let dropsBeforeKill = 0;
      let up: UpChild | undefined;
      try {
        up = await spawnUp(stateDir, ctx);
        const first = up.endpoints;
        await setWorld(first, ctx.requests);
        const events = new EventCollector(first.eventbridge);
        events.follow();

        const pending: Pending[] = Array.from({ length: ctx.requests }, (_, i) => {
          const id = `crash-${i}`;
          if (i % 2 === 0) {
            return {
              i,
              request: { token: eventToken(SOURCE, id), group: sourceOf(i), accepted: false },
              event: cloudEvent({ source: SOURCE, id, data: mirrorRequest(i) }),
              acceptedBeforeCrash: false,
            };
          }
          const delivery: WebhookDelivery = {
            raw: JSON.stringify({ request: mirrorRequest(i) }),
            deliveryId: id,
            scheme: 'v2',
          };
          return {
            i,
            request: { token: webhookToken(delivery), group: sourceOf(i), accepted: false },
            delivery,
            acceptedBeforeCrash: false,
          };
        });
        const crashAfter = Math.ceil(ctx.requests / 2);
        let accepted = 0;
        const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms / ctx.timeScale));
        const send = async (p: Pending, endpoints: Endpoints, attempts: number) => {
          if (p.event) {
            const answer = await putEvent(wire, endpoints.eventbridge, p.event);
            if (answer.status === null && !killed) dropsBeforeKill++;
            return answer.status === 200;
          }
          const sent = await deliverWebhook(
            wire,
            { url: endpoints.webhook, secret: endpoints.webhookSecret },
            p.delivery!,
            { maxAttempts: attempts, sleep },
          );
          if (sent.last.status === null && !killed) dropsBeforeKill++;
          return sent.accepted;
        };
        // Life 1: send until half are accepted, then SIGKILL at once, with the rest in flight or unsent.
        await inPool(pending, 8, async (p) => {
          if (killed) return;
          const ok = await send(p, first, 1);
          if (!ok || killed) return;
          p.acceptedBeforeCrash = true;
          p.request.accepted = true;
          if (++accepted >= crashAfter && !killed) {
            killed = true;
            up!.child.kill('SIGKILL');
          }
        });
        if (!killed) {
          killed = true;
          up.child.kill('SIGKILL');
        }
        await up.exited;
        await events.stop();
        const answeredBeforeCrash = new Set(events.events.map((e) => e.token)).size;

        // Life 2: the same state directory; the senders send what was not accepted again.
        up = await spawnUp(stateDir, ctx);
        const second = up.endpoints;
        // The cloud's ENIs, targets and filters outlive any crash of mirrorflow's: a world the restarted
        // emulator did not keep is set again (keeping its sessions), and said so.
        const worldKept = await hasWorld(second);
        if (!worldKept) await setWorld(second, ctx.requests);
        events.switchTo(second.eventbridge);
        events.follow();
        const resend = pending.filter((p) => !p.request.accepted);
        await inPool(resend, 8, async (p) => {
          p.request.accepted = await send(p, second, ctx.senderAttempts);
        });
        // Settled: no execution running and no new completion event for a while (or the cap).
        const until = Date.now() + ctx.settleTimeoutMs;
        const quietMs = Math.max(2_000, 600_000 / ctx.timeScale);
        let lastCount = -1;
        let quietSince = Date.now();
        let settled = false;
        while (Date.now() < until) {
          await new Promise((r) => setTimeout(r, 250));
          if (events.events.length !== lastCount) {
            lastCount = events.events.length;
            quietSince = Date.now();
            continue;
          }
          if (Date.now() - quietSince >= quietMs && (await executionsRunning(second)) === 0) {
            settled = true;
            break;
          }
        }
        await events.stop();
        await events.poll();
        const listed = (await (await fetch(`${second.admin}/sessions`)).json()) as {
          sessions: { TrafficMirrorSourceIds: string[] }[];
        };
        const sessions = sessionsPerGroup(
          listed.sessions.map((s) => ({ sourceIds: s.TrafficMirrorSourceIds })),
          groupOfSource,
        );
        const before = pending.filter((p) => p.acceptedBeforeCrash);
        const answeredOf = (list: Pending[]) =>
          list.filter((p) => events.events.some((e) => e.token === p.request.token)).length;
        const { counts } = wire;
        return {
          settled,
          observation: {
            requests: pending.map((p) => p.request),
            events: events.events,
            sessions,
            serverErrors: counts.serverErrors,
            // Connections the kill cut are the point of the row; only drops before it count.
            dropped: dropsBeforeKill,
            vpcCallsFromInvalid: null,
          },
          notes: [
            `accepted before the crash ${before.length} (answered before it ${answeredBeforeCrash}; answered at all ${answeredOf(before)}); sent again after the restart ${resend.length}${worldKept ? '' : '; the restarted emulator had lost the world (inventory): set again'}`,
            `answers ${statusLine(counts)} (drops after the kill not counted); ${events.answersNote()}`,
          ],
        };
      } finally {
        if (up && up.child.exitCode === null && up.child.signalCode === null) {
          up.child.kill('SIGTERM');
          await up.exited;
        }
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

export const crash = crashRow();
