/** The local EventBridge bus: the CloudEvents HTTP binding, keeping and following events, routing to FC. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../infra/local/clock.js';
import { type FlowStack, startFlowStack } from '../../infra/local/flowStack.js';
import { fixtureBundles } from '../helpers/fixtures.js';

let stack: FlowStack;
const recordFile = join(mkdtempSync(join(tmpdir(), 'mf-bus-')), 'events.jsonl');
const recorded = () =>
  readFileSync(recordFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; type: string });

const event = (id: string, type = 'mirrorflow:MirrorRequest:Submitted') => ({
  specversion: '1.0',
  id,
  source: 'acs.test',
  type,
  datacontenttype: 'application/json',
  data: { hello: id },
});
const post = (body: unknown, contentType = 'application/cloudevents+json') =>
  fetch(`${stack.bus.url}/events`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  stack = await startFlowStack({
    clock: new SimulatedClock(),
    region: 'cn-hangzhou',
    functionsDir: await fixtureBundles(),
    configure: () => ({ env: { RECORD_FILE: recordFile } }),
    rules: [
      {
        name: 'requests',
        pattern: { source: ['acs.test'], type: [{ prefix: 'mirrorflow:MirrorRequest:' }] },
        function: 'recorder',
      },
    ],
  });
}, 60_000);
afterAll(() => stack.close());

describe('EventBridge bus', () => {
  it('accepts structured and batch CloudEvents and keeps them, oldest first', async () => {
    expect((await post(event('s-1'))).status).toBe(200);
    expect((await post([event('b-1'), event('b-2')], 'application/cloudevents-batch+json')).status).toBe(200);
    const all = (await (await fetch(`${stack.bus.url}/events`)).json()) as { id: string }[];
    expect(all.map((e) => e.id)).toEqual(expect.arrayContaining(['s-1', 'b-1', 'b-2']));
    expect(all.findIndex((e) => e.id === 's-1')).toBeLessThan(all.findIndex((e) => e.id === 'b-1'));
  });

  it('accepts binary-mode events too', async () => {
    const response = await fetch(`${stack.bus.url}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'bin-1',
        'ce-source': 'acs.test',
        'ce-type': 'other:Thing',
      },
      body: JSON.stringify({ x: 1 }),
    });
    expect(response.status).toBe(200);
    const all = (await (await fetch(`${stack.bus.url}/events`)).json()) as { id: string; data: unknown }[];
    expect(all.find((e) => e.id === 'bin-1')?.data).toEqual({ x: 1 });
  });

  it('refuses what is not a CloudEvent, saying why', async () => {
    const response = await post({ specversion: '1.0', source: 'x' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/not a valid CloudEvent/);
  });

  it('lets a caller follow: since=N returns later events, wait=S waits for one', async () => {
    const count = ((await (await fetch(`${stack.bus.url}/events`)).json()) as unknown[]).length;
    const pending = fetch(`${stack.bus.url}/events?since=${count}&wait=10`).then(
      (r) => r.json() as Promise<{ id: string }[]>,
    );
    await new Promise((r) => setTimeout(r, 100));
    await post(event('later-1', 'other:Thing'));
    expect((await pending).map((e) => e.id)).toEqual(['later-1']);
    const none = (await (await fetch(`${stack.bus.url}/events?since=${count + 1}`)).json()) as unknown[];
    expect(none).toEqual([]);
  });

  it('routes matching events to the rule function, and only those', async () => {
    await post(event('route-1'));
    await post(event('skip-1', 'other:Thing'));
    await stack.bus.idle();
    await stack.fc.idle();
    const ids = recorded().map((e) => e.id);
    expect(ids).toContain('route-1');
    expect(ids).not.toContain('skip-1');
  });

  it('delivers duplicates on purpose when asked', async () => {
    stack.bus.setDuplicates(2);
    await post(event('dup-1'));
    await stack.bus.idle();
    await stack.fc.idle();
    stack.bus.setDuplicates(0);
    expect(recorded().filter((e) => e.id === 'dup-1')).toHaveLength(3);
  });

  it('retries a delivery the function host refuses (at least once)', async () => {
    let failures = 2;
    const delivered: string[] = [];
    stack.bus.setDeliver(async (_fn, e) => {
      if (failures-- > 0) throw new Error('FC unavailable');
      delivered.push(e.id);
    });
    await post(event('retry-1'));
    await stack.bus.idle();
    expect(delivered).toEqual(['retry-1']);
  });
});
