/** `mirrorflow sessions`, `status` and `events` filters against a running local cloud. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Endpoints, writeEndpoints } from '../../infra/cli/endpoints.js';
import { main } from '../../infra/cli/main.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { captureIo } from '../helpers/cliIo.js';
import {
  postWebhook,
  putRequestEvent,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest, faultRule } from '../helpers/requests.js';

let cloud: LocalCloud;
const file = join(mkdtempSync(join(tmpdir(), 'mf-lookup-')), 'endpoints.json');
let eventToken: string;
let webhookToken: string;

const putEvent = (id: string, data: unknown) =>
  putRequestEvent(cloud, { source: 'lookup.test', id, type: 'Submitted', data });

beforeAll(async () => {
  cloud = await startTestCloud();
  writeEndpoints(file, cloud.endpoints() as unknown as Endpoints);
  eventToken = await putEvent('look-1', demoRequest('eni-bp1web01', { ExpiresAt: '2030-01-01T00:00:00Z' }));
  const answer = await postWebhook(
    cloud,
    { request: demoRequest('eni-bp1web02'), correlation: { ticket: 'SEC-42' } },
    'look-webhook-1',
  );
  webhookToken = ((await answer.json()) as { clientToken: string }).clientToken;
  await waitForCompletion(cloud, eventToken);
  await waitForCompletion(cloud, webhookToken);
}, 120_000);
afterAll(() => cloud?.close());

const run = async (...args: string[]) => {
  const io = captureIo();
  const code = await main([...args, '--endpoints', file], io);
  return { code, io };
};

describe('mirrorflow sessions', () => {
  it('lists the sessions mirrorflow owns with their origin, state and correlation', async () => {
    const { code, io } = await run('sessions', '--json');
    expect(code).toBe(0);
    const sessions = JSON.parse(io.stdout) as {
      origin: string;
      sources: string[];
      status: string;
      clientToken: string;
      correlation: Record<string, string>;
      outcome: string;
    }[];
    const byToken = new Map(sessions.map((s) => [s.clientToken, s]));
    expect(byToken.get(eventToken)).toMatchObject({
      origin: 'event',
      sources: ['eni-bp1web01'],
      outcome: 'Ready',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    expect(byToken.get(webhookToken)).toMatchObject({
      origin: 'webhook',
      entry: null,
      ticket: 'SEC-42',
      status: 'Created',
      correlation: { ticket: 'SEC-42' },
    });
  });
});

describe('mirrorflow status', () => {
  it('answers by ClientToken, by session id and by ticket with the completion event', async () => {
    const byTicket = await run('status', 'SEC-42', '--json');
    expect(byTicket.code).toBe(0);
    const [answer] = JSON.parse(byTicket.io.stdout) as {
      outcome: string;
      clientToken: string;
      session: string;
    }[];
    expect(answer).toMatchObject({ outcome: 'Ready', clientToken: webhookToken });
    const sessionId = answer!.session.split('/').at(-1)!;
    const bySession = await run('status', sessionId, '--json');
    expect(JSON.parse(bySession.io.stdout)).toEqual([answer]);
    expect(JSON.parse((await run('status', webhookToken, '--json')).io.stdout)).toEqual([answer]);
  });

  it('shows a request the flow still waits for as pending, with its execution and looks', async () => {
    cloud.vpc.faults.set({
      rules: [faultRule({ action: 'CreateTrafficMirrorSession', stuckInCreatingRate: 1 })],
    });
    const token = await putEvent('look-stuck', demoRequest('eni-bp1app01'));
    let pending: { state: string; executionName: string; looks: number } | undefined;
    for (let i = 0; i < 400 && !pending?.looks; i++) {
      const { io } = await run('status', token, '--json');
      const parsed = JSON.parse(io.stdout) as { state: string; executionName: string; looks: number };
      if (parsed.state === 'pending') pending = parsed;
      else await new Promise((r) => setImmediate(r));
    }
    cloud.vpc.faults.set({ rules: [] });
    expect(pending).toMatchObject({ state: 'pending', executionName: token });
    expect(pending!.looks).toBeGreaterThan(0);
  });

  it('says so, and exits 1, when nothing is known', async () => {
    const { code, io } = await run('status', 'mf-ev-0000000000000000000000000000000000000000', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(io.stdout)).toMatchObject({ state: 'unknown' });
  });
});

describe('mirrorflow stop', () => {
  it('withdraws a session by its request’s ClientToken and, with --wait, answers Deleted', async () => {
    const { code, io } = await run('stop', eventToken, '--wait', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Deleted',
      data: { outcome: 'Deleted', operation: 'withdraw' },
    });
    expect(cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes('eni-bp1web01'))).toEqual([]);
    const again = await run('stop', eventToken, '--wait', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.io.stdout)).toMatchObject({
      data: { error: { code: 'Mirror.SessionNotFound' } },
    });
  });
});

describe('mirrorflow events filters', () => {
  it('filters by --token, --ticket and --type', async () => {
    const lines = async (...args: string[]) =>
      (await run('events', '--json', ...args)).io.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; data: { clientToken: string } });
    expect((await lines('--token', eventToken)).map((e) => e.data.clientToken)).toEqual([eventToken]);
    expect((await lines('--ticket', 'SEC-42')).map((e) => e.data.clientToken)).toEqual([webhookToken]);
    expect((await lines('--type', 'Failed')).every((e) => e.type.endsWith(':Failed'))).toBe(true);
    expect(await lines('--type', 'Ready', '--ticket', 'nobody')).toEqual([]);
  });
});

// Last: reconcile brings the webhook's web02 session to the example's web02-to-ids entry (an Updated event
// for that session), which the status tests above must not see.
describe('mirrorflow sessions, after a reconcile run', () => {
  it('names the reconcile entry a session was created for', async () => {
    await cloud.reconcile('2026-11-22T07:00:00Z');
    await settle(cloud);
    const sessions = JSON.parse((await run('sessions', '--json')).io.stdout) as {
      origin: string;
      entry: string | null;
      sources: string[];
    }[];
    expect(sessions.find((s) => s.sources.includes('eni-bp1web03'))).toMatchObject({
      origin: 'reconcile',
      entry: 'web03-to-ids',
    });
    const text = (await run('sessions')).io.stdout;
    expect(text).toMatch(/reconcile:web03-to-ids/);
    expect(text).toMatch(/ticket SEC-42/);
  });
});
