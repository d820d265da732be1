/**
 * Expiring requests: a Submitted request with DurationSeconds or ExpiresAt is withdrawn by the scheduled run
 * once its time has come (virtual time), ending in one Deleted event that names the expiry; sessions without
 * an expiry are left alone, plan mode only reports, and an expiry already past is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.js';
import {
  COMPLETION_TYPES,
  putRequestEvent,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest } from '../helpers/requests.js';

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
}, 120_000);
afterAll(() => cloud?.close());

const SOURCE = 'tickets.expiry';
const submit = (id: string, data: unknown) =>
  putRequestEvent(cloud, { source: SOURCE, id, type: 'Submitted', data });
/**
 * Moves the local cloud's clock past `virtualMs` by hand (warm function instances follow it). Expiries are a
 * day out, so however slowly a loaded machine runs, no scheduled run reaches one before the test moves time.
 */
function passTo(virtualMs: number) {
  const ahead = virtualMs - cloud.clock.now();
  if (ahead >= 0) cloud.clock.advance(ahead + 1);
}
const DAY_SECONDS = 86_400;
const triggerTime = () => new Date(cloud.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
const deletedEvents = (sessionId: string) =>
  cloud.stack.bus.events.filter(
    (e) =>
      COMPLETION_TYPES.includes(e.type) &&
      (e.data as { sessionId?: string }).sessionId === sessionId &&
      e.type.endsWith(':Deleted'),
  );

describe('expiry', () => {
  it('DurationSeconds: withdrawn by the first scheduled run after it; plan mode only reports; others stay', async () => {
    const expiring = await submit('exp-1', demoRequest('eni-bp1db01', { DurationSeconds: DAY_SECONDS }));
    const staying = await submit('exp-2', demoRequest('eni-bp1db02'));
    const [ready] = await waitForCompletion(cloud, expiring);
    await waitForCompletion(cloud, staying);
    const sessionId = (ready!.data as { sessionId: string }).sessionId;
    // Not yet: the run right away leaves it.
    const early = (await cloud.reconcile(triggerTime())) as { expired: unknown[] };
    expect(early.expired).toEqual([]);
    // The tag says a day after creation; creation time is listed to the minute, so at most a minute more.
    const created = cloud.vpc.model.liveSessions().find((s) => s.id === sessionId)!.createdAt;
    passTo(created + (DAY_SECONDS + 60) * 1000);
    const planned = (await cloud.reconcile(triggerTime(), { mode: 'plan' })) as {
      expired: { sessionId: string; outcome: string }[];
    };
    expect(planned.expired).toEqual([expect.objectContaining({ sessionId, outcome: 'planned' })]);
    expect(cloud.vpc.model.liveSessions().some((s) => s.id === sessionId)).toBe(true);
    const applied = (await cloud.reconcile(triggerTime())) as {
      expired: { sessionId: string; outcome: string }[];
    };
    expect(applied.expired).toEqual([expect.objectContaining({ sessionId, outcome: 'Deleting' })]);
    await settle(cloud);
    expect(deletedEvents(sessionId)).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ correlation: expect.objectContaining({ request: expiring }) }),
      }),
    ]);
    expect(cloud.vpc.model.liveSessions().some((s) => s.id === sessionId)).toBe(false);
    expect(cloud.vpc.model.liveSessions().some((s) => s.sourceIds.includes('eni-bp1db02'))).toBe(true);
    // A later run finds nothing more to do.
    expect(((await cloud.reconcile(triggerTime())) as { expired: unknown[] }).expired).toEqual([]);
  });

  it('ExpiresAt: withdrawn once passed; an ExpiresAt already past is refused (Mirror.ExpiryPassed)', async () => {
    const at = new Date(cloud.clock.now() + DAY_SECONDS * 1000).toISOString();
    const token = await submit('exp-3', demoRequest('eni-bp1app02', { ExpiresAt: at }));
    const [ready] = await waitForCompletion(cloud, token);
    const sessionId = (ready!.data as { sessionId: string }).sessionId;
    passTo(Date.parse(at));
    await cloud.reconcile(triggerTime());
    await settle(cloud);
    expect(deletedEvents(sessionId)).toHaveLength(1);
    const past = await submit('exp-4', demoRequest('eni-bp1web01', { ExpiresAt: '2020-01-01T00:00:00Z' }));
    expect((await waitForCompletion(cloud, past))[0]).toMatchObject({
      data: { error: { code: 'Mirror.ExpiryPassed' } },
    });
    expect(cloud.vpc.model.liveSessions().some((s) => s.sourceIds.includes('eni-bp1web01'))).toBe(false);
  });
});
