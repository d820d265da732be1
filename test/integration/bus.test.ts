/**
 * The local EventBridge: rules created through its RPC API in the documented shapes, events put signed on a
 * bus (and RAM-checked) or locally over the CloudEvents HTTP binding, kept and followed, routed to targets.
 */

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../infra/local/clock.js';
import { LOCAL_ACCESS_KEY } from '../../infra/local/credentials.js';
import { putEvents, signedPutEventsHeaders } from '../../infra/local/eventbridge/signature.js';
import { type FlowStack, startFlowStack } from '../../infra/local/flowStack.js';
import { RamAuthority } from '../../infra/local/ram/authority.js';
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
  aliyuneventbusname: 'mirrorflow',
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
  });
  control = new RPCClient({
    endpoint: stack.bus.url,
    apiVersion: '2020-04-01',
    accessKeyId: LOCAL_ACCESS_KEY.accessKeyId,
    accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
  });
  await control.request(
    'CreateRule',
    {
      EventBusName: 'mirrorflow',
      RuleName: 'requests',
      FilterPattern: JSON.stringify({
        source: ['acs.test'],
        type: [{ prefix: 'mirrorflow:MirrorRequest:' }],
      }),
      EventTargets: JSON.stringify([
        fcTarget('recorder', 'recorder', { ResourceKey: 'Body', Form: 'ORIGINAL' }),
      ]),
    },
    { method: 'POST' },
  );
}, 60_000);

let control: RPCClient;
const fcTarget = (id: string, fn: string, body: Record<string, string>, strategy = 'BACKOFF_RETRY') => ({
  Id: id,
  Type: 'acs.fc.function',
  Endpoint: `acs:fc:cn-hangzhou:1234567890123456:services/default.LATEST/functions/${fn}`,
  PushRetryStrategy: strategy,
  ParamList: [
    { ResourceKey: 'serviceName', Form: 'CONSTANT', Value: 'default' },
    { ResourceKey: 'functionName', Form: 'CONSTANT', Value: fn },
    { ResourceKey: 'Qualifier', Form: 'CONSTANT', Value: 'LATEST' },
    { ResourceKey: 'InvocationType', Form: 'CONSTANT', Value: 'Sync' },
    { ResourceKey: 'DataFormat', Form: 'CONSTANT', Value: 'Object' },
    body,
  ],
});
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
    // The reader is waiting (not answered from what was already there) before the event arrives.
    while (stack.bus.followers() === 0) await new Promise((r) => setImmediate(r));
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

  it('retries a delivery the target refuses, as its push retry strategy says (at least once)', async () => {
    const key = `bus-retry-${process.pid}-${Date.now()}`;
    await control.request(
      'CreateRule',
      {
        EventBusName: 'mirrorflow',
        RuleName: 'flaky',
        FilterPattern: JSON.stringify({ type: ['test:Flaky'] }),
        EventTargets: JSON.stringify([
          fcTarget('flaky', 'flaky', { ResourceKey: 'Body', Form: 'JSONPATH', Value: '$.data' }),
        ]),
      },
      { method: 'POST' },
    );
    await post({ ...event('retry-1', 'test:Flaky'), data: { key, failTimes: 2 } });
    await stack.bus.idle();
    const runs = stack.fc.invocations.filter((i) => i.function === 'flaky');
    expect(runs.map((r) => r.outcome)).toEqual(['error', 'error', 'ok']);
    expect(stack.bus.undelivered).toEqual([]);
  });

  it('keeps custom events off the default bus, which carries Alibaba Cloud service events only', async () => {
    const response = await post({ ...event('default-1'), aliyuneventbusname: 'default', source: 'my.app' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'InvalidArgument' });
    expect(stack.bus.events.map((e) => e.id)).not.toContain('default-1');
    const unknownBus = await post({ ...event('nobus-1'), aliyuneventbusname: 'nope' });
    expect(await unknownBus.json()).toMatchObject({ code: 'EventBusNotExist' });
  });

  it('refuses a rule whose FilterPattern is not a JSON string or whose targets miss documented parameters', async () => {
    const create = async (params: Record<string, string>) => {
      try {
        await control.request(
          'CreateRule',
          { EventBusName: 'mirrorflow', RuleName: 'bad', ...params },
          { method: 'POST' },
        );
        return { code: 'none', message: '' };
      } catch (error) {
        return error as { code?: string; message?: string };
      }
    };
    expect(await create({ FilterPattern: '[object Object]' })).toMatchObject({ code: 'InvalidArgument' });
    const missing = await create({
      FilterPattern: '{"type":["x"]}',
      EventTargets: JSON.stringify([
        {
          Id: 'q',
          Type: 'acs.mns.queue',
          Endpoint: 'acs:mns:cn-hangzhou:1:/queues/x',
          ParamList: [{ ResourceKey: 'Body', Form: 'ORIGINAL' }],
        },
      ]),
    });
    expect(missing).toMatchObject({ code: 'InvalidArgument' });
    expect(String(missing.message)).toMatch(/Endpoint must be acs:mns:<region>:<account>:queues\/<queue>/);
    expect(String(missing.message)).toMatch(/needs ResourceKey queue/);
    expect(stack.bus.model.rules('mirrorflow').map((r) => r.name)).not.toContain('bad');
  });

  it('puts signed events through the data plane, and RAM judges eventbridge:PutEvents on the bus', async () => {
    const role = {
      name: 'putter',
      arn: 'acs:ram::1234567890123456:role/putter',
      trustedServices: ['fnf.aliyuncs.com'],
      statements: [
        {
          effect: 'Allow' as const,
          actions: ['eventbridge:PutEvents'],
          resources: ['acs:eventbridge:cn-hangzhou:1234567890123456:eventbus/other'],
        },
      ],
    };
    const authority = new RamAuthority('1234567890123456', [role]);
    // The stack's own authority has no such role: use its account key for the allowed put, then a role of another.
    const ok = await putEvents(stack.bus.url, LOCAL_ACCESS_KEY, 'cn-hangzhou', [event('signed-1')]);
    expect(ok).toMatchObject({ FailedEntryCount: 0, EntryList: [{ EventId: 'signed-1' }] });
    const stranger = authority.assumeRole(role.arn, 'fnf.aliyuncs.com', 'x');
    const refused = await putEvents(stack.bus.url, stranger, 'cn-hangzhou', [event('signed-2')]).catch(
      (e) => e,
    );
    expect(refused).toMatchObject({ code: 'InvalidAccessKeyId' });
    expect(stack.bus.events.map((e) => e.id)).not.toContain('signed-2');
  });

  it('refuses a signed PutEvents whose body was changed, or which is sent again (the nonce)', async () => {
    const body = JSON.stringify([event('tampered-1')]);
    const headers = signedPutEventsHeaders(body, LOCAL_ACCESS_KEY, 'cn-hangzhou');
    const send = (text: string) =>
      fetch(`${stack.bus.url}/openapi/putEvents`, { method: 'POST', headers, body: text });
    const changed = await send(body.replace('tampered-1', 'tampered-2'));
    expect(changed.status).toBe(400);
    expect(await changed.json()).toMatchObject({ code: 'InvalidContentMD5' });
    expect((await send(body)).status).toBe(200);
    const replayed = await send(body);
    expect(await replayed.json()).toMatchObject({ code: 'SignatureNonceUsed' });
    expect(stack.bus.events.filter((e) => e.id.startsWith('tampered-')).map((e) => e.id)).toEqual([
      'tampered-1',
    ]);
  });
});
