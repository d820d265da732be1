/**
 * `mirrorflow up --port-base 0 --json` as a child process: every trigger driven over HTTP with the real
 * clients, a second `up` on the same ports refused with a clear message, and a clean stop.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FCClient from '@alicloud/fc2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHub } from '../../functions/lib/triggers/webhookSignature.js';
import type { Endpoints } from '../../infra/cli/endpoints.js';
import { type RunningCommand, startCommand } from '../helpers/childProcess.js';
import { productBundles } from '../helpers/localCloud.js';

let up: RunningCommand<Endpoints>;
let functionsDir: string;
const endpointsFile = join(mkdtempSync(join(tmpdir(), 'mf-up-')), 'endpoints.json');

beforeAll(async () => {
  functionsDir = await productBundles();
  up = await startCommand<Endpoints>([
    'up',
    '--port-base',
    '0',
    '--json',
    '--time-scale',
    '50',
    '--functions',
    functionsDir,
    '--endpoints',
    endpointsFile,
    '--no-timers',
  ]);
}, 120_000);
afterAll(async () => {
  if (up.child.exitCode === null) await up.stop();
});

const request = (source: string) => ({
  RegionId: 'cn-hangzhou',
  TrafficMirrorSourceIds: [source],
  TrafficMirrorTargetId: 'eni-bp1ids01',
  TrafficMirrorTargetType: 'NetworkInterface',
  TrafficMirrorFilterId: 'tmf-bp1all01',
});

async function completionFor(predicate: (data: Record<string, unknown>) => boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  let since = 0;
  while (Date.now() < until) {
    const events = (await (await fetch(`${up.ready.eventbridge}/events?since=${since}&wait=5`)).json()) as {
      type: string;
      data: Record<string, unknown>;
    }[];
    since += events.length;
    const found = events.find(
      (e) => e.type.startsWith('mirrorflow:TrafficMirrorSession:') && predicate(e.data),
    );
    if (found) return found;
  }
  throw new Error('no completion event');
}

describe('mirrorflow up', () => {
  it('prints one JSON line with every endpoint and the local credentials', () => {
    expect(Object.keys(up.ready).sort()).toEqual(
      [
        'accessKeyId',
        'accessKeySecret',
        'admin',
        'eventBus',
        'eventbridge',
        'fc',
        'fnf',
        'regionId',
        'vpc',
        'webhook',
        'webhookSecret',
      ].sort(),
    );
    for (const key of ['vpc', 'fnf', 'fc', 'eventbridge', 'webhook', 'admin'] as const)
      expect(up.ready[key]).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('serves an EventBridge event end to end', async () => {
    const response = await fetch(`${up.ready.eventbridge}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        aliyuneventbusname: 'mirrorflow',
        id: 'up-1',
        source: 'e2e',
        type: 'mirrorflow:MirrorRequest:Submitted',
        data: { ...request('eni-bp1web01'), Correlation: { via: 'event' } },
      }),
    });
    expect(response.status).toBe(200);
    const event = await completionFor((d) => (d.correlation as Record<string, string>)?.via === 'event');
    expect(event.type).toBe('mirrorflow:TrafficMirrorSession:Ready');
  });

  it('serves a signed webhook end to end', async () => {
    const body = JSON.stringify({ request: request('eni-bp1web02'), correlation: { via: 'webhook' } });
    const response = await fetch(up.ready.webhook, {
      method: 'POST',
      headers: {
        'x-hub-signature': signHub(up.ready.webhookSecret, body),
        'x-mirrorflow-delivery': 'up-webhook-1',
      },
      body,
    });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { clientToken: string };
    const event = await completionFor((d) => d.clientToken === answer.clientToken);
    expect(event.data).toMatchObject({ outcome: 'Ready', correlation: { via: 'webhook' } });
  });

  it('serves the reconcile timer end to end (invoked as FC would, through @alicloud/fc2)', async () => {
    const fc = new FCClient('1234567890123456', {
      accessKeyID: up.ready.accessKeyId,
      accessKeySecret: up.ready.accessKeySecret,
      region: up.ready.regionId,
      endpoint: up.ready.fc,
      timeout: 120_000,
    });
    const response = await fc.invokeFunction(
      'mirrorflow',
      'reconcile',
      JSON.stringify({ triggerTime: '2026-11-22T05:00:00Z', triggerName: 'timer', payload: '{}' }),
    );
    // Whatever an earlier test already created is found in place; everything else is created.
    const { counts } = response.data as { counts: Record<string, number> };
    expect(counts.desired).toBe(3);
    // The webhook made web02 without a name: that session of ours is brought to the entry in place.
    expect(counts.created! + counts.updated! + counts.unchanged!).toBe(3);
    expect(counts.failed).toBe(0);
    await completionFor(
      (d) =>
        d.trigger === 'reconcile' &&
        (d.correlation as Record<string, string>)?.reconcileEntry === 'web03-to-ids',
    );
  });

  it('`mirrorflow provision --via event` puts a signed PutEvents on the custom bus and follows it to Ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-provision-'));
    const file = join(dir, 'request.json');
    writeFileSync(file, JSON.stringify(request('eni-bp1app02')));
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/mirrorflow.js', 'provision', file, '--via', 'event', '--endpoints', endpointsFile, '--json'],
        (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/mirrorflow:TrafficMirrorSession:Ready/);
  });

  it('refuses to start twice on the same ports, saying so', async () => {
    const port = new URL(up.ready.vpc).port;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          'bin/mirrorflow.js',
          'up',
          '--port-base',
          port,
          '--functions',
          functionsDir,
          '--endpoints',
          `${endpointsFile}.2`,
        ],
        (error, _o, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/already in use/);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await up.stop('SIGTERM')).toBe(0);
  });
});
