/** The whole local cloud for end-to-end tests, with the product's functions bundled once per process. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { clientToken, eventKey } from '../../functions/lib/contract/clientToken.js';
import { signMirrorflow } from '../../functions/lib/triggers/webhookSignature.js';
import { bundleFunctions } from '../../infra/build/bundleFunctions.js';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../infra/local/cloud.js';
import type { StoredEvent } from '../../infra/local/eventbridge/bus.js';
import { assertCompletionEvent, assertReconcileEvent } from './eventSchema.js';

let bundled: Promise<string> | undefined;

export function productBundles(): Promise<string> {
  bundled ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'mf-dist-'));
    await bundleFunctions({ functionsDir: 'functions', outDir: out });
    return out;
  })();
  return bundled;
}

export async function startTestCloud(options: Partial<LocalCloudOptions> = {}): Promise<LocalCloud> {
  const cloud = await startLocalCloud({
    functionsDir: await productBundles(),
    timeScale: 100,
    desiredState: 'infra/examples/desired-state.yaml',
    // Tests fire the reconcile timer by hand, so counts never depend on how long a test runs.
    runTimers: false,
    ...options,
  });
  // Every event mirrorflow put during the file's tests is checked against its published schema at the end,
  // whether a test looked at it or not.
  const close = cloud.close.bind(cloud);
  cloud.close = async () => {
    const events = cloud.stack.bus.events;
    await close();
    for (const event of events) {
      if (event.source !== 'mirrorflow') continue;
      if (event.type === 'mirrorflow:Reconcile:Completed') assertReconcileEvent(event);
      else assertCompletionEvent(event);
    }
  };
  return cloud;
}

/**
 * The file's local cloud: started before its tests (by `start`, the test cloud by default), closed after them.
 * The getter gives it inside a test or hook.
 */
export function fileCloud(start: () => Promise<LocalCloud> = () => startTestCloud()): () => LocalCloud {
  let cloud: LocalCloud | undefined;
  beforeAll(async () => {
    cloud = await start();
  }, 120_000);
  afterAll(() => cloud?.close());
  return () => {
    if (!cloud) throw new Error('the local cloud has not started');
    return cloud;
  };
}

export const COMPLETION_TYPES = [
  'mirrorflow:TrafficMirrorSession:Ready',
  'mirrorflow:TrafficMirrorSession:Updated',
  'mirrorflow:TrafficMirrorSession:Deleted',
  'mirrorflow:TrafficMirrorSession:Failed',
];

/** The completion events on the bus (each checked against the published schema as it is read). */
export function completionEvents(cloud: LocalCloud, clientToken?: string): StoredEvent[] {
  const found = cloud.stack.bus.events.filter(
    (e) =>
      COMPLETION_TYPES.includes(e.type) &&
      (clientToken === undefined || (e.data as { clientToken?: string }).clientToken === clientToken),
  );
  for (const event of found) assertCompletionEvent(event);
  return found;
}

/** The reconcile runs' Completed events on the bus (each checked against its published schema). */
export function reconcileEvents(cloud: LocalCloud): StoredEvent[] {
  const found = cloud.stack.bus.events.filter((e) => e.type === 'mirrorflow:Reconcile:Completed');
  for (const event of found) assertReconcileEvent(event);
  return found;
}

/** Waits (real time) until `count` completion events for the token are on the bus. */
export async function waitForCompletion(
  cloud: LocalCloud,
  clientToken: string,
  count = 1,
  timeoutMs = 30_000,
): Promise<StoredEvent[]> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = completionEvents(cloud, clientToken);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  const logs = cloud.stack.fc.logs
    .slice(-30)
    .map((l) => `${l.function}: ${l.line}`)
    .join('\n');
  throw new Error(
    `no completion event for ${clientToken} within ${timeoutMs} ms; last function logs:\n${logs}`,
  );
}

/** Lets every execution run to its end (real time), so a test can count what was emitted. */
export async function settle(cloud: LocalCloud, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await cloud.stack.bus.idle();
    await cloud.stack.fc.idle();
    const running = [...cloud.fnf.executions.values()].some((e) => e.status === 'Running');
    if (!running) return;
    if (Date.now() > until) throw new Error('executions still running');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A generic webhook delivery, signed with the local secret (`X-Mirrorflow-Signature: t=…,v1=…`). */
export function postWebhook(cloud: LocalCloud, body: unknown, deliveryId: string): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(cloud.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mirrorflow-delivery': deliveryId,
      // v2: the delivery id is signed too, so it names the request.
      'x-mirrorflow-signature': signMirrorflow(
        cloud.webhookSecret,
        raw,
        Math.floor(Date.now() / 1000),
        deliveryId,
      ),
    },
    body: raw,
  });
}

/**
 * Puts a mirror request on the local `mirrorflow` bus as a CloudEvent, `copies` times (redeliveries of one
 * event), failing if the bus refuses one; returns the ClientToken intake-event derives from it.
 */
export async function putRequestEvent(
  cloud: LocalCloud,
  event: { source: string; id: string; type: 'Submitted' | 'Modified' | 'Withdrawn'; data: unknown },
  copies = 1,
): Promise<string> {
  for (let i = 0; i < copies; i++) {
    const response = await fetch(`${cloud.stack.bus.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        aliyuneventbusname: 'mirrorflow',
        id: event.id,
        source: event.source,
        type: `mirrorflow:MirrorRequest:${event.type}`,
        datacontenttype: 'application/json',
        data: event.data,
      }),
    });
    if (response.status !== 200)
      throw new Error(`the bus answered ${response.status}: ${await response.text()}`);
  }
  return clientToken('event', eventKey(event.source, event.id));
}
